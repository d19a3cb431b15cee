using System;
using System.Collections.Generic;

namespace VcspGen.Runtime;

/// <summary>
/// A server process's settings for <see cref="VcspServiceCollectionExtensions.AddVcspServer"/>: where it listens, its
/// SIP port and its groups. Plain properties and a <see cref="Groups"/> list, so the options can be bound from
/// configuration (a JSON file, environment variables, the command line) as well as set in code:
/// <code>
/// { "Vcsp": { "Bind": "0.0.0.0", "SipPort": 5060, "Groups": [ { "Name": "lobby", "Port": 50429, "Owner": "admin" } ] } }
/// </code>
/// bound with <c>services.AddOptions&lt;VcspServerOptions&gt;().Bind(configuration.GetSection("Vcsp"))</c>.
/// </summary>
public sealed class VcspServerOptions
{
    /// <summary>The address every socket binds to: an IPv4 or IPv6 address; 0.0.0.0 (the default) or :: for all interfaces.</summary>
    public string Bind { get; set; } = "0.0.0.0";

    /// <summary>The SIP port (UDP and TCP) every group's call shares; 0 picks a free one; null for groups without calls. Default 5060.</summary>
    public int? SipPort { get; set; } = 5060;

    /// <summary>How many event loop threads serve the groups; 0 (the default) for one per core.</summary>
    public int EventLoops { get; set; }

    /// <summary>How long the BYEs sent at shutdown are given to be answered before the sockets close. Default 300 ms.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// The cluster the groups join as a node (PROTOCOL.md §15), as a URL: <c>nats://HOST:PORT</c> for a NATS server with
    /// JetStream (register the VcspGen.Runtime.Nats package's <c>AddVcspNatsCluster</c>); null (the default) for groups of
    /// this server alone.
    /// </summary>
    public string? Cluster { get; set; }

    /// <summary>This server's name in the cluster, unique among its nodes (<see cref="VcspCluster.IsValidNodeName"/>); required with <see cref="Cluster"/>.</summary>
    public string? Node { get; set; }

    /// <summary>The groups, each on a UDP port of its own; none configured means one group, <c>lobby</c> on 50429.</summary>
    public List<VcspGroupSettings> Groups { get; } = [];
}
