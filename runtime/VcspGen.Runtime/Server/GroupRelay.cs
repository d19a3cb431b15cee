using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's relay (memo §5.2; PROTOCOL.md §7.3, §7.5, §7.6): each member's accepted messages wait until it is quiet
/// (<see cref="GroupOptions.RelayQuiet"/>, at most <see cref="GroupOptions.RelayCap"/>), then go out as Msg, one per
/// Syn, to every other confirmed member, each numbered in that member's relay stream. Every datagram stays in the
/// <see cref="RelayLog"/> until each member it went to acknowledged it; while the log is full nothing is relayed, and a
/// member that holds it back without acknowledging for <see cref="GroupOptions.LagLimit"/> is skipped, which is reported
/// to it and to the senders. Allocates nothing per datagram.
/// </summary>
/// <param name="options">The group's settings.</param>
/// <param name="time">The clock.</param>
/// <param name="roster">The members.</param>
/// <param name="sender">The group's sender.</param>
/// <param name="log">The relay log.</param>
/// <param name="windows">The senders' windows, offered again when the log or a queue drains.</param>
/// <param name="remote">The proxies of other nodes' senders, whose messages wait here like members' (PROTOCOL.md §15.2).</param>
/// <param name="cluster">In a cluster, where each message of a member here is carried too; otherwise null.</param>
internal sealed class GroupRelay(GroupOptions options, TimeProvider time, Roster roster, PacketSender sender, RelayLog log, WindowGrants windows, RemoteMembers remote, ClusterOut? cluster)
{
    private readonly RelayRecovery _recovery = new(options, time, sender, log);

    private bool _blocked;
    private long _blockedSince;

    /// <summary>How many datagrams were skipped for members that held the log back (one per member and datagram).</summary>
    public long SkippedDatagrams { get; private set; }

    /// <summary>Whether a whole message can go straight out, with no copy in between.</summary>
    /// <param name="member">Its sender.</param>
    /// <returns><see langword="true"/> when nothing of the sender waits and the log has room.</returns>
    public bool CanRelayNow(Member member) => member.Pending.Count == 0 && log.HasRoom(1);

    /// <summary>Whether a message of <paramref name="member"/> can be accepted: its queue has room, or can be emptied now.</summary>
    /// <param name="member">The sender.</param>
    /// <returns><see langword="false"/> when the queue is full and the log cannot take it.</returns>
    public bool CanAccept(Member member) => member.Pending.Count < member.Pending.Capacity || RelayPending(member);

    /// <summary>Relays a whole message straight from its Syn (the caller checked <see cref="CanRelayNow"/>).</summary>
    /// <param name="member">The sender.</param>
    /// <param name="sequence">The Syn's sequence number.</param>
    /// <param name="data">Its data.</param>
    public void RelayNow(Member member, uint sequence, ReadOnlySpan<byte> data)
    {
        cluster?.CarryWhole(member, sequence, data);
        RelayDatagram(member, sequence, VcspWire.WholeMessage, data, time.GetTimestamp());
    }

    /// <summary>Keeps a message of another node's member (its proxy) and relays it as far as the log has room: no quiet wait here, its node waited (the caller checked <see cref="CanAccept"/>).</summary>
    /// <param name="proxy">The sender's proxy.</param>
    /// <param name="message">The message, framed.</param>
    /// <param name="firstSequence">Its first sequence number.</param>
    /// <param name="fragments">How many fragments it has.</param>
    public void EnqueueNow(Member proxy, ReadOnlySpan<byte> message, uint firstSequence, int fragments)
    {
        proxy.Pending.Enqueue(message, firstSequence, fragments, time.GetTimestamp());
        RelayPending(proxy);
    }

    /// <summary>Keeps an accepted message for relay (the caller checked <see cref="CanAccept"/>).</summary>
    /// <param name="member">The sender.</param>
    /// <param name="message">The message, framed: each fragment's data after its length byte.</param>
    /// <param name="firstSequence">Its first sequence number.</param>
    /// <param name="fragments">How many fragments it has.</param>
    public void Enqueue(Member member, ReadOnlySpan<byte> message, uint firstSequence, int fragments)
    {
        member.Pending.Enqueue(message, firstSequence, fragments, time.GetTimestamp());

        // A queue holding half a window is relayed at once, so the sender's window keeps moving; so is everything when
        // no quiet window is configured.
        if (options.RelayQuiet <= TimeSpan.Zero || member.Pending.Count == member.Pending.Capacity || member.Pending.Datagrams >= options.MaxWindow / 2)
        {
            RelayPending(member);
        }
    }

