using System;
using System.Collections.Generic;
using System.Text;

namespace VcspGen.Runtime;

/// <summary>
/// The senders a session hears relayed messages from, by member name, each with its streams (PROTOCOL.md §7.5: one per
/// membership, at most 4 per name); bounded, the sender heard from least recently forgotten.
/// </summary>
internal sealed class RelayedSenders
{
    // Further apart than this, two sequences of one sender belong to different sequence spaces (it joined again).
    private const long FarAway = 4096;

    // Sequence spaces (memberships) tracked per sender name: one per time it joined, the least recently heard forgotten.
    private const int StreamsPerSender = 4;

    private readonly ServerLink _link;
    private readonly int _maxSenders;
    private readonly Dictionary<string, Sender> _senders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Sender>.AlternateLookup<ReadOnlySpan<char>> _sendersByName;

    /// <summary>Creates the table.</summary>
    /// <param name="link">The way to the server (each stream asks it for what it misses).</param>
    /// <param name="maxSenders">How many senders are tracked at once.</param>
    public RelayedSenders(ServerLink link, int maxSenders)
    {
        _link = link;
        _maxSenders = maxSenders;
        _sendersByName = _senders.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Every stream of every sender, for the timed work.</summary>
    public List<RelayedStream> All { get; } = [];

    /// <summary>
    /// The stream a relayed datagram belongs to: its sender's stream whose sequence is near, else one that has lost its
    /// place (and takes the next message that starts), else a new one. A sender that joined again starts a new random
    /// sequence far from the old one (PROTOCOL.md §7.5), so each of its memberships is taken in order on its own, and
    /// late copies of an old one (its tail repeats) are recognised as such.
    /// </summary>
    /// <param name="senderName">The sender's name, UTF-8, at most 32 bytes.</param>
    /// <param name="sequence">The datagram's sequence.</param>
    /// <returns>The stream, marked as heard now.</returns>
    public RelayedStream StreamFor(ReadOnlySpan<byte> senderName, uint sequence)
    {
        var now = _link.Time.GetTimestamp();
        var sender = SenderFrom(senderName);
        sender.LastHeard = now;
        RelayedStream? lost = null;
        RelayedStream? leastRecent = null;
        foreach (var stream in sender.Streams)
        {
            if (stream.Current is not { } current)
            {
                lost ??= stream;
            }
            else if (!IsFar(current, sequence))
            {
                stream.LastHeard = now;
                return stream;
            }

            leastRecent = leastRecent is null || stream.LastHeard < leastRecent.LastHeard ? stream : leastRecent;
        }

        if (lost is null)
        {
            if (sender.Streams.Count == StreamsPerSender)
            {
                Remove(sender, leastRecent!);
            }

            lost = new RelayedStream(_link);
            sender.Streams.Add(lost);
            All.Add(lost);
        }

        lost.LastHeard = now;
        return lost;
    }

    private Sender SenderFrom(ReadOnlySpan<byte> senderName)
    {
        Span<char> name = stackalloc char[Encoding.UTF8.GetMaxCharCount(32)];
        var chars = Encoding.UTF8.GetChars(senderName, name);
        if (_sendersByName.TryGetValue(name[..chars], out var sender))
        {
            return sender;
        }

        if (_senders.Count >= _maxSenders)
        {
            // Bounded: forget the sender heard from least recently.
            string? oldest = null;
            foreach (var (key, value) in _senders)
            {
                if (oldest is null || value.LastHeard < _senders[oldest].LastHeard)
                {
                    oldest = key;
                }
            }

            var forgotten = _senders[oldest!];
            while (forgotten.Streams.Count > 0)
            {
                Remove(forgotten, forgotten.Streams[^1]);
            }

            _senders.Remove(oldest!);
        }

        sender = new Sender();
        _senders[name[..chars].ToString()] = sender;
        return sender;
    }

    private void Remove(Sender sender, RelayedStream stream)
    {
        stream.Reassembly.Reset();
        sender.Streams.Remove(stream);
        All.Remove(stream);
    }

    private static bool IsFar(uint a, uint b) => SerialNumber.Distance(a, b) > FarAway && SerialNumber.Distance(b, a) > FarAway;

    /// <summary>A sender name's streams (one per membership), at most <see cref="StreamsPerSender"/>.</summary>
    private sealed class Sender
    {
        public List<RelayedStream> Streams { get; } = new(StreamsPerSender);

        public long LastHeard { get; set; }
    }
}
