using System;
using System.Buffers.Binary;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The relay's recovery (PROTOCOL.md §7.5, §7.6): a member's ResendRequest and lost tail are answered from the relay
/// log, and what the log no longer holds is reported as skipped.
/// </summary>
/// <param name="options">The group's settings.</param>
/// <param name="time">The clock.</param>
/// <param name="sender">The group's sender.</param>
/// <param name="log">The relay log.</param>
internal sealed class RelayRecovery(GroupOptions options, TimeProvider time, PacketSender sender, RelayLog log)
{
    /// <summary>How many datagrams the tail of a member's stream is sent again at most, per Ack (PROTOCOL.md §7.6).</summary>
    private const int TailBurst = 32;

    /// <summary>How long after its newest Msg a member's Ack that lacks some shows a lost tail (PROTOCOL.md §7.6).</summary>
    private static readonly TimeSpan TailAge = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An Ack from <paramref name="member"/> shows that it lacks datagrams at the tail of its stream: if the newest went out
    /// long enough ago to have arrived, they are sent again (PROTOCOL.md §7.6).
    /// </summary>
    /// <param name="member">The member.</param>
    /// <param name="relayNext">Its Ack's RelayNext.</param>
    /// <param name="now">The time.</param>
    public void OnTailCheck(Member member, uint relayNext, long now)
    {
        var stream = member.Outbound;
        if (SerialNumber.IsOlder(relayNext, stream.Next) && !SerialNumber.IsOlder(relayNext, stream.Acknowledged)
            && time.GetElapsedTime(stream.LastSentAt, now) >= TailAge)
        {
            Resend(member, relayNext, TailBurst);
        }
        else if (SerialNumber.IsOlder(relayNext, stream.Acknowledged) && SerialNumber.Distance(relayNext, stream.Acknowledged) <= (uint)log.Capacity)
        {
            // It was skipped past these: it hears so, and goes on from there.
            sender.SendError(member, ErrorCode.Skipped, relayNext, stream.Acknowledged);
        }
    }

    /// <summary>Answers a ResendRequest from the relay log: a range at most once per quiet period (PROTOCOL.md §7.5, §13.3).</summary>
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

        member.LastResendAnswer = new ResendAnswer(now, request.Sequence, request.Count);
        Resend(member, request.Sequence, request.Count);
    }

    /// <summary>Sends <paramref name="member"/> again the datagrams of its stream from <paramref name="first"/>; those no longer held are reported as skipped.</summary>
    private void Resend(Member member, uint first, int count)
    {
        var stream = member.Outbound;
        uint? skippedFrom = null;
        for (var i = 0; i < count; i++)
        {
            var number = unchecked(first + (uint)i);
            if (!SerialNumber.IsOlder(number, stream.Next))
            {
                break; // never sent
            }

            if (stream.TryPositionOf(number, out var position) && log.Holds(position))
            {
                if (skippedFrom is { } from)
                {
                    sender.SendError(member, ErrorCode.Skipped, from, number);
                    skippedFrom = null;
                }

                log.Send(position, number, sender, member.Address);
            }
            else
            {
                skippedFrom ??= number;
            }
        }

        if (skippedFrom is { } start)
        {
            sender.SendError(member, ErrorCode.Skipped, start, FirstHeld(stream, start));
        }
    }

    /// <summary>The first relay number from <paramref name="number"/> on that the log still holds, or the stream's next.</summary>
    private uint FirstHeld(OutboundStream stream, uint number)
    {
        for (var i = 0; i <= log.Capacity && SerialNumber.IsOlder(number, stream.Next); i++, number = unchecked(number + 1))
        {
            if (stream.TryPositionOf(number, out var position) && log.Holds(position))
            {
                return number;
            }
        }

        return number;
    }
}
