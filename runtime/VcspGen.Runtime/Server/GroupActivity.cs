using System;
using System.Collections.Generic;
using System.Text;
using Microsoft.Extensions.Logging;

namespace VcspGen.Runtime;

/// <summary>
/// What a group tells its host about its members: the <see cref="GroupServer"/> events (joined, left, kicked, message
/// relayed, raised on the loop thread), the logs of joins, leaves, kicks and calls (<see cref="GroupLog"/>), and the
/// counters of messages and calls. A snapshot (<see cref="MemberInfo"/>) is made only when someone listens.
/// </summary>
/// <param name="groupName">The group's name.</param>
/// <param name="time">The group's clock.</param>
/// <param name="logger">Where the group logs.</param>
/// <param name="metrics">The group's instruments.</param>
/// <param name="groupTag">The group's metric tag.</param>
internal sealed class GroupActivity(string groupName, TimeProvider time, ILogger logger, VcspMetrics metrics, KeyValuePair<string, object?> groupTag)
{
    private bool _fullWarned;

    /// <summary>Raised when a member's join is confirmed.</summary>
    public Action<MemberInfo>? Joined { get; set; }

    /// <summary>Raised when a member leaves, with why.</summary>
    public Action<MemberInfo, MemberLeaveReason>? Left { get; set; }

    /// <summary>Raised when a member is kicked, with who kicked it (null: the host, through <see cref="GroupServer.Kick"/>).</summary>
    public Action<MemberInfo, string?>? Kicked { get; set; }

    /// <summary>Raised when a member's message is accepted for relay.</summary>
    public RelayedMessageHandler? Relayed { get; set; }

    /// <summary>The group's instruments.</summary>
    public VcspMetrics Metrics => metrics;

    /// <summary>The group's metric tag.</summary>
    public KeyValuePair<string, object?> Tag => groupTag;

    /// <summary>A snapshot of <paramref name="member"/>, now.</summary>
    /// <param name="member">The member.</param>
    /// <returns>The snapshot.</returns>
    public MemberInfo Snapshot(Member member) => Snapshot(member, time.GetUtcNow(), time.GetTimestamp());

    /// <summary>A snapshot of <paramref name="member"/> at a given moment (one for a whole list).</summary>
    /// <param name="member">The member.</param>
    /// <param name="now">The wall-clock time of the moment.</param>
    /// <param name="at">Its timestamp.</param>
    /// <returns>The snapshot.</returns>
    public MemberInfo Snapshot(Member member, DateTimeOffset now, long at)
    {
        return new MemberInfo(
            Encoding.UTF8.GetString(member.Name),
            member.Address,
            now - time.GetElapsedTime(member.JoinedAt, at),
            now - time.GetElapsedTime(member.LastHeard, at),
            member.Call is { IsActive: true },
            member.IsAdministrator);
    }

    /// <summary>A member's join was confirmed.</summary>
    /// <param name="member">The member.</param>
    /// <param name="members">How many members the group has now.</param>
    public void OnJoined(Member member, int members)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            GroupLog.Joined(logger, groupName, Encoding.UTF8.GetString(member.Name), member.Address, members);
        }

        Joined?.Invoke(Snapshot(member));
    }

    /// <summary>A member left.</summary>
    /// <param name="member">The member, not yet taken out of the roster.</param>
    /// <param name="reason">Why.</param>
    /// <param name="members">How many members the group has after it.</param>
    public void OnLeft(Member member, MemberLeaveReason reason, int members)
    {
        _fullWarned = false;
        if (logger.IsEnabled(LogLevel.Information))
        {
            GroupLog.Left(logger, groupName, Encoding.UTF8.GetString(member.Name), member.Address, reason, members);
        }

        Left?.Invoke(Snapshot(member), reason);
    }

    /// <summary>A member is being kicked.</summary>
    /// <param name="member">The member.</param>
    /// <param name="by">The kicking member's name, or null for the host.</param>
    /// <param name="reason">The reason the member is told.</param>
    public void OnKicked(Member member, string? by, string reason)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            GroupLog.Kicked(logger, groupName, Encoding.UTF8.GetString(member.Name), member.Address, by ?? "the host", reason);
        }

        Kicked?.Invoke(Snapshot(member), by);
    }

    /// <summary>The group is shutting down.</summary>
    /// <param name="members">How many members it has.</param>
    /// <param name="callMembers">How many of them are in the call.</param>
    public void OnShuttingDown(int members, int callMembers) => GroupLog.ShuttingDown(logger, groupName, members, callMembers);

    /// <summary>A join was refused because the group is full: a warning, once until a member leaves.</summary>
    /// <param name="source">Who was refused.</param>
    /// <param name="maxMembers">The cap.</param>
    public void OnFull(in VcspAddress source, int maxMembers)
    {
        if (!_fullWarned)
        {
            _fullWarned = true;
            GroupLog.Full(logger, groupName, maxMembers, source);
        }
    }

    /// <summary>A member's message was accepted for relay; allocates nothing.</summary>
    /// <param name="member">The sender.</param>
    /// <param name="length">The message's length.</param>
    /// <param name="fragments">How many Syns carried it.</param>
    public void OnRelayed(Member member, int length, int fragments)
    {
        metrics.MessagesRelayed.Add(1, groupTag);
        if (Relayed is { } relayed)
        {
            var message = new RelayedMessage(member.Address, member.Name, length, fragments);
            relayed(in message);
        }
    }

    /// <summary>A member came into the call (its leg answered).</summary>
    /// <param name="member">The member.</param>
    /// <param name="memberId">Its call-member id.</param>
    /// <param name="codec">The call's codec for it.</param>
    /// <param name="callMembers">How many call members there are now.</param>
    public void OnCallJoined(Member member, ushort memberId, byte codec, int callMembers)
    {
        if (callMembers == 1)
        {
            metrics.CallsStarted.Add(1, groupTag);
            GroupLog.CallStarted(logger, groupName);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            GroupLog.CallJoined(logger, groupName, Encoding.UTF8.GetString(member.Name), member.Address, memberId, codec, callMembers);
        }
    }

    /// <summary>A member left the call.</summary>
    /// <param name="member">The member.</param>
    /// <param name="callMembers">How many call members are left.</param>
    public void OnCallLeft(Member member, int callMembers)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            GroupLog.CallLeft(logger, groupName, Encoding.UTF8.GetString(member.Name), member.Address, callMembers);
        }

        if (callMembers == 0)
        {
            metrics.CallsEnded.Add(1, groupTag);
            GroupLog.CallEnded(logger, groupName);
        }
    }
}
