using System;
using System.Buffers;
using System.Collections.Generic;
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
/// <param name="groupTag">The group's metric tag.</param>
internal sealed class SynReceiver(GroupOptions options, TimeProvider time, PacketSender sender, GroupDrops drops, GroupRelay relay, KeyValuePair<string, object?> groupTag)
{
    /// <summary>How many fragmented messages were abandoned unfinished (PROTOCOL.md §7.4).</summary>
    public long AbandonedMessages { get; private set; }

    /// <summary>Handles a Syn from <paramref name="member"/>.</summary>
    /// <param name="member">The sender.</param>
    /// <param name="syn">The Syn.</param>
    public void OnSyn(Member member, in Syn syn)
    {
        var inbound = member.Inbound;
        inbound.LastHeard = time.GetTimestamp();
        if (syn.Data.Length > member.ChunkSize)
        {
            CloseReassembly(member);
            sender.SendError(member, ErrorCode.MessageTooLong, syn.Sequence);
            drops.Drop(DropReason.TooLong, member.Address);
            return;
        }

        if (SerialNumber.IsOlder(syn.Sequence, inbound.Expected))
        {
            drops.Drop(DropReason.Duplicate, member.Address);
            return;
        }

        var reassembly = inbound.Reassembly;
        if (syn.FragmentOffset == VcspWire.WholeMessage)
        {
            if (reassembly.IsOpen || syn.Sequence != inbound.Expected)
            {
                OutOfOrder(member, syn.Sequence);
                return;
            }

            if (options.RelayQuiet <= TimeSpan.Zero && member.Pending.Count == 0)
            {
                // No quiet window and nothing waiting: relay straight from the datagram, with no copy in between.
                relay.RelayNow(member, syn.Sequence, syn.Data);
                inbound.Expected = unchecked(syn.Sequence + 1);
                return;
            }

            Span<byte> framed = stackalloc byte[1 + VcspWire.TextPayloadLimit];
            framed[0] = (byte)syn.Data.Length;
            syn.Data.CopyTo(framed[1..]);
            relay.Enqueue(member, framed[..(1 + syn.Data.Length)], syn.Sequence, fragments: 1);
            inbound.Expected = unchecked(syn.Sequence + 1);
            return;
        }

        if (!reassembly.IsOpen)
        {
            // A final fragment with no open message cannot be placed: what came before it is missing (PROTOCOL.md §8.4
            // rule 4). Assuming its message starts at E would tie it to the wrong message when a whole one was lost.
            var start = unchecked(syn.Sequence - syn.FragmentOffset + 1u);
            if (syn.FragmentOffset == VcspWire.FinalFragment || start != inbound.Expected)
            {
                OutOfOrder(member, syn.Sequence);
                return;
            }

            reassembly.Open(start);
            inbound.ReassemblyProgress = inbound.LastHeard;
            VcspMetrics.ReassembliesPending.Add(1, groupTag);
        }
        else if (syn.FragmentOffset != VcspWire.FinalFragment && unchecked(syn.Sequence - syn.FragmentOffset + 1u) != reassembly.FirstSequence)
        {
            OutOfOrder(member, syn.Sequence); // a fragment of another message while this one is open (rule 4)
            return;
        }

        Place(member, syn);
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

    /// <summary>Abandons a reassembly that made no progress for too long, and asks for missing fragments of a quiet member.</summary>
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

        if (quiet && inbound.Reassembly.IsOpen && inbound.Reassembly.TryGetFirstMissing(out var missing, out var count)
            && (inbound.LastResend is not { } lastResend || time.GetElapsedTime(lastResend, now) >= options.RelayQuiet))
        {
            RequestResend(member, missing, count, now);
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
            return null;
        }

        var untilQuiet = options.RelayQuiet - time.GetElapsedTime(inbound.LastHeard, now);
        var untilTimeout = options.ReassemblyTimeout - time.GetElapsedTime(inbound.ReassemblyProgress, now);
        var untilResend = inbound.LastResend is { } lastResend ? options.RelayQuiet - time.GetElapsedTime(lastResend, now) : TimeSpan.Zero;
        var resend = untilResend > untilQuiet ? untilResend : untilQuiet;
        return untilTimeout < resend ? untilTimeout : resend;
    }

