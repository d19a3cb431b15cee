using System;
using System.Buffers;
using System.Collections.Generic;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's relay (memo §5.2; PROTOCOL.md §7.3, §7.5, §7.6): each member's accepted messages wait until it is quiet
/// (<see cref="GroupOptions.RelayQuiet"/>, at most <see cref="GroupOptions.RelayCap"/>), then go out as Msg, one per
/// Syn, to every other member; the relayed datagrams stay in the <see cref="RelayCache"/> to answer ResendRequests, and
/// the last of each sender's burst is repeated (<see cref="GroupOptions.TailRepeats"/>). Allocates nothing per datagram.
/// </summary>
/// <param name="options">The group's settings.</param>
/// <param name="time">The clock.</param>
/// <param name="roster">The members.</param>
/// <param name="sender">The group's sender.</param>
internal sealed class GroupRelay(GroupOptions options, TimeProvider time, Roster roster, PacketSender sender)
{
    private readonly RelayCache _cache = new(Math.Max(1, options.RelayCacheSize));
    private readonly List<Tail> _tails = [];

    /// <summary>Relays a whole message straight from its Syn, with no copy in between (no quiet window, nothing waiting).</summary>
    /// <param name="member">The sender.</param>
    /// <param name="sequence">The Syn's sequence number.</param>
    /// <param name="data">Its data.</param>
    public void RelayNow(Member member, uint sequence, ReadOnlySpan<byte> data)
    {
        var now = time.GetTimestamp();
        RememberTail(member, RelayDatagram(member, sequence, VcspWire.WholeMessage, data, now), sequence, now);
    }

    /// <summary>Keeps an accepted message for relay (a full queue is relayed at once: an accepted message is never dropped).</summary>
    /// <param name="member">The sender.</param>
    /// <param name="message">The message, framed: each fragment's data after its length byte.</param>
    /// <param name="firstSequence">Its first sequence number.</param>
    /// <param name="fragments">How many fragments it has.</param>
    public void Enqueue(Member member, ReadOnlySpan<byte> message, uint firstSequence, int fragments)
    {
        if (member.Pending.Count == member.Pending.Capacity)
        {
            RelayPending(member);
        }

        member.Pending.Enqueue(message, firstSequence, fragments, time.GetTimestamp());

        // No quiet window configured: nothing to wait for, so relay from the receive path at once.
        if (options.RelayQuiet <= TimeSpan.Zero)
        {
            RelayPending(member);
        }
    }

    /// <summary>Relays everything <paramref name="sender"/> has waiting.</summary>
    /// <param name="sender">The member.</param>
    public void RelayPending(Member sender)
    {
        var now = time.GetTimestamp();
        var lastSlot = -1;
        var lastSequence = 0u;
        while (sender.Pending.TryDequeue(out var message))
        {
            var framed = message.Buffer.AsSpan(0, message.Length);
            for (var k = 1; k <= message.Fragments; k++)
            {
                var data = framed.Slice(1, framed[0]);
                framed = framed[(1 + data.Length)..];
                lastSequence = unchecked(message.FirstSequence + (uint)(k - 1));
                lastSlot = RelayDatagram(sender, lastSequence, Fragmentation.OffsetOf(k, message.Fragments), data, now);
            }

            ArrayPool<byte>.Shared.Return(message.Buffer);
        }

        RememberTail(sender, lastSlot, lastSequence, now); // -1: nothing was relayed
    }

    /// <summary>Relays <paramref name="member"/>'s waiting messages if it has been quiet long enough, or they waited long enough.</summary>
    /// <param name="member">The member.</param>
    /// <param name="now">The time.</param>
    /// <returns>Whether the member is quiet.</returns>
    public bool Poll(Member member, long now)
    {
        var quiet = time.GetElapsedTime(member.Inbound.LastHeard, now) >= options.RelayQuiet;
        if (member.Pending.Count > 0 && (quiet || time.GetElapsedTime(member.Pending.Oldest, now) >= options.RelayCap))
        {
            RelayPending(member);
        }

        return quiet;
    }

    /// <summary>When <paramref name="member"/>'s waiting messages are due, or null.</summary>
    /// <param name="member">The member.</param>
    /// <param name="now">The time.</param>
    /// <returns>The delay (negative when overdue).</returns>
    public TimeSpan? Delay(Member member, long now)
    {
        if (member.Pending.Count == 0)
        {
            return null;
        }

        var untilQuiet = options.RelayQuiet - time.GetElapsedTime(member.Inbound.LastHeard, now);
        var untilCap = options.RelayCap - time.GetElapsedTime(member.Pending.Oldest, now);
        return untilQuiet < untilCap ? untilQuiet : untilCap;
    }

