using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The server's side of each member's window (PROTOCOL.md §7.6): the Ack that tells a member how far its upstream got,
/// where its relay stream is, and how many Syn datagrams it may send. A member is granted at most
/// <see cref="GroupOptions.MaxWindow"/> less what it has waiting for relay, and nothing while the relay log is full; a
/// new Ack goes out when asked for, or when the window can grow by half of its largest size.
/// </summary>
/// <param name="options">The group's settings.</param>
/// <param name="sender">The group's sender.</param>
/// <param name="log">The relay log, whose room bounds every window.</param>
internal sealed class WindowGrants(GroupOptions options, PacketSender sender, RelayLog log)
{
    private readonly int _maxWindow = Math.Clamp(options.MaxWindow, 1, 255);

    /// <summary>The window <paramref name="member"/> may have now, from its Expected.</summary>
    /// <param name="member">The member.</param>
    /// <returns>0 to <see cref="GroupOptions.MaxWindow"/> datagrams.</returns>
    public int Grant(Member member) =>
        log.HasRoom(1) && member.Pending.Count < member.Pending.Capacity ? Math.Max(0, _maxWindow - member.Pending.Datagrams) : 0;

    /// <summary>Sends <paramref name="member"/> an Ack with its current window.</summary>
    /// <param name="member">The member.</param>
    public void SendAck(Member member)
    {
        var expected = member.Inbound.Expected;
        var window = Grant(member);
        member.GrantedEnd = unchecked(expected + (uint)window);
        sender.Send(new Ack { Challenge = member.Challenge, Sequence = expected, RelayNext = member.Outbound.Next, Window = (ushort)window }, member.Address);
    }

    /// <summary>Sends <paramref name="member"/> an Ack when its window can grow by at least half its largest size.</summary>
    /// <param name="member">The member.</param>
    public void Offer(Member member)
    {
        if (!member.Confirmed)
        {
            return;
        }

        var expected = member.Inbound.Expected;
        var left = SerialNumber.IsNewer(member.GrantedEnd, expected) ? (int)SerialNumber.Distance(expected, member.GrantedEnd) : 0;
        if (Grant(member) - left >= Math.Max(1, _maxWindow / 2))
        {
            SendAck(member);
        }
    }
}