    /// <summary>Relays what <paramref name="from"/> has waiting, as far as the log has room.</summary>
    /// <param name="from">The member.</param>
    /// <param name="force">Make room by skipping the members that hold the log back (a member that leaves: accepted messages are never lost).</param>
    /// <returns>Whether nothing is left waiting.</returns>
    public bool RelayPending(Member from, bool force = false)
    {
        var now = time.GetTimestamp();
        var relayed = false;
        while (from.Pending.Count > 0)
        {
            var fragments = from.Pending.OldestFragments;
            if (!log.HasRoom(fragments) && !ReleaseUnheld(fragments) && !(force && MakeRoom(fragments, now)))
            {
                if (!_blocked)
                {
                    _blocked = true;
                    _blockedSince = now;
                }

                break;
            }

            from.Pending.TryDequeue(out var message);
            var framed = message.Buffer.AsSpan(0, message.Length);
            cluster?.Carry(from, message.FirstSequence, message.Fragments, framed);
            for (var k = 1; k <= message.Fragments; k++)
            {
                var data = framed.Slice(1, framed[0]);
                framed = framed[(1 + data.Length)..];
                RelayDatagram(from, unchecked(message.FirstSequence + (uint)(k - 1)), Fragmentation.OffsetOf(k, message.Fragments), data, now);
            }

            ArrayPool<byte>.Shared.Return(message.Buffer);
            relayed = true;
        }

        if (relayed)
        {
            windows.Offer(from);
        }

        return from.Pending.Count == 0;
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

    /// <summary>When <paramref name="member"/>'s waiting messages are due, or null (also while the log is full: the release relays them).</summary>
    /// <param name="member">The member.</param>
    /// <param name="now">The time.</param>
    /// <returns>The delay (negative when overdue).</returns>
    public TimeSpan? Delay(Member member, long now)
    {
        if (member.Pending.Count == 0 || _blocked)
        {
            return null;
        }

        var untilQuiet = options.RelayQuiet - time.GetElapsedTime(member.Inbound.LastHeard, now);
        var untilCap = options.RelayCap - time.GetElapsedTime(member.Pending.Oldest, now);
        return untilQuiet < untilCap ? untilQuiet : untilCap;
    }

    /// <summary>While the log is full: skips the members that hold it back and have not acknowledged for the lag limit.</summary>
    /// <param name="now">The time.</param>
    public void PollLog(long now)
    {
        if (_blocked && time.GetElapsedTime(_blockedSince, now) >= options.LagLimit)
        {
            SkipLaggards(now, force: false);
            if (log.HasRoom(1))
            {
                RelayWaiting();
            }
        }
    }

    /// <summary>When <see cref="PollLog"/> has work, or null.</summary>
    /// <param name="now">The time.</param>
    /// <returns>The delay.</returns>
    public TimeSpan? LogDelay(long now)
    {
        if (!_blocked)
        {
            return null;
        }

        var due = options.LagLimit - time.GetElapsedTime(_blockedSince, now);
        foreach (var member in roster.InOrder)
        {
            var left = options.LagLimit - time.GetElapsedTime(member.Outbound.ProgressAt, now);
            due = left > due ? left : due;
        }

        return due;
    }

    /// <summary>A member acknowledged its relay stream up to <paramref name="relayNext"/>: releases what nobody holds back any more.</summary>
    /// <param name="member">The member.</param>
    /// <param name="relayNext">Its Ack's RelayNext.</param>
    /// <param name="now">The time.</param>
    public void OnAcknowledged(Member member, uint relayNext, long now)
    {
        var heldBack = member.Outbound.HoldPosition(log.Next) == log.Oldest;
        if (member.Outbound.Acknowledge(relayNext, now) && heldBack)
        {
            Release();
        }
    }

    /// <summary>An Ack shows that <paramref name="member"/> lacks datagrams at the tail of its stream (<see cref="RelayRecovery.OnTailCheck"/>).</summary>
    /// <param name="member">The member.</param>
    /// <param name="relayNext">Its Ack's RelayNext.</param>
    /// <param name="now">The time.</param>
    public void OnTailCheck(Member member, uint relayNext, long now) => _recovery.OnTailCheck(member, relayNext, now);

    /// <summary>Answers a ResendRequest from the relay log (<see cref="RelayRecovery.OnResendRequest"/>).</summary>
    /// <param name="member">The member that asked.</param>
    /// <param name="request">Its request.</param>
    public void OnResendRequest(Member member, in ResendRequest request) => _recovery.OnResendRequest(member, request);

    /// <summary>Relays one Syn datagram as one Msg to every other confirmed member, and keeps it in the log.</summary>
    private void RelayDatagram(Member from, uint sequence, byte fragmentOffset, ReadOnlySpan<byte> data, long now)
    {
        var msg = new Msg { Challenge = VcspChallenge.None, Sequence = 0, FragmentOffset = fragmentOffset, Sender = from.Name, Data = data };
        if (!sender.TryEncode(msg, out var datagram))
        {
            return; // cannot happen: the Syn decoded with the same limits, and the relay is 1:1 (PROTOCOL.md §7.3)
        }

        var position = log.Add(datagram, from, sequence);
        var sent = 0;
        foreach (var member in roster.InOrder)
        {
            if (!ReferenceEquals(member, from))
            {
                var stream = member.Outbound;
                log.Send(position, stream.Assign(position), sender, member.Address);
                stream.LastSentAt = now;
                sent++;
            }
        }

        // Nobody received it (the sender is alone here): no acknowledgement will release it, so it goes now.
        if (sent == 0)
        {
            ReleaseHeld();
        }
    }

    /// <summary>Releases every datagram no member holds back, and relays what waited for the room.</summary>
    public void Release()
    {
        if (ReleaseHeld())
        {
            RelayWaiting();
        }
    }

    /// <summary>
    /// Releases every datagram no member holds back, without relaying what waits: the relay's check for room, so that
    /// datagrams nobody received (a member alone, or on a node whose other members are elsewhere, PROTOCOL.md §15.2),
    /// which no acknowledgement would ever release, never fill the log.
    /// </summary>
    /// <param name="datagrams">How many datagrams need room.</param>
    /// <returns>Whether they fit now.</returns>
    private bool ReleaseUnheld(int datagrams)
    {
        ReleaseHeld();
        return log.HasRoom(datagrams);
    }

    /// <summary>Moves the log's oldest position to the oldest one a member holds back.</summary>
    /// <returns>Whether anything was released.</returns>
    private bool ReleaseHeld()
    {
        var oldest = log.Next;
        foreach (var member in roster.InOrder)
        {
            oldest = Math.Min(oldest, member.Outbound.HoldPosition(log.Next));
        }

        if (oldest <= log.Oldest)
        {
            return false;
        }

        log.ReleaseBefore(oldest);
        foreach (var member in roster.InOrder)
        {
            member.Outbound.Trim(log.Oldest);
        }

        return true;
    }

    /// <summary>After room was made: relays every member's waiting messages, and offers windows again.</summary>
    private void RelayWaiting()
    {
        if (!_blocked)
        {
            return;
        }

        _blocked = false;
        foreach (var member in roster.InOrder)
        {
            if (member.Pending.Count > 0)
            {
                RelayPending(member);
            }
            else
            {
                windows.Offer(member);
            }
        }

        foreach (var proxy in remote.Proxies)
        {
            if (proxy.Pending.Count > 0)
            {
                RelayPending(proxy);
            }
        }
    }

    private bool MakeRoom(int datagrams, long now)
    {
        while (!log.HasRoom(datagrams) && SkipLaggards(now, force: true))
        {
        }

        return log.HasRoom(datagrams);
    }

    /// <summary>
    /// Skips the members that hold the oldest datagram back (with <paramref name="force"/>, whatever their progress):
    /// each moves on by a quarter of the log; what it misses is reported to it and to the senders (PROTOCOL.md §7.6).
    /// </summary>
    private bool SkipLaggards(long now, bool force)
    {
        var skippedAny = false;
        var quarter = Math.Max(1, log.Capacity / 4);
        foreach (var member in roster.InOrder)
        {
            var stream = member.Outbound;
            if (stream.HoldPosition(log.Next) != log.Oldest || (!force && time.GetElapsedTime(stream.ProgressAt, now) < options.LagLimit))
            {
                continue;
            }

            var limit = log.Oldest + quarter;
            var undelivered = new Dictionary<Member, (uint First, uint End)>();
            var number = stream.Acknowledged;
            while (SerialNumber.IsOlder(number, stream.Next) && stream.TryPositionOf(number, out var position) && position < limit)
            {
                if (log.Holds(position))
                {
                    var from = log.SenderOf(position);
                    var sequence = log.SenderSequenceOf(position);
                    undelivered[from] = undelivered.TryGetValue(from, out var range) ? (range.First, unchecked(sequence + 1)) : (sequence, unchecked(sequence + 1));
                }

                number = unchecked(number + 1);
                SkippedDatagrams++;
            }

            stream.Acknowledge(number, now);
            skippedAny = true;
            foreach (var (from, range) in undelivered)
            {
                if (from.Remote is not null)
                {
                    cluster?.ReportUndelivered(from, range.First, range.End, member.Name); // to its node, which tells it (PROTOCOL.md §15.2)
                }
                else if (roster.TryGet(from.Address, out var current) && ReferenceEquals(current, from))
                {
                    sender.SendError(from, ErrorCode.Undelivered, range.First, range.End, member.Name);
                }
            }
        }

        if (skippedAny)
        {
            Release();
        }

        return skippedAny;
    }
}
