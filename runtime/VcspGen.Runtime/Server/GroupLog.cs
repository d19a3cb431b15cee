using Microsoft.Extensions.Logging;

namespace VcspGen.Runtime;

/// <summary>
/// A group's log lines of its members and its call (Information), and what an operator must act on (Warning). Each
/// names the group, and the member by name and address. Drops are logged by <see cref="GroupDrops"/> (Debug).
/// </summary>
internal static partial class GroupLog
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Group {Group}: {Member} ({Address}) joined; {Members} members")]
    public static partial void Joined(ILogger logger, string group, string member, VcspAddress address, int members);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Group {Group}: {Member} ({Address}) left: {Reason}; {Members} members")]
    public static partial void Left(ILogger logger, string group, string member, VcspAddress address, MemberLeaveReason reason, int members);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Group {Group}: {Member} ({Address}) kicked by {By}: {Reason}")]
    public static partial void Kicked(ILogger logger, string group, string member, VcspAddress address, string by, string reason);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Group {Group} is full ({MaxMembers} members): a join from {Source} was refused (raise the member cap if this is expected)")]
    public static partial void Full(ILogger logger, string group, int maxMembers, VcspAddress source);

    [LoggerMessage(EventId = 24, Level = LogLevel.Information, Message = "Group {Group}: the call started")]
    public static partial void CallStarted(ILogger logger, string group);

    [LoggerMessage(EventId = 25, Level = LogLevel.Information, Message = "Group {Group}: {Member} ({Address}) is in the call as call member {MemberId} (codec {Codec}); {CallMembers} in the call")]
    public static partial void CallJoined(ILogger logger, string group, string member, VcspAddress address, ushort memberId, byte codec, int callMembers);

    [LoggerMessage(EventId = 26, Level = LogLevel.Information, Message = "Group {Group}: {Member} ({Address}) left the call; {CallMembers} in the call")]
    public static partial void CallLeft(ILogger logger, string group, string member, VcspAddress address, int callMembers);

    [LoggerMessage(EventId = 27, Level = LogLevel.Information, Message = "Group {Group}: the call ended")]
    public static partial void CallEnded(ILogger logger, string group);

    [LoggerMessage(EventId = 28, Level = LogLevel.Information, Message = "Group {Group}: shutting down with {Members} members; {CallMembers} in the call are sent a BYE")]
    public static partial void ShuttingDown(ILogger logger, string group, int members, int callMembers);
}
