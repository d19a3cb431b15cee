using System;
using System.Buffers;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A member's group messages as they arrive (memo §5.2, §5.3; PROTOCOL.md §7.4, §8.4, §8.14): the sequence checks of
/// each Syn, the reassembly of fragmented messages, ResendRequests for missing fragments, Errors for messages out of
/// order, and Ping, which asks whether everything before it arrived. Complete messages go to the <see cref="GroupRelay"/>.
/// </summary>
/// <param name="options">The group's settings.</param>
/// <param name="time">The clock.</param>
/// <param name="sender">The group's sender.</param>
/// <param name="drops">Where drops are counted.</param>
/// <param name="relay">Where complete messages go.</param>
/// <param name="activity">What the group reports: its counters and the relayed-message event.</param>
/// <param name="windows">The members' windows, offered as their messages are accepted.</param>
internal sealed class SynReceiver(GroupOptions options, TimeProvider time, PacketSender sender, GroupDrops drops, GroupRelay relay, WindowGrants windows, GroupActivity activity)
{
    private readonly RetryPolicy _askPolicy = RetryPolicy.Request(TimeSpan.FromMilliseconds(250), 5);

    /// <summary>How many fragmented messages were abandoned unfinished (PROTOCOL.md §7.4).</summary>
    public long AbandonedMessages { get; private set; }

    /// <summary>How many reassemblies are open (a level, read by the group's gauge).</summary>
    public int PendingReassemblies { get; private set; }

    /// <summary>
    /// Handles a Syn from <paramref name="member"/>, then the datagrams it kept ahead of a hole that can now be placed:
    /// a datagram that cannot be placed yet is kept and only the hole asked for (PROTOCOL.md §7.5, upstream).
    /// </summary>
    /// <param name="member">The sender.</param>
    /// <param name="syn">The Syn.</param>
    public void OnSyn(Member member, in Syn syn)
    {
        if (!Accept(member, syn))
        {
            return;
        }

        Span<byte> scratch = stackalloc byte[VcspWire.TextDatagramLimit];
        var buffer = member.Inbound.Ahead;
        while (buffer.Count > 0 && buffer.TryTake(NextNeeded(member), scratch, out var datagram)
            && Syn.TryDecode(datagram, out var next) == VcspDecodeStatus.Ok && Accept(member, next))
        {
        }

        if (buffer.Count > 0)
        {
            AskForHole(member);
        }
    }

    /// <summary>The next sequence the member's stream needs: the first hole of its open message, or Expected.</summary>
    private static uint NextNeeded(Member member)
    {
        var reassembly = member.Inbound.Reassembly;
        return !reassembly.IsOpen ? member.Inbound.Expected
            : reassembly.TryGetFirstMissing(out var missing, out _) ? missing
            : reassembly.NewestEnd;
    }

