using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;

namespace VcspGen.Runtime;

/// <summary>The group's drops: counted by reason, on <c>vcsp.server.drops</c>, and logged at Debug with the group's name.</summary>
/// <param name="logger">Where drops are logged.</param>
/// <param name="metrics">The group's instruments.</param>
/// <param name="groupTag">The group's metric tag (its value is the group's name).</param>
internal sealed partial class GroupDrops(ILogger logger, VcspMetrics metrics, KeyValuePair<string, object?> groupTag)
{
    private static readonly string[] ReasonNames = Enum.GetNames<DropReason>();

    private readonly long[] _drops = new long[ReasonNames.Length];

    /// <summary>How many datagrams were dropped for <paramref name="reason"/>.</summary>
    /// <param name="reason">A drop reason.</param>
    /// <returns>The count.</returns>
    public long Count(DropReason reason) => _drops[(int)reason];

    /// <summary>Counts and logs a dropped datagram.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="source">Where it came from.</param>
    public void Drop(DropReason reason, in VcspAddress source)
    {
        _drops[(int)reason]++;
        metrics.Drops.Add(1, groupTag, new KeyValuePair<string, object?>("reason", ReasonNames[(int)reason]));
        LogDrop(logger, (string?)groupTag.Value, source, reason);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Group {Group}: dropped a datagram from {Source}: {Reason}")]
    private static partial void LogDrop(ILogger logger, string? group, VcspAddress source, DropReason reason);
}
