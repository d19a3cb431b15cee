using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace VcspGen.Runtime.Nats;

/// <summary>
/// A cluster of VCSP servers on one NATS server with JetStream (PROTOCOL.md §15): this process is the node
/// <see cref="VcspCluster.Node"/>, and each of its groups is that group's node. Per group, a JetStream stream carries
/// the messages every node relays, and a key-value bucket holds the names claimed, the members and the nodes' heartbeats.
/// Give it to a <see cref="VcspServerHost"/> before adding groups and start it, or register it with
/// <see cref="NatsClusterServiceCollectionExtensions.AddVcspNatsCluster"/>.
/// </summary>
public sealed partial class NatsCluster : VcspCluster
{
    private readonly NatsConnection _connection;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly VcspMetrics _metrics;
    private readonly List<NatsGroupLink> _links = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private NatsJSContext? _js;
    private NatsKVContext? _kv;
    private int _disposed;

    /// <summary>Creates the node; nothing connects before <see cref="StartAsync"/>.</summary>
    /// <param name="url">The NATS server, <c>nats://HOST:PORT</c> (JetStream enabled).</param>
    /// <param name="node">This node's name, unique in the cluster (<see cref="VcspCluster.IsValidNodeName"/>).</param>
    /// <param name="loggers">Where the node logs (connections, claims lost, what it could not carry), or null.</param>
    /// <param name="metrics">Where it measures (the <c>vcsp.cluster.*</c> instruments); null for <see cref="VcspMetrics.Default"/>.</param>
    /// <exception cref="ArgumentException">The URL is not <c>nats://HOST:PORT</c>, or the node name is invalid.</exception>
    public NatsCluster(string url, string node, ILoggerFactory? loggers = null, VcspMetrics? metrics = null)
        : base(node)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls") || uri.Port < 1)
        {
            throw new ArgumentException($"'{url}' is not a NATS URL: nats://HOST:PORT.", nameof(url));
        }

        Url = url;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<NatsCluster>();
        _metrics = metrics ?? VcspMetrics.Default;
        _connection = new NatsConnection(new NatsOpts
        {
            Url = url,
            Name = "vcsp-" + node,
            LoggerFactory = _loggers,

            // Reconnect for ever: a node outlives a restart of its NATS server (PROTOCOL.md §15.5).
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
            ReconnectWaitMax = TimeSpan.FromSeconds(1),
            CommandTimeout = TimeSpan.FromSeconds(5),
            RequestTimeout = TimeSpan.FromSeconds(5),
        });
    }

    /// <summary>The NATS server's URL.</summary>
    public string Url { get; }

    /// <summary>Whether the connection to the NATS server is open now.</summary>
    public bool IsConnected => _connection.ConnectionState == NatsConnectionState.Open;

    internal NatsConnection Connection => _connection;

    internal NatsJSContext JetStream => _js ?? throw new InvalidOperationException("The cluster is not started.");

    internal NatsKVContext KeyValue => _kv ?? throw new InvalidOperationException("The cluster is not started.");

    internal VcspMetrics Metrics => _metrics;

    internal CancellationToken Stopping => _stopping.Token;

    /// <inheritdoc/>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await _connection.ConnectAsync().AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
            _js = new NatsJSContext(_connection);
            _kv = new NatsKVContext(_js);
            await _js.GetAccountInfoAsync(timeout.Token).ConfigureAwait(false); // JetStream is on
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            throw new VcspClusterException($"The cluster's NATS server {Url} cannot be reached, or has no JetStream (nats-server -js): {e.Message}", e);
        }

        NatsGroupLink[] links;
        lock (_gate)
        {
            links = [.. _links];
        }

        foreach (var link in links)
        {
            await link.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        LogStarted(_logger, Node, Url, links.Length);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        NatsGroupLink[] links;
        lock (_gate)
        {
            links = [.. _links];
        }

        // What the groups still had to say (members leaving at shutdown) goes out first, for a short while.
        foreach (var link in links)
        {
            await link.StopAsync().ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    internal override ClusterLink Attach(IClusterGroup group, GroupOptions options)
    {
        var link = new NatsGroupLink(this, group, options, _loggers.CreateLogger<NatsGroupLink>());
        bool started;
        lock (_gate)
        {
            _links.Add(link);
            started = _js is not null;
        }

        if (started)
        {
            _ = link.StartAsync(_stopping.Token);
        }

        return link;
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Node {Node} joined the cluster on {Url} with {Groups} group(s)")]
    private static partial void LogStarted(ILogger logger, string node, string url, int groups);
}