    /// <summary>Places one Syn; false when it was kept for later (or refused), so nothing after it can be placed yet.</summary>
    private bool Accept(Member member, in Syn syn)
    {
        var inbound = member.Inbound;
        inbound.LastHeard = time.GetTimestamp();
        if (syn.Data.Length > member.ChunkSize)
        {
            CloseReassembly(member);
            sender.SendError(member, ErrorCode.MessageTooLong, syn.Sequence);
            drops.Drop(DropReason.TooLong, member.Address);
            return false;
        }

        if (SerialNumber.IsOlder(syn.Sequence, inbound.Expected))
        {
            drops.Drop(DropReason.Duplicate, member.Address);
            return false;
        }

        if (inbound.Reassembly.IsOpen && SerialNumber.IsNewer(syn.Sequence, inbound.NewestSeen))
        {
            inbound.NewestSeen = syn.Sequence;
        }

        var reassembly = inbound.Reassembly;
        if (syn.FragmentOffset == VcspWire.WholeMessage)
        {
            if (reassembly.IsOpen || syn.Sequence != inbound.Expected)
            {
                return Hold(member, syn); // after a hole, or after an open message's missing end
            }

            if (options.RelayQuiet <= TimeSpan.Zero && relay.CanRelayNow(member))
            {
                // No quiet window and nothing waiting: relay straight from the datagram, with no copy in between.
                relay.RelayNow(member, syn.Sequence, syn.Data);
                activity.OnRelayed(member, syn.Data.Length, 1);
                inbound.Expected = unchecked(syn.Sequence + 1);
                windows.Offer(member);
                return true;
            }

            if (!relay.CanAccept(member))
            {
                OutOfOrder(member, syn.Sequence); // nowhere to keep it: not accepted, so it is sent again (PROTOCOL.md §7.6)
                return false;
            }

            Span<byte> framed = stackalloc byte[1 + VcspWire.TextPayloadLimit];
            framed[0] = (byte)syn.Data.Length;
            syn.Data.CopyTo(framed[1..]);
            inbound.Expected = unchecked(syn.Sequence + 1);
            relay.Enqueue(member, framed[..(1 + syn.Data.Length)], syn.Sequence, fragments: 1);
            activity.OnRelayed(member, syn.Data.Length, 1);
            windows.Offer(member);
            return true;
        }

        if (!reassembly.IsOpen)
        {
            // A final fragment with no open message cannot be placed: what came before it is missing (PROTOCOL.md §8.4
            // rule 4). Assuming its message starts at E would tie it to the wrong message when a whole one was lost.
            var start = unchecked(syn.Sequence - syn.FragmentOffset + 1u);
            if (syn.FragmentOffset == VcspWire.FinalFragment || start != inbound.Expected)
            {
                return Hold(member, syn);
            }

            reassembly.Open(start);
            inbound.NewestSeen = syn.Sequence;
            inbound.ReassemblyProgress = inbound.LastHeard;
            PendingReassemblies++;
        }
        else if (syn.FragmentOffset != VcspWire.FinalFragment && unchecked(syn.Sequence - syn.FragmentOffset + 1u) != reassembly.FirstSequence)
        {
            return Hold(member, syn); // a fragment of a later message while this one is open (rule 4)
        }

        return Place(member, syn);
    }

    /// <summary>
    /// Keeps a Syn that cannot be placed yet, within <see cref="UpstreamBuffer.Slots"/> of what is needed, and asks for
    /// the hole before it; one further ahead is refused with Error OutOfOrder (PROTOCOL.md §8.4 rule 4).
    /// </summary>
    private bool Hold(Member member, in Syn syn)
    {
        var needed = NextNeeded(member);
        if (!SerialNumber.IsNewer(syn.Sequence, needed) || SerialNumber.Distance(needed, syn.Sequence) >= UpstreamBuffer.Slots)
        {
            OutOfOrder(member, syn.Sequence);
            return false;
        }

        drops.Drop(DropReason.OutOfOrder, member.Address); // not dropped, but counted: it came out of order
        member.Inbound.Ahead.Keep(syn);
        AskForHole(member);
        return false;
    }

    /// <summary>Asks for the run between what is needed and the oldest datagram kept after it.</summary>
    private void AskForHole(Member member)
    {
        var needed = NextNeeded(member);
        if (member.Inbound.Ahead.OldestAfter(unchecked(needed - 1)) is { } kept && SerialNumber.IsNewer(kept, needed))
        {
            RequestResend(member, needed, (int)SerialNumber.Distance(needed, kept));
        }
    }

    /// <summary>Handles a Ping: a Pong, or first an Error OutOfOrder when something before it is missing (PROTOCOL.md §8.14).</summary>
    /// <param name="member">The sender.</param>
    /// <param name="ping">The Ping.</param>
    public void OnPing(Member member, in Ping ping)
    {
        // A Ping carries the member's next group sequence, so it also asks "do you have everything before this?"
        // Not yet: Error OutOfOrder says where to resend from, and the Pong waits for a later try.
        if (SerialNumber.IsNewer(ping.Sequence, member.Inbound.Expected))
        {
            SendOutOfOrder(member, ping.Sequence);
            return;
        }

        sender.Send(new Pong { Challenge = member.Challenge, Sequence = ping.Sequence, Timestamp = ping.Timestamp }, member.Address);
    }

