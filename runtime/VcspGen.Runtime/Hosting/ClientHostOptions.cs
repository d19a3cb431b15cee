using System;
using System.Net;
using Microsoft.Extensions.Logging;

namespace VcspGen.Runtime;

/// <summary>The settings of a <see cref="VcspClientHost"/>.</summary>
public sealed class ClientHostOptions
{
    /// <summary>The group and the member name.</summary>
    public required ClientOptions Client { get; init; }

    /// <summary>The local address to bind; by default the server's own address when it is a loopback one, otherwise all interfaces of its family.</summary>
    public IPAddress? Bind { get; init; }

    /// <summary>The port of the client's SIP user agent (UDP and TCP; 0 picks a free one), or null for a client without calls.</summary>
    public int? SipPort { get; init; }

    /// <summary>Makes the call's options from where the client is bound; required with <see cref="SipPort"/>.</summary>
    public Func<ClientBinding, CallOptions>? Call { get; init; }

    /// <summary>Where the client's sockets and SIP endpoint log, or null for nowhere.</summary>
    public ILoggerFactory? Loggers { get; init; }

    /// <summary>
    /// The instruments the client records on (<c>vcsp.client.*</c>: datagrams, relay lost, undelivered, rejoins, round
    /// trips), tagged with its server's address; null for <see cref="VcspMetrics.Default"/>.
    /// </summary>
    public VcspMetrics? Metrics { get; init; }

    /// <summary>How many events may wait for the application's handlers; beyond it they are dropped and counted. Defaults to 4096.</summary>
    public int EventCapacity { get; init; } = 4096;

    /// <summary>
    /// Whether a lost membership (the server stopped answering, or restarted: <see cref="SessionEnd.IsLost"/>) is
    /// joined again by itself with the same name, telling the application with <see cref="IClientEvents.OnRejoining"/>
    /// (PROTOCOL.md §7.7; <see cref="ChatClient.Rejoin"/>). Defaults to true.
    /// </summary>
    public bool Rejoin { get; init; } = true;
}
