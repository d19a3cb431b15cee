using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The relayed messages a member receives (PROTOCOL.md §7.4, §7.5, §8.5), taken in order per sender stream and put
/// together from their fragments; what is missing is asked for with a ResendRequest, which the server answers from its
/// relay cache. So a message is delivered whole, once, and in order.
/// </summary>
internal sealed class RelayedStreams
{
    private readonly ServerLink _link;
    private readonly IClientEvents _events;
    private readonly TimeSpan _flushAfter;
    private readonly byte[] _messageBuffer;
    private readonly RelayedSenders _senders;

    /// <summary>Creates the receiving side.</summary>
    /// <param name="link">The way to the server.</param>
    /// <param name="events">Where whole messages are delivered.</param>
    /// <param name="options">The session's settings (how long an incomplete message waits, how many senders are tracked).</param>
    /// <param name="messageBuffer">Where a fragmented message is put together: room for the longest.</param>
    public RelayedStreams(ServerLink link, IClientEvents events, ClientOptions options, byte[] messageBuffer)
    {
        _link = link;
        _events = events;
        _flushAfter = options.FlushAfter;
        _messageBuffer = messageBuffer;
        _senders = new RelayedSenders(link, options.MaxSenders);
    }

    /// <summary>How many relayed messages were given up on, their missing datagrams never having come (PROTOCOL.md §7.4).</summary>
    public long AbandonedMessages { get; private set; }

    /// <summary>
    /// A relayed datagram (PROTOCOL.md §8.5). Each sender's messages are taken in order: a datagram is accepted if it
    /// belongs to the message being put together, or starts the next message expected. Anything newer means something
    /// before it is missing: it is dropped, and the missing run, up to it, is asked for.
    /// </summary>
    /// <param name="msg">The datagram.</param>
    public void OnMsg(in Msg msg)
    {
        var stream = _senders.StreamFor(msg.Sender, msg.Sequence);
        var reassembly = stream.Reassembly;
        var whole = msg.FragmentOffset == VcspWire.WholeMessage;
        uint? start = whole ? msg.Sequence
            : msg.FragmentOffset != VcspWire.FinalFragment ? unchecked(msg.Sequence - msg.FragmentOffset + 1u)
            : reassembly.IsOpen && SerialNumber.IsNewer(msg.Sequence, reassembly.FirstSequence) ? reassembly.FirstSequence
            : null;

        if (reassembly.IsOpen && !whole && start == reassembly.FirstSequence)
        {
            AddFragment(stream, msg);
            return;
        }

        if (stream.Expected is not { } expected)
        {
            if (!stream.Probed)
            {
                // The first datagram heard from this sender: earlier ones may have been lost on the way, and nothing
                // after them would tell. Ask the server where this member's stream of that sender begins (the
                // Error StreamStart that answers a ResendRequest ending just before this datagram), then take
                // everything from there in order (PROTOCOL.md §7.5).
                stream.Probing = true;
                stream.Probed = true;
                stream.NeedUpTo = msg.Sequence;
                stream.Want(unchecked(msg.Sequence - 1), 1);
                return;
            }

            if (stream.Probing)
            {
                stream.NeedUpTo = SerialNumber.IsNewer(msg.Sequence, stream.NeedUpTo) ? msg.Sequence : stream.NeedUpTo;
                return;
            }

            if (start is null)
            {
                return; // its message's start is unknown: wait
            }

            expected = start.Value;
            stream.Expected = expected;
        }

        if (SerialNumber.IsOlder(msg.Sequence, expected))
        {
            return; // delivered already: a duplicate, a repeat or a late copy
        }

        if (!reassembly.IsOpen && start == expected)
        {
            if (whole)
            {
                Deliver(stream, msg.Sender, msg.Data, unchecked(msg.Sequence + 1));
                return;
            }

            reassembly.Open(expected);
            AddFragment(stream, msg);
            return;
        }

        // Something before this datagram is missing: ask for the run from the first hole up to this one.
        var from = reassembly.IsOpen && reassembly.TryGetFirstMissing(out var missing, out _) ? missing : expected;
        stream.NeedUpTo = stream.Asking && SerialNumber.IsNewer(stream.NeedUpTo, msg.Sequence) ? stream.NeedUpTo : msg.Sequence;
        stream.Want(from, SerialNumber.Distance(from, stream.NeedUpTo) + 1);
    }

