using System.Diagnostics.Metrics;

namespace VcspGen.Runtime;

/// <summary>
/// The runtime's instruments, on the meter <c>VcspGen.Runtime</c> (collect them with dotnet-counters,
/// OpenTelemetry or a <see cref="MeterListener"/>). Every measurement of a group carries a <c>group</c> tag; drops also a
/// <c>reason</c> tag (a <see cref="DropReason"/> name). Recording allocates nothing.
/// </summary>
public static class VcspMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "VcspGen.Runtime";

    /// <summary>The meter.</summary>
    public static readonly Meter Meter = new(MeterName);

    /// <summary>Datagrams a server received.</summary>
    public static readonly Counter<long> DatagramsIn = Meter.CreateCounter<long>("vcsp.server.datagrams.received", "{datagram}", "Datagrams received by a group.");

    /// <summary>Datagrams a server sent.</summary>
    public static readonly Counter<long> DatagramsOut = Meter.CreateCounter<long>("vcsp.server.datagrams.sent", "{datagram}", "Datagrams sent by a group.");

    /// <summary>Datagrams a server dropped, by reason.</summary>
    public static readonly Counter<long> Drops = Meter.CreateCounter<long>("vcsp.server.drops", "{datagram}", "Datagrams dropped by a group, by reason.");

    /// <summary>Datagrams a host's socket refused to send (a destination that cannot be reached, such as port 0).</summary>
    public static readonly Counter<long> SendFailures = Meter.CreateCounter<long>("vcsp.host.send.failures", "{datagram}", "Datagrams a UDP host could not send.");

    /// <summary>Members of a group.</summary>
    public static readonly UpDownCounter<long> Members = Meter.CreateUpDownCounter<long>("vcsp.server.members", "{member}", "Members of a group.");

    /// <summary>Fragmented messages a group abandoned because they were not completed in time.</summary>
    public static readonly Counter<long> ReassembliesAbandoned = Meter.CreateCounter<long>("vcsp.server.reassemblies.abandoned", "{message}", "Fragmented messages abandoned unfinished.");

    /// <summary>Messages being reassembled by a group.</summary>
    public static readonly UpDownCounter<long> ReassembliesPending = Meter.CreateUpDownCounter<long>("vcsp.server.reassemblies.pending", "{message}", "Fragmented messages a group is reassembling.");
}