    /// <summary>Drops a reassembly in progress (the member sent a message too long, or is leaving).</summary>
    /// <param name="member">The member.</param>
    public void CloseReassembly(Member member)
    {
        if (member.Inbound.Reassembly.IsOpen)
        {
            member.Inbound.Reassembly.Reset();
            VcspMetrics.ReassembliesPending.Add(-1, groupTag);
        }
    }

    private void Place(Member member, in Syn syn)
    {
        var inbound = member.Inbound;
        var reassembly = inbound.Reassembly;
        switch (reassembly.Add(syn.Sequence, syn.FragmentOffset, syn.Data))
        {
            case ReassemblyResult.Complete:
                // Kept with its fragment boundaries: the relay sends each Syn's Data as it came (1:1, PROTOCOL.md §7.3).
                var message = ArrayPool<byte>.Shared.Rent(reassembly.Length + reassembly.FragmentCount);
                var length = reassembly.CopyFramedTo(message);
                relay.Enqueue(member, message.AsSpan(0, length), reassembly.FirstSequence, reassembly.FragmentCount);
                ArrayPool<byte>.Shared.Return(message);
                inbound.Expected = reassembly.EndSequence;
                CloseReassembly(member);
                break;
            case ReassemblyResult.Accepted:
                inbound.ReassemblyProgress = inbound.LastHeard;

                // A hole below this fragment: ask for it now rather than waiting for the sender to go quiet.
                if (reassembly.TryGetFirstMissing(out var missing, out var count) && SerialNumber.IsNewer(syn.Sequence, missing))
                {
                    RequestResend(member, missing, count, inbound.LastHeard);
                }

                break;
            case ReassemblyResult.Duplicate:
                drops.Drop(DropReason.Duplicate, member.Address);
                break;
            case ReassemblyResult.Early:
                // Not placed until the fragments before it are there: ask for them, and for it again.
                drops.Drop(DropReason.OutOfOrder, member.Address);
                if (reassembly.TryGetFirstMissing(out var hole, out _))
                {
                    var upTo = (int)SerialNumber.Distance(hole, syn.Sequence) + 1;
                    if (inbound.LastResend is not { } sent || time.GetElapsedTime(sent, inbound.LastHeard) >= options.RelayQuiet
                        || hole != inbound.LastResendAskedFirst || upTo > inbound.LastResendAskedCount)
                    {
                        RequestResend(member, hole, upTo, inbound.LastHeard);
                    }
                }

                break;
            default:
                OutOfOrder(member, syn.Sequence, DropReason.Inconsistent);
                break;
        }
    }

    private void Abandon(Member member)
    {
        // Counted, and the sender told; the sequence moves on past everything received (PROTOCOL.md §7.4, §8.4).
        var first = member.Inbound.Reassembly.FirstSequence;
        member.Inbound.Expected = member.Inbound.Reassembly.NewestEnd;
        CloseReassembly(member);
        AbandonedMessages++;
        VcspMetrics.ReassembliesAbandoned.Add(1, groupTag);
        sender.SendError(member, ErrorCode.ReassemblyTimeout, first);
    }

    private void RequestResend(Member member, uint missing, int count, long now)
    {
        member.Inbound.LastResend = now;
        member.Inbound.LastResendAskedFirst = missing;
        member.Inbound.LastResendAskedCount = count;
        sender.Send(new ResendRequest { Challenge = member.Challenge, Sequence = missing, Count = (byte)Math.Min(count, 255) }, member.Address);
    }

    private void OutOfOrder(Member member, uint sequence, DropReason reason = DropReason.OutOfOrder)
    {
        drops.Drop(reason, member.Address);
        SendOutOfOrder(member, sequence);
    }

    private void SendOutOfOrder(Member member, uint sequence)
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