    /// <summary>When the next tail repeat is due, or null.</summary>
    /// <param name="now">The time.</param>
    /// <returns>The delay (negative when overdue).</returns>
    public TimeSpan? TailDelay(long now)
    {
        TimeSpan? next = null;
        foreach (var tail in _tails)
        {
            var due = options.TailRepeats[tail.NextRepeat] - time.GetElapsedTime(tail.RelayedAt, now);
            next = next is null || due < next ? due : next;
        }

        return next;
    }

    /// <summary>Answers a ResendRequest from the relay cache: a range at most once per quiet period (PROTOCOL.md §7.5, §13.3).</summary>
    /// <param name="member">The member that asked.</param>
    /// <param name="request">Its request.</param>
    public void OnResendRequest(Member member, in ResendRequest request)
    {
        var now = time.GetTimestamp();
        if (member.LastResendAnswer is { } last && time.GetElapsedTime(last.At, now) < options.RelayQuiet
            && last.First == request.Sequence && last.Count == request.Count)
        {
            return;
        }

        // From the Msg datagrams relayed to this member within the cache time.
        member.LastResendAnswer = new ResendAnswer(now, request.Sequence, request.Count);
        var oldest = now - (long)(options.RelayCacheTime.TotalSeconds * time.TimestampFrequency);
        var since = Math.Max(member.JoinedAt, oldest);
        _cache.ForEachInRange(request.Sequence, request.Count, member, since, (sender, member.Address), static (state, datagram) =>
            state.sender.Forward(datagram.Span, state.Address));
    }

    /// <summary>
    /// Repeats the last datagram of each sender's latest burst, so a receiver that lost it learns that it is missing
    /// something (a later datagram would have told it, but there is none yet: PROTOCOL.md §7.6).
    /// </summary>
    /// <param name="now">The time.</param>
    public void RepeatTails(long now)
    {
        for (var i = _tails.Count - 1; i >= 0; i--)
        {
            var tail = _tails[i];
            if (time.GetElapsedTime(tail.RelayedAt, now) < options.TailRepeats[tail.NextRepeat])
            {
                continue;
            }

            if (_cache.Holds(tail.Slot, tail.Sequence, tail.Sender))
            {
                foreach (var member in roster.InOrder)
                {
                    if (!ReferenceEquals(member, tail.Sender) && member.JoinedAt <= tail.RelayedAt)
                    {
                        sender.Forward(_cache.Datagram(tail.Slot), member.Address);
                    }
                }
            }

            if (tail.NextRepeat + 1 < options.TailRepeats.Count && _cache.Holds(tail.Slot, tail.Sequence, tail.Sender))
            {
                _tails[i] = tail with { NextRepeat = tail.NextRepeat + 1 };
            }
            else
            {
                _tails.RemoveAt(i);
            }
        }
    }

    /// <summary>Relays one Syn datagram as one Msg to every other member, and keeps it in the relay cache.</summary>
    private int RelayDatagram(Member from, uint sequence, byte fragmentOffset, ReadOnlySpan<byte> data, long now)
    {
        var msg = new Msg { Challenge = VcspChallenge.None, Sequence = sequence, FragmentOffset = fragmentOffset, Sender = from.Name, Data = data };
        if (!sender.TryEncode(msg, out var datagram))
        {
            return -1; // cannot happen: the Syn decoded with the same limits, and the relay is 1:1 (PROTOCOL.md §7.3)
        }

        var slot = _cache.Add(datagram, sequence, from, now);
        foreach (var member in roster.InOrder)
        {
            if (!ReferenceEquals(member, from))
            {
                sender.Forward(datagram, member.Address);
            }
        }

        return slot;
    }

    private void RememberTail(Member from, int slot, uint sequence, long now)
    {
        if (slot < 0 || options.TailRepeats.Count == 0)
        {
            return;
        }

        for (var i = 0; i < _tails.Count; i++)
        {
            if (ReferenceEquals(_tails[i].Sender, from))
            {
                _tails[i] = new Tail(from, slot, sequence, now, 0);
                return;
            }
        }

        _tails.Add(new Tail(from, slot, sequence, now, 0));
    }

    /// <summary>A sender's last relayed datagram, waiting to be repeated (<see cref="GroupOptions.TailRepeats"/>).</summary>
    private readonly record struct Tail(Member Sender, int Slot, uint Sequence, long RelayedAt, int NextRepeat);
}
