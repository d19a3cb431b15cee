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

/// <summary>
/// A member's process: one <see cref="ChatClient"/> (its group session, DMs and call) on a UDP socket, its SIP user
/// agent, and the wiring between them. The host owns the lock: user code reaches the client only through
/// <see cref="Invoke"/>, SIP messages are handed to it under the lock, and its events reach the application on a
/// dispatcher task, never under the lock, so handlers may print, write files and call <see cref="Invoke"/>. A lost
/// membership is joined again by itself (<see cref="ClientHostOptions.Rejoin"/>, PROTOCOL.md §7.7).
/// </summary>
public sealed class VcspClientHost : IDisposable
{
    private readonly UdpHost _host;
    private readonly SipEndpoint? _sip;
    private readonly ChatClient _client;
    private readonly EventQueue _events;
    private readonly CancellationTokenSource _running = new();
    private readonly VcspMetrics _metrics;
    private int _started;
    private int _disposed;

    /// <summary>Binds the client's sockets; nothing is sent until <see cref="ChatClient.Join"/> is invoked.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="groupEvents">Where group events go (on the dispatcher).</param>
    /// <param name="directEvents">Where direct messages go (on the dispatcher).</param>
    /// <param name="callEvents">Where the call reports (on the dispatcher); required with <see cref="ClientHostOptions.SipPort"/>.</param>
    /// <exception cref="SocketException">A socket cannot be bound.</exception>
    /// <exception cref="ArgumentException">Calls are asked for without <see cref="ClientHostOptions.Call"/> or call events, or the client options are invalid.</exception>
    public VcspClientHost(ClientHostOptions options, IClientEvents groupEvents, IDirectMessageEvents directEvents, ICallEvents? callEvents = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(groupEvents);
        ArgumentNullException.ThrowIfNull(directEvents);
        if (options.SipPort is not null && (options.Call is null || callEvents is null))
        {
            throw new ArgumentException("A client with calls needs call options and call events.", nameof(options));
        }

        var loggers = options.Loggers ?? NullLoggerFactory.Instance;
        var server = options.Client.Server.ToIPEndPoint();
        var bind = options.Bind ?? (IPAddress.IsLoopback(server.Address) ? server.Address
            : server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any);
        _metrics = options.Metrics ?? VcspMetrics.Default;
        _host = new UdpHost(new IPEndPoint(bind, 0), logger: loggers.CreateLogger<UdpHost>()) { Metrics = _metrics };
        try
        {
            var serverTag = new KeyValuePair<string, object?>("server", options.Client.Server.ToString());
            _events = new EventQueue(options.EventCapacity, groupEvents, directEvents, callEvents, _metrics, serverTag);
            _metrics.Add(_host, serverTag);
            CallOptions? call = null;
            if (options.SipPort is { } sipPort)
            {
                _sip = new SipEndpoint(new IPEndPoint(bind, sipPort), loggers.CreateLogger<SipEndpoint>());
                call = options.Call!(new ClientBinding(_host.LocalEndPoint, _sip.LocalEndPoint));
            }

            _client = new ChatClient(options.Client, _host, TimeProvider.System, _events, _events, call, _sip, call is null ? null : _events)
            {
                Rejoin = options.Rejoin,
            };
        }
        catch
        {
            _metrics.Remove(_host);
            _sip?.Dispose();
            _host.Dispose();
            throw;
        }
    }

    /// <summary>The client's UDP socket, for its address and counters.</summary>
    public UdpHost Host => _host;

    /// <summary>The client's SIP endpoint, or null without calls.</summary>
    public IPEndPoint? SipEndPoint => _sip?.LocalEndPoint;

    /// <summary>Events dropped because the application's handlers fell behind by <see cref="ClientHostOptions.EventCapacity"/>.</summary>
    public long EventsDropped => _events.Dropped;

    /// <summary>Events whose handler threw; the dispatcher went on with the next.</summary>
    public long EventHandlerFailures => _events.HandlerFailures;

    /// <summary>Runs <paramref name="action"/> on the client under its lock (keep it short: datagrams wait).</summary>
    /// <param name="action">What to do, such as <c>c =&gt; c.Group.TrySend(text)</c>.</param>
    public void Invoke(Action<ChatClient> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _host.Invoke(() => action(_client));
    }

    /// <summary>Reads or does something on the client under its lock.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="function">What to do.</param>
    /// <returns>What <paramref name="function"/> returned.</returns>
    public T Invoke<T>(Func<ChatClient, T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return _host.Invoke(() => function(_client));
    }

    /// <summary>
    /// A task that completes once every event raised before this call has been handled by the application's handlers
    /// (for a console that prints an answer before it reads its next line).
    /// </summary>
    /// <returns>The task.</returns>
    public Task WhenEventsDeliveredAsync() => _events.WhenDeliveredAsync();

    /// <summary>
    /// Runs the client until <paramref name="cancellationToken"/> is cancelled: datagrams, timed work, SIP and the
    /// event dispatcher. When it ends, every event raised before the stop has been delivered.
    /// </summary>
    /// <param name="cancellationToken">Stops the client (leave first with <see cref="ChatClient.Quit"/> to say goodbye).</param>
    /// <returns>A task that ends when everything has stopped.</returns>
    /// <exception cref="InvalidOperationException">The host runs already.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A client host runs once.");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _running.Token);
        var dispatching = Task.Run(_events.DispatchAsync, CancellationToken.None);
        var receiving = _host.RunAsync(_client, TimeProvider.System, linked.Token);
        var sip = _sip?.RunAsync((message, peer) => _host.Invoke(() => _client.ReceiveSip(message, peer)), linked.Token) ?? Task.CompletedTask;
        try
        {
            await Task.WhenAll(receiving, sip).ConfigureAwait(false);
        }
        finally
        {
            _events.Complete();
            await dispatching.ConfigureAwait(false);
        }
    }

    /// <summary>Stops the client and closes its sockets. A second call does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _running.Cancel();
        _metrics.Remove(_host);
        _sip?.Dispose();
        _host.Dispose();
        _events.Complete();
        _running.Dispose();
    }
}
