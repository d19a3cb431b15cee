using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VcspGen.Runtime.Sip;

namespace VcspGen.Runtime;

/// <summary>What a group is given by its <see cref="VcspServerHost"/> before its options are made.</summary>
/// <param name="Address">The group's bound UDP address and port.</param>
/// <param name="SipPort">The port of the host's SIP endpoint (UDP and TCP), 0 when the host has none.</param>
public readonly record struct GroupBinding(VcspAddress Address, int SipPort);

/// <summary>
/// A server process's groups: each group on a UDP port of its own (memo §3: a server keeps several groups apart),
/// all of them served by a few event loop threads (one per core by default, whatever the group count), and one SIP
/// endpoint (UDP and TCP on one port) for all their calls, whose messages are routed to their group. The host owns
/// the wiring and the locks: user code reaches a group only through <see cref="HostedGroup.Invoke"/>.
/// </summary>
public sealed partial class VcspServerHost : IDisposable
{
    private readonly IPAddress _bind;
    private readonly ILoggerFactory _loggers;
    private readonly EventLoop[] _loops;
    private readonly List<HostedGroup> _groups = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _running = new();
    private readonly SipEndpoint? _sip;
    private readonly SipRouter _router;
    private readonly Task _sipRunning = Task.CompletedTask;
    private readonly VcspMetrics _metrics;
    private readonly ILogger _logger;
    private readonly VcspCluster? _cluster;
    private int _disposed;

    /// <summary>Creates the host; it binds its SIP endpoint now, and each group's port in <c>AddGroup</c>.</summary>
    /// <param name="bind">The address every socket binds to (a wildcard for all interfaces).</param>
    /// <param name="sipPort">The SIP endpoint's port (UDP and TCP; 0 picks a free one), or null for groups without calls.</param>
    /// <param name="loggers">Where the groups, sockets and SIP endpoint log, or null for nowhere.</param>
    /// <param name="eventLoops">How many event loop threads serve the groups; 0 for one per core.</param>
    /// <param name="metrics">The instruments the groups record on and whose gauges read them; null for <see cref="VcspMetrics.Default"/>.</param>
    /// <param name="cluster">
    /// The cluster every group joins as a node (PROTOCOL.md §15), or null for groups of this host alone. Start it
    /// (<see cref="VcspCluster.StartAsync"/>) once the groups are added; the host does not own it.
    /// </param>
    /// <exception cref="VcspBindException">The SIP port cannot be bound (the message says which).</exception>
    public VcspServerHost(IPAddress bind, int? sipPort = 5060, ILoggerFactory? loggers = null, int eventLoops = 0, VcspMetrics? metrics = null, VcspCluster? cluster = null)
    {
        ArgumentNullException.ThrowIfNull(bind);
        _cluster = cluster;
        _bind = bind;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _metrics = metrics ?? VcspMetrics.Default;
        _logger = _loggers.CreateLogger<VcspServerHost>();
        _loops = new EventLoop[eventLoops > 0 ? eventLoops : Environment.ProcessorCount];
        for (var i = 0; i < _loops.Length; i++)
        {
            _loops[i] = new EventLoop($"VCSP loop {i}");
        }

        _router = new SipRouter(_loggers.CreateLogger<SipEndpoint>());
        if (sipPort is { } port)
        {
            var endPoint = new IPEndPoint(bind, port);
            try
            {
                _sip = new SipEndpoint(endPoint, _loggers.CreateLogger<SipEndpoint>());
            }
            catch (SocketException e)
            {
                foreach (var loop in _loops)
                {
                    loop.Dispose();
                }

                throw new VcspBindException(endPoint, "the SIP port (UDP and TCP)", e);
            }

            _sipRunning = _sip.RunAsync(_router.Route, _running.Token);
        }
    }

    /// <summary>The cluster the groups are nodes of, or null.</summary>
    public VcspCluster? Cluster => _cluster;

    /// <summary>The SIP endpoint shared by every group's call, or null when the host has none.</summary>
    public IPEndPoint? SipEndPoint => _sip?.LocalEndPoint;

    /// <summary>The groups, in the order they were added.</summary>
    public IReadOnlyList<HostedGroup> Groups
    {
        get
        {
            lock (_gate)
            {
                return [.. _groups];
            }
        }
    }

    /// <summary>SIP messages that named no group (counted, not answered).</summary>
    public long SipUnroutable => _router.Unroutable;

    /// <summary>How many event loop threads serve the groups.</summary>
    public int EventLoopCount => _loops.Length;

    /// <summary>Binds a group's UDP port and starts serving it at once.</summary>
    /// <param name="port">The group's port (0 picks a free one).</param>
    /// <param name="options">Makes the group's options from where it is bound (its address, and the SIP port to put in them).</param>
    /// <returns>The group.</returns>
    /// <exception cref="VcspBindException">The port cannot be bound (the message says which).</exception>
    /// <exception cref="ArgumentException">The options are invalid (see <see cref="GroupServer"/>), or a group has that name already.</exception>
    public HostedGroup AddGroup(int port, Func<GroupBinding, GroupOptions> options) => AddGroup(null, port, options);