    /// <summary>
    /// The server says where this member's stream of a sender begins (Error StreamStart, the answer to a probe): the
    /// probing stream expects that sequence and asks for the run up to the newest datagram it saw.
    /// </summary>
    /// <param name="request">The probe's Sequence, echoed.</param>
    /// <param name="first">The first datagram of that sender the server still holds for this member.</param>
    public void OnStreamStart(uint request, uint first)
    {
        foreach (var stream in _senders.All)
        {
            if (stream.Probing && stream.NeedFrom == request)
            {
                var seen = unchecked(request + 1);
                stream.Probing = false;
                stream.StopAsking();
                stream.Expected = SerialNumber.IsNewer(first, seen) ? seen : first;
                stream.Want(stream.Expected.Value, SerialNumber.Distance(stream.Expected.Value, stream.NeedUpTo) + 1L);
                return;
            }
        }
    }

    /// <summary>Asks again for what is still missing, gives up on what never came, and asks for the end of a message left incomplete.</summary>
    /// <param name="now">The current timestamp.</param>
    public void Poll(long now)
    {
        foreach (var stream in _senders.All)
        {
            PollStream(stream, now);
        }
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is outstanding.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay()
    {
        TimeSpan? due = null;
        foreach (var stream in _senders.All)
        {
            TimeSpan? delay = null;
            if (stream.Asking)
            {
                delay = stream.AskDelay();
            }
            else if (stream.Reassembly.IsOpen)
            {
                var left = _flushAfter - _link.Time.GetElapsedTime(stream.LastHeard);
                delay = left < TimeSpan.Zero ? TimeSpan.Zero : left;
            }

            due = delay is { } d && (due is not { } earliest || d < earliest) ? d : due;
        }

        return due;
    }

    private void PollStream(RelayedStream stream, long now)
    {
        if (stream.Asking)
        {
            if (stream.PollAsking() == RetryStep.GiveUp)
            {
                if (stream.Probing)
                {
                    // No StreamStart came: take this sender's messages from the next one that starts.
                    stream.Probing = false;
                    return;
                }

                Abandon(stream); // the server no longer has it (PROTOCOL.md §7.4): counted, and the sender's next message starts afresh
            }

            return;
        }

        // A message left incomplete while its sender is quiet: its last fragments were lost (PROTOCOL.md §7.5).
        if (stream.Reassembly.IsOpen && _link.Time.GetElapsedTime(stream.LastHeard, now) >= _flushAfter
            && stream.Reassembly.TryGetFirstMissing(out var missing, out var count))
        {
            stream.Want(missing, count);
        }
    }

    private void AddFragment(RelayedStream stream, in Msg msg)
    {
        var reassembly = stream.Reassembly;
        switch (reassembly.Add(msg.Sequence, msg.FragmentOffset, msg.Data))
        {
            case ReassemblyResult.Complete:
                var length = reassembly.CopyTo(_messageBuffer);
                var end = reassembly.EndSequence;
                reassembly.Reset();
                Deliver(stream, msg.Sender, _messageBuffer.AsSpan(0, length), end);
                break;
            case ReassemblyResult.Accepted:
                if (reassembly.TryGetFirstMissing(out var missing, out var count) && SerialNumber.IsNewer(msg.Sequence, missing))
                {
                    stream.Want(missing, count);
                }

                break;
            case ReassemblyResult.Early when reassembly.TryGetFirstMissing(out var hole, out _):
                stream.NeedUpTo = msg.Sequence;
                stream.Want(hole, SerialNumber.Distance(hole, msg.Sequence) + 1L);
                break;
            case ReassemblyResult.Inconsistent or ReassemblyResult.TooLong:
                Abandon(stream);
                break;
        }
    }

    private void Deliver(RelayedStream stream, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, uint end)
    {
        // Datagrams after this message were seen and dropped while it was incomplete: ask for them now.
        uint? seenUpTo = stream.Asking && !SerialNumber.IsOlder(stream.NeedUpTo, end) ? stream.NeedUpTo : null;
        stream.Expected = end;
        stream.StopAsking();
        _events.OnMessage(sender, message);
        if (seenUpTo is { } upTo)
        {
            stream.Want(end, SerialNumber.Distance(end, upTo) + 1L);
        }
    }

    private void Abandon(RelayedStream stream)
    {
        AbandonedMessages++;
        stream.Forget();
    }
}
