using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's side of its members' links (PROTOCOL.md §7.6, §7.7): the member timeout and the expiry of unconfirmed
/// joins, and the Acks members send (their confirmation, their acknowledgements, their keepalives).
/// </summary>
public sealed partial class GroupServer
{
    /// <summary>Removes members that sent nothing for the member timeout, and gives up unconfirmed joins (PROTOCOL.md §7.7).</summary>
    private void ExpireSilent(long now)
    {
        for (var i = _roster.InOrder.Count - 1; i >= 0; i--)
        {
            var member = _roster.InOrder[i];
            if (_time.GetElapsedTime(member.LastHeard, now) >= _options.MemberTimeout)
            {
                TimedOutMembers++;
                _drops.Drop(DropReason.TimedOut, member.Address);
                Remove(member, MemberLeaveReason.TimedOut);
            }
        }

        while (_roster.Unconfirmed.Count > 0 && _time.GetElapsedTime(_roster.Unconfirmed[0].JoinedAt, now) >= _options.UnconfirmedTimeout)
        {
            _roster.Remove(_roster.Unconfirmed[0]);
        }

        foreach (var rejoin in _roster.Rejoins.Values)
        {
            if (_time.GetElapsedTime(rejoin.JoinedAt, now) >= _options.UnconfirmedTimeout)
            {
                _roster.RemoveRejoin(rejoin);
                break; // one per poll: the dictionary changed (the next poll takes the next)
            }
        }
    }

    private void OnAck(in Ack ack, in VcspAddress source)
    {
        Member? known;
        if (_roster.Rejoins.TryGetValue(source, out var rejoin) && rejoin.Challenge == ack.Challenge)
        {
            known = rejoin; // a new join from a member's address, confirming: it replaces the member (PROTOCOL.md §8.1 step 2)
        }
        else if (!_roster.TryGet(source, out known) || known.Challenge != ack.Challenge)
        {
            // Not a member: it may be one of a server that restarted. Told so, in fewer bytes than it sent, at most
            // ten times a second in all (PROTOCOL.md §7.7, §13.3).
            _drops.Drop(DropReason.UnknownSender, source);
            if (_closed)
            {
                return; // shutting down: not told NotMember, which would send it to join again
            }

            var now = _time.GetTimestamp();
            var second = now / _time.TimestampFrequency;
            _notMemberCount = second == _notMemberSecond ? _notMemberCount + 1 : 1;
            _notMemberSecond = second;
            if (_notMemberCount <= 10)
            {
                _sender.Send(new Error { Challenge = ack.Challenge, Sequence = ack.Sequence, Code = ErrorCode.NotMember, Expected = 0 }, source);
            }

            return;
        }

        var wasConfirmed = known.Confirmed;
        if (!MemberOf(source, ack.Challenge, out var member))
        {
            return;
        }

        if (SerialNumber.IsNewer(ack.Sequence, member.Inbound.Expected))
        {
            _receiver.SendOutOfOrder(member, ack.Sequence); // it sent Syns the server lacks (PROTOCOL.md §7.6)
        }

        if (wasConfirmed)
        {
            var at = _time.GetTimestamp();
            _relay.OnAcknowledged(member, ack.RelayNext, at);
            _relay.OnTailCheck(member, ack.RelayNext, at);
        }

        if (!wasConfirmed || ack.Flags == AckFlags.ReplyRequested)
        {
            _windows.SendAck(member);
        }
        else
        {
            _windows.Offer(member);
        }
    }
}