    /// <summary>
    /// Abandons a reassembly that made no progress for too long, retransmits the ResendRequest for missing fragments on
    /// the request schedule, and asks for the missing end of a message of a member that fell quiet (PROTOCOL.md §7.5).
    /// </summary>
    /// <param name="member">The member.</param>
    /// <param name="now">The time.</param>
    /// <param name="quiet">Whether the member has been quiet for <see cref="GroupOptions.RelayQuiet"/>.</param>
    public void Poll(Member member, long now, bool quiet)
    {
        var inbound = member.Inbound;
        if (inbound.Reassembly.IsOpen && time.GetElapsedTime(inbound.ReassemblyProgress, now) >= options.ReassemblyTimeout)
        {
            Abandon(member);
            return;
        }

        if (inbound.Asking.IsRunning)
        {
            if (inbound.Asking.Poll(time) == RetryStep.Send)
            {
                SendResendRequest(member); // byte-identical: the same range (PROTOCOL.md §7.5)
            }

            return;
        }

        if (quiet && inbound.Ahead.Count > 0)
        {
            AskForHole(member); // datagrams wait behind a hole: ask again (the last request's tries ran out)
        }
        else if (quiet && inbound.Reassembly.IsOpen && inbound.Reassembly.TryGetFirstMissing(out var missing, out var count))
        {
            RequestResend(member, missing, count);
        }
    }

    /// <summary>When <see cref="Poll"/> has work for <paramref name="member"/>, or null.</summary>
    /// <param name="member">The member.</param>
    /// <param name="now">The time.</param>
    /// <returns>The delay (negative when overdue).</returns>
    public TimeSpan? Delay(Member member, long now)
    {
        var inbound = member.Inbound;
        if (!inbound.Reassembly.IsOpen)
        {
            return inbound.Ahead.Count == 0 ? null
                : inbound.Asking.IsRunning ? inbound.Asking.Delay(time)
                : options.RelayQuiet - time.GetElapsedTime(inbound.LastHeard, now);
        }

        var untilTimeout = options.ReassemblyTimeout - time.GetElapsedTime(inbound.ReassemblyProgress, now);
        var next = inbound.Asking.IsRunning ? inbound.Asking.Delay(time) ?? untilTimeout : options.RelayQuiet - time.GetElapsedTime(inbound.LastHeard, now);
        return untilTimeout < next ? untilTimeout : next;
    }

    /// <summary>Drops a reassembly in progress (the member sent a message too long, or is leaving).</summary>
    /// <param name="member">The member.</param>
    public void CloseReassembly(Member member)
    {
        member.Inbound.Asking.Stop();
        if (member.Inbound.Reassembly.IsOpen)
        {
            member.Inbound.Reassembly.Reset();
            PendingReassemblies--;
        }
    }