    /// <summary>Binds the UDP port of the group called <paramref name="name"/> and starts serving it at once.</summary>
    /// <param name="name">The group's name, named by a bind failure; its options must have it.</param>
    /// <param name="port">The group's port (0 picks a free one).</param>
    /// <param name="options">Makes the group's options from where it is bound (its address, and the SIP port to put in them).</param>
    /// <returns>The group.</returns>
    /// <exception cref="VcspBindException">The port cannot be bound: the message names the group and the port.</exception>
    /// <exception cref="ArgumentException">The options are invalid (see <see cref="GroupServer"/>), name another group, or a group has that name already.</exception>
    public HostedGroup AddGroup(string? name, int port, Func<GroupBinding, GroupOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var endPoint = new IPEndPoint(_bind, port);
        UdpHost host;
        try
        {
            host = new UdpHost(endPoint, logger: _loggers.CreateLogger<UdpHost>()) { Metrics = _metrics };
        }
        catch (SocketException e)
        {
            throw new VcspBindException(endPoint, name is null ? "a group's UDP port" : $"the UDP port of group {name}", e);
        }

        try
        {
            var groupOptions = options(new GroupBinding(host.LocalAddress, _sip?.LocalEndPoint.Port ?? 0));
            if (name is not null && groupOptions.Name != name)
            {
                throw new ArgumentException($"The options of group '{name}' name group '{groupOptions.Name}'.", nameof(options));
            }

            lock (_gate)
            {
                if (_groups.Exists(g => g.Name == groupOptions.Name))
                {
                    throw new ArgumentException($"A group named '{groupOptions.Name}' is hosted already.", nameof(options));
                }

                // The sink is made before the group so the group can be given it; it learns the group once made.
                var sink = new LateSink();
                var clustered = _cluster is null ? null : new ClusterGroupPort(groupOptions.Name, host);
                var link = clustered is null ? null : _cluster!.Attach(clustered, groupOptions);
                var server = new GroupServer(groupOptions, host, TimeProvider.System, _loggers.CreateLogger<GroupServer>(), _sip is null ? null : sink, _metrics, link);
                clustered?.Server = server;
                var loop = LeastLoaded();
                var group = new HostedGroup(groupOptions.Name, host, server, host.RunAsync(server, TimeProvider.System, loop, _running.Token));
                sink.Target = _sip is null ? null : _router.SinkFor(group, _sip);
                _router.Add(group);
                _groups.Add(group);
                LogGroup(_logger, groupOptions.Name, host.LocalEndPoint, _sip?.LocalEndPoint.ToString() ?? "none (no calls)");
                return group;
            }
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Serves until <paramref name="cancellationToken"/> is cancelled, then shuts every group down gracefully
    /// (<see cref="GroupServer.Shutdown"/>: waiting messages relayed, a BYE to each call member as PROTOCOL.md §12.5
    /// says, every member removed and its leaving logged; a server sends no Fin, §8.8), gives the BYEs
    /// <paramref name="grace"/> to be answered (and retransmitted over UDP), and stops every group.
    /// </summary>
    /// <param name="cancellationToken">Stops the host.</param>
    /// <param name="grace">How long the BYEs are given; default 300 ms.</param>
    /// <returns>A task that ends when every group has stopped.</returns>
    public async Task RunAsync(CancellationToken cancellationToken, TimeSpan? grace = null)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The normal way out.
        }

        foreach (var group in Groups)
        {
            group.Invoke(static server => server.Shutdown());
        }

        await Task.Delay(grace ?? TimeSpan.FromMilliseconds(300), CancellationToken.None).ConfigureAwait(false);
        await _running.CancelAsync().ConfigureAwait(false);
        var runs = new List<Task> { _sipRunning };
        foreach (var group in Groups)
        {
            runs.Add(group.Running);
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes every socket and stops the event loops at once, sending nothing: for a graceful stop (BYEs to call
    /// members), cancel <see cref="RunAsync"/> and let it end first.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _running.Cancel();
        foreach (var group in Groups)
        {
            group.Host.Dispose();
            group.Invoke(server => _metrics.Remove(server));
        }

        _sip?.Dispose();
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }

        _running.Dispose();
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Group {Group} listening on {EndPoint} (UDP); SIP on {Sip}")]
    private static partial void LogGroup(ILogger logger, string group, IPEndPoint endPoint, string sip);

    private EventLoop LeastLoaded()
    {
        var best = _loops[0];
        foreach (var loop in _loops)
        {
            best = loop.HostCount < best.HostCount ? loop : best;
        }

        return best;
    }

    /// <summary>A SIP sink whose target is set once the group it serves exists.</summary>
    private sealed class LateSink : ISipSink
    {
        public ISipSink? Target { get; set; }

        public void Send(SipMessage message, SipPeer peer) => Target?.Send(message, peer);
    }
}
