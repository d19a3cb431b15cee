using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace VcspGen.Runtime;

/// <summary>
/// The runtime's instruments, on the meter <c>VcspGen.Runtime</c> (collect them with dotnet-counters, OpenTelemetry, a
/// <see cref="MeterListener"/> or Microsoft.Extensions.Diagnostics.Testing's <c>MetricCollector</c>). Counters count
/// events (datagrams, drops, calls started); levels (members, reassemblies pending, relay log occupancy, calls and call
/// members) are observable gauges that read each group's current state when collected, so a listener that attaches
/// late reads what is there, not the changes it saw. Every server measurement carries a <c>group</c> tag (drops also a
/// <c>reason</c>, a <see cref="DropReason"/> name); client measurements carry a <c>server</c> tag (the group address).
/// Recording allocates nothing.
/// </summary>
/// <remarks>
/// One instance per meter: the hosts and groups given it register with it, and its gauges read them. Without an
/// <see cref="IMeterFactory"/> the instance makes its meter itself; <see cref="Default"/> is the one every host and
/// group without metrics of its own uses. Make one per factory (a factory hands the same meter to each), as
/// <see cref="VcspServiceCollectionExtensions.AddVcspServer"/> does with its singleton.
/// </remarks>
public sealed class VcspMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "VcspGen.Runtime";

    private readonly bool _ownsMeter;
    private readonly ConditionalWeakTable<GroupServer, object?> _groups = [];
    private readonly ConditionalWeakTable<UdpHost, ClientTag> _clients = [];

    /// <summary>Creates the instruments on a meter named <see cref="MeterName"/>.</summary>
    /// <param name="meterFactory">Makes (and owns) the meter, as in a DI container; null for a meter of this instance's own.</param>
    public VcspMetrics(IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);

        DatagramsIn = Meter.CreateCounter<long>("vcsp.server.datagrams.received", "{datagram}", "Datagrams received by a group.");
        DatagramsOut = Meter.CreateCounter<long>("vcsp.server.datagrams.sent", "{datagram}", "Datagrams sent by a group.");
        Drops = Meter.CreateCounter<long>("vcsp.server.drops", "{datagram}", "Datagrams dropped by a group, by reason.");
        SendFailures = Meter.CreateCounter<long>("vcsp.host.send.failures", "{datagram}", "Datagrams a UDP host could not send.");
        ReassembliesAbandoned = Meter.CreateCounter<long>("vcsp.server.reassemblies.abandoned", "{message}", "Fragmented messages abandoned unfinished.");
        MessagesRelayed = Meter.CreateCounter<long>("vcsp.server.messages.relayed", "{message}", "Group messages accepted for relay.");
        CallsStarted = Meter.CreateCounter<long>("vcsp.server.calls.started", "{call}", "Calls started: a group's first call member came in.");
        CallsEnded = Meter.CreateCounter<long>("vcsp.server.calls.ended", "{call}", "Calls ended: a group's last call member left.");
        MediaRelayed = Meter.CreateCounter<long>("vcsp.server.media.relayed", "{datagram}", "Media datagrams relayed (one per receiver).");
        SipRefused = Meter.CreateCounter<long>("vcsp.server.sip.refused", "{message}", "SIP messages a group refused (malformed, unmatched, from the wrong peer).");
        ClusterMessagesOut = Meter.CreateCounter<long>("vcsp.cluster.messages.sent", "{message}", "Group messages a node carried to the other nodes.");
        ClusterMessagesIn = Meter.CreateCounter<long>("vcsp.cluster.messages.received", "{message}", "Group messages of other nodes a node relayed to its members.");
        ClusterUndelivered = Meter.CreateCounter<long>("vcsp.cluster.messages.undelivered", "{message}", "Group messages the other nodes did not get (each reported to its sender).");
        ClusterLag = Meter.CreateHistogram<double>("vcsp.cluster.lag", "ms", "From a node publishing a batch of messages to another node taking them in.");
        ClusterMediaLag = Meter.CreateHistogram<double>("vcsp.cluster.media.lag", "ms", "From a node publishing a call's Media datagram to another node receiving it.");
        ClusterMediaDropped = Meter.CreateCounter<long>("vcsp.cluster.media.dropped", "{datagram}", "Media datagrams a node could not send to the other nodes (queue full, or NATS away).");

        Meter.CreateObservableGauge("vcsp.server.members", () => ReadGroups(static g => g.MemberCount), "{member}", "Members of a group.");
        Meter.CreateObservableGauge("vcsp.server.reassemblies.pending", () => ReadGroups(static g => g.PendingReassemblies), "{message}", "Fragmented messages a group is reassembling.");
        Meter.CreateObservableGauge("vcsp.server.relay_log.occupancy", () => ReadGroups(static g => Math.Max(0, g.RelayLogCount)), "{datagram}", "Relayed datagrams a group's relay log holds for members' acknowledgements.");
        Meter.CreateObservableGauge("vcsp.server.calls.active", () => ReadGroups(static g => g.CallMemberCount > 0 ? 1 : 0), "{call}", "Whether a group's call is on (1) or not (0).");
        Meter.CreateObservableGauge("vcsp.server.call.members", () => ReadGroups(static g => g.CallMemberCount), "{member}", "Members in a group's call.");

        Meter.CreateObservableCounter("vcsp.client.datagrams.received", () => ReadClients(static h => h.DatagramsIn), "{datagram}", "Datagrams a client received.");
        Meter.CreateObservableCounter("vcsp.client.datagrams.sent", () => ReadClients(static h => h.DatagramsOut), "{datagram}", "Datagrams a client sent.");
        ClientRelayLost = Meter.CreateCounter<long>("vcsp.client.relay.lost", "{datagram}", "Relayed datagrams a client will never receive (PROTOCOL.md §7.5).");
        ClientUndelivered = Meter.CreateCounter<long>("vcsp.client.undelivered", "{report}", "Reports that a client's message did not reach a member.");
        ClientRejoins = Meter.CreateCounter<long>("vcsp.client.rejoins", "{attempt}", "Times a client joined again after losing its membership.");
        ClientRoundTrip = Meter.CreateHistogram<double>("vcsp.client.round_trip", "ms", "Round trips a client measured with PING.");
    }

    /// <summary>The instance of every host and group made without metrics of its own (its meter is never disposed).</summary>
    public static VcspMetrics Default { get; } = new();

    /// <summary>The meter.</summary>
    public Meter Meter { get; }

    internal Counter<long> DatagramsIn { get; }

    internal Counter<long> ClusterMessagesOut { get; }

    internal Counter<long> ClusterMessagesIn { get; }

    internal Counter<long> ClusterUndelivered { get; }

    internal Histogram<double> ClusterLag { get; }

    internal Histogram<double> ClusterMediaLag { get; }

    internal Counter<long> ClusterMediaDropped { get; }

    internal Counter<long> DatagramsOut { get; }

    internal Counter<long> Drops { get; }

    internal Counter<long> SendFailures { get; }

    internal Counter<long> ReassembliesAbandoned { get; }

    internal Counter<long> MessagesRelayed { get; }

    internal Counter<long> CallsStarted { get; }

    internal Counter<long> CallsEnded { get; }

    internal Counter<long> MediaRelayed { get; }

    internal Counter<long> SipRefused { get; }

    internal Counter<long> ClientRelayLost { get; }

    internal Counter<long> ClientUndelivered { get; }

    internal Counter<long> ClientRejoins { get; }

    internal Histogram<double> ClientRoundTrip { get; }

    /// <summary>Disposes the meter if this instance made it (a factory's meter is the factory's to dispose).</summary>
    public void Dispose()
    {
        if (_ownsMeter && this != Default)
        {
            Meter.Dispose();
        }
    }

    /// <summary>Makes a group's levels observable (until <see cref="Remove(GroupServer)"/>, or the group is collected).</summary>
    internal void Add(GroupServer group) => _groups.AddOrUpdate(group, null);

    /// <summary>Stops observing a group.</summary>
    internal void Remove(GroupServer group) => _groups.Remove(group);

    /// <summary>Makes a client's socket counters observable, tagged with its server's address.</summary>
    internal void Add(UdpHost client, KeyValuePair<string, object?> serverTag) => _clients.AddOrUpdate(client, new ClientTag(serverTag));

    /// <summary>Stops observing a client.</summary>
    internal void Remove(UdpHost client) => _clients.Remove(client);

    private List<Measurement<int>> ReadGroups(Func<GroupServer, int> read)
    {
        // Read off the loop threads, without the group's lock: each level is a count the group's loop writes, so a read
        // is a recent value (the relay log's, two positions read apart, is kept from going below zero).
        var measurements = new List<Measurement<int>>();
        foreach (var (group, _) in _groups)
        {
            measurements.Add(new Measurement<int>(read(group), group.MetricTag));
        }

        return measurements;
    }

    private List<Measurement<long>> ReadClients(Func<UdpHost, long> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (client, tag) in _clients)
        {
            measurements.Add(new Measurement<long>(read(client), tag.Tag));
        }

        return measurements;
    }

    private sealed record ClientTag(KeyValuePair<string, object?> Tag);
}