    private bool Place(Member member, in Syn syn)
    {
        var inbound = member.Inbound;
        var reassembly = inbound.Reassembly;
        if (syn.FragmentOffset == VcspWire.FinalFragment && !relay.CanAccept(member))
        {
            OutOfOrder(member, syn.Sequence); // a message that would complete has nowhere to wait: sent again later (PROTOCOL.md §7.6)
            return false;
        }

        switch (reassembly.Add(syn.Sequence, syn.FragmentOffset, syn.Data))
        {
            case ReassemblyResult.Complete:
                // Kept with its fragment boundaries: the relay sends each Syn's Data as it came (1:1, PROTOCOL.md §7.3).
                var message = ArrayPool<byte>.Shared.Rent(reassembly.Length + reassembly.FragmentCount);
                var length = reassembly.CopyFramedTo(message);
                var first = reassembly.FirstSequence;
                var fragments = reassembly.FragmentCount;
                var messageLength = reassembly.Length;
                inbound.Expected = reassembly.EndSequence;
                CloseReassembly(member);
                relay.Enqueue(member, message.AsSpan(0, length), first, fragments);
                ArrayPool<byte>.Shared.Return(message);
                activity.OnRelayed(member, messageLength, fragments);
                windows.Offer(member);
                break;
            case ReassemblyResult.Accepted:
                inbound.ReassemblyProgress = inbound.LastHeard;

                // A hole below this fragment: ask for it now rather than waiting for the sender to go quiet.
                if (reassembly.TryGetFirstMissing(out var missing, out var count) && SerialNumber.IsNewer(syn.Sequence, missing))
                {
                    RequestResend(member, missing, count);
                }
                else if (inbound.Asking.IsRunning && !(reassembly.TryGetFirstMissing(out missing, out _) && missing == inbound.AskedFirst))
                {
                    inbound.Asking.Stop(); // what was asked for came
                }

                break;
            case ReassemblyResult.Duplicate:
                drops.Drop(DropReason.Duplicate, member.Address);
                return false;
            case ReassemblyResult.Early:
                // Not placed until the fragments before it are there: kept, and the hole before it asked for.
                return Hold(member, syn);
            default:
                OutOfOrder(member, syn.Sequence, DropReason.Inconsistent);
                return false;
        }

        return true;
    }

    private void Abandon(Member member)
    {
        // Counted, and the sender told; the sequence moves on past everything seen of it, an early final fragment
        // included (PROTOCOL.md §7.4, §8.4 rule 5, §10.3).
        var inbound = member.Inbound;
        var first = inbound.Reassembly.FirstSequence;
        var pastSeen = unchecked(inbound.NewestSeen + 1);
        inbound.Expected = SerialNumber.IsNewer(pastSeen, inbound.Reassembly.NewestEnd) ? pastSeen : inbound.Reassembly.NewestEnd;
        inbound.Ahead.ForgetOlderThan(inbound.Expected);
        CloseReassembly(member);
        AbandonedMessages++;
        activity.Metrics.ReassembliesAbandoned.Add(1, activity.Tag);
        sender.SendError(member, ErrorCode.ReassemblyTimeout, first);
    }

    /// <summary>Asks <paramref name="member"/> for a run of missing fragments, unless that very run is being asked already.</summary>
    private void RequestResend(Member member, uint missing, int count)
    {
        var inbound = member.Inbound;
        count = Math.Clamp(count, 1, 255);
        if (inbound.Asking.IsRunning && inbound.AskedFirst == missing && inbound.AskedCount >= count)
        {
            return; // asked already: the schedule repeats it
        }

        inbound.AskedFirst = missing;
        inbound.AskedCount = count;
        inbound.Asking.Start(_askPolicy, time);
        SendResendRequest(member);
    }

    private void SendResendRequest(Member member) =>
        sender.Send(new ResendRequest { Challenge = member.Challenge, Sequence = member.Inbound.AskedFirst, Count = (byte)member.Inbound.AskedCount }, member.Address);

    private void OutOfOrder(Member member, uint sequence, DropReason reason = DropReason.OutOfOrder)
    {
        drops.Drop(reason, member.Address);
        SendOutOfOrder(member, sequence);
    }

    /// <summary>Tells <paramref name="member"/> where to send again from, at most once per quiet period (memo §5.3).</summary>
    /// <param name="member">The member.</param>
    /// <param name="sequence">The Sequence of the datagram that showed the gap.</param>
    public void SendOutOfOrder(Member member, uint sequence)
    {
        // Memo §5.3: the sender learns its message failed; at most one such Error per member per quiet period.
        var now = time.GetTimestamp();
        if (member.Inbound.LastError is not { } lastError || time.GetElapsedTime(lastError, now) >= options.RelayQuiet)
        {
            member.Inbound.LastError = now;
            sender.SendError(member, ErrorCode.OutOfOrder, sequence);
        }
    }
}
