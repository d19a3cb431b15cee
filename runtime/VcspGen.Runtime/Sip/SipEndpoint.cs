using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VcspGen.Spec;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// The SIP transport edge (RFC 3261 §18): a UDP socket and a TCP listener bound to the same address and port.
/// Over UDP one datagram is one message. Over TCP messages are framed by Content-Length; connections are keyed by
/// the remote endpoint: an accepted connection by its remote endpoint, a connection this side opens (on demand, from
/// <see cref="Send"/>) by its destination. Connections stay open until the remote closes them, the endpoint stops or
/// it is disposed; an accepted connection that sends no whole message within 32 s is closed, and a stream that cannot
/// be framed is closed once the answers to the messages before it are written. Accepted and opened connections are
/// bounded apart (<see cref="MaxConnections"/> each), so that idle connections never stop this side from calling out. Nothing the network sends (garbage, oversized streams, resets) escapes as an exception: it is
/// counted and logged at Debug.
/// </summary>
/// <remarks>
/// Thread-safety: <see cref="Send"/> may be called from any thread. The callback given to <see cref="RunAsync"/> is
/// called from the endpoint's own threads, several of them at once (the UDP receive thread, one reader per TCP
/// connection); callers serialize, e.g. with <see cref="UdpHost.Invoke"/>. The callback may call <see cref="Send"/>.
/// </remarks>
public sealed partial class SipEndpoint : ISipSink, IDisposable
{
    /// <summary>The most TCP connections open at once, accepted ones and opened ones each; more are refused.</summary>
    public const int MaxConnections = 256;

    /// <summary>
    /// How long an accepted TCP connection may stay open without sending a whole message before it is closed: 32 s
    /// (64 × T1), so that idle connections do not hold the <see cref="MaxConnections"/> places for ever.
    /// </summary>
    internal static readonly TimeSpan DefaultFirstMessageTimeout = TimeSpan.FromSeconds(32);

    /// <summary>The most bytes waiting to be written on one TCP connection; a message beyond it is a send failure.</summary>
    public const int MaxQueuedBytes = 1 << 20;

    private const int BindAttempts = 8;
    private const int Backlog = 64;
    private static readonly TimeSpan ReceiveCheck = TimeSpan.FromMilliseconds(250);

    private readonly Socket _udp;
    private readonly Socket _listener;
    private readonly ILogger _logger;
    private readonly SipTcpTransport _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationToken _stopToken;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Action<SipMessage, SipPeer>? _onMessage;
    private int _disposed;
    private long _received;
    private long _malformed;
    private long _sendFailures;

    /// <summary>
    /// Binds a UDP socket and a TCP listener to <paramref name="bind"/>. With port 0 a free UDP port is picked and
    /// TCP is bound to the same number (another port is tried, a few times, if TCP's is taken).
    /// </summary>
    /// <param name="bind">The local endpoint.</param>
    /// <param name="logger">Where drops and failures are logged (at Debug), or null for none.</param>
    /// <exception cref="SocketException">The address or port cannot be bound.</exception>
    public SipEndpoint(IPEndPoint bind, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(bind);
        _logger = logger ?? NullLogger.Instance;
        _stopToken = _stop.Token;
        (_udp, _listener) = Bind(bind);
        _tcp = new SipTcpTransport(this, _listener, _logger);

        // The receive thread blocks in ReceiveFrom; a timeout makes it look at the stop token at least this often,
        // should the wake-up datagram it is sent on stopping ever not arrive.
        _udp.ReceiveTimeout = (int)ReceiveCheck.TotalMilliseconds;
        LocalEndPoint = (IPEndPoint)_udp.LocalEndPoint!;
    }

    /// <summary>How long an accepted TCP connection may stay silent before its first whole message (tests shorten it).</summary>
    internal TimeSpan FirstMessageTimeout { get; init; } = DefaultFirstMessageTimeout;

    /// <summary>The bound endpoint (the same port for UDP and TCP).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Whole messages delivered to the callback, over UDP and TCP.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Datagrams, and TCP streams, the parser refused (each a counted drop; a refused stream is closed).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Messages that could not be sent: a socket error, a failed connect, a closed or full connection.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>TCP connections accepted and closed at once because <see cref="MaxConnections"/> were open.</summary>
    public long RefusedConnections => _tcp.Refused;

    /// <summary>Accepted TCP connections that had sent nothing, closed to make room for a new one at <see cref="MaxConnections"/>.</summary>
    internal long EvictedConnections => _tcp.Evicted;

    /// <summary>
    /// Receives until <paramref name="cancellationToken"/> is cancelled: UDP on a thread of its own (blocking
    /// receives), TCP by accepting connections and reading each. Every whole message is handed to
    /// <paramref name="onMessage"/> with its peer, from the endpoint's threads, possibly several at once. A callback
    /// that throws is logged and the endpoint goes on. Connections opened by <see cref="Send"/> before this call are
    /// read from once it starts. When it stops, every TCP connection is closed. An endpoint runs once.
    /// </summary>
    /// <param name="onMessage">Receives each message and where it came from.</param>
    /// <param name="cancellationToken">Stops the endpoint.</param>
    /// <returns>A task that ends when receiving has stopped and every connection has closed.</returns>
    /// <exception cref="InvalidOperationException">The endpoint has run already.</exception>
    /// <exception cref="ObjectDisposedException">The endpoint is disposed.</exception>
    public async Task RunAsync(Action<SipMessage, SipPeer> onMessage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.CompareExchange(ref _onMessage, onMessage, null) is not null)
        {
            throw new InvalidOperationException("A SIP endpoint runs once.");
        }

        using var registration = cancellationToken.Register(static state => ((SipEndpoint)state!).Stop(), this);
        _started.TrySetResult();
        var receiving = DedicatedThread.Start("SIP receive " + LocalEndPoint, ReceiveLoop, _ => Stop()); // the rest stops with it, so RunAsync reports the fault
        var accepting = _tcp.AcceptLoopAsync();
        try
        {
            await Task.WhenAll(receiving, accepting).ConfigureAwait(false);
        }
        finally
        {
            Stop();
            await _tcp.CloseConnectionsAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/>. Over UDP: one datagram. Over TCP: on the connection keyed by the peer's
    /// endpoint, or on a new one to it (connected in the background; the message waits in the connection's queue,
    /// and replies on it are read and reported with <paramref name="peer"/>). Never blocks on the network and never
    /// throws for a network failure: those are counted in <see cref="SendFailures"/> and logged at Debug.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="peer">The destination and the transport.</param>
    /// <exception cref="ArgumentException">The peer has no endpoint or an unknown transport.</exception>
    public void Send(SipMessage message, SipPeer peer)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (peer.EndPoint is null)
        {
            throw new ArgumentException("The peer has no endpoint.", nameof(peer));
        }

        switch (peer.Transport)
        {
            case SipTransport.Udp:
                SendDatagram(message.ToBytes(), peer.EndPoint);
                break;
            case SipTransport.Tcp:
                _tcp.Send(message.ToBytes(), peer.EndPoint);
                break;
            default:
                throw new ArgumentException($"Unknown SIP transport {peer.Transport}.", nameof(peer));
        }
    }

    /// <summary>Stops receiving and closes the sockets and every TCP connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Stop();
        _started.TrySetCanceled();
        _listener.Dispose();
        _udp.Dispose();
        _tcp.CloseAll();
    }

    private static (Socket Udp, Socket Listener) Bind(IPEndPoint bind)
    {
        for (var attempt = 1; ; attempt++)
        {
            var udp = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            Socket? listener = null;
            try
            {
                udp.Bind(bind);
                var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
                listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(bind.Address, port));
                listener.Listen(Backlog);
                return (udp, listener);
            }
            catch (SocketException) when (bind.Port == 0 && attempt < BindAttempts)
            {
                // The UDP port picked is taken for TCP: pick another.
                listener?.Dispose();
                udp.Dispose();
            }
            catch
            {
                listener?.Dispose();
                udp.Dispose();
                throw;
            }
        }
    }

    /// <summary>Stops receiving (UDP and TCP); idempotent.</summary>
    internal void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (AggregateException e)
        {
            LogStopFailed(_logger, e);
        }
    }

    /// <summary>Hands a whole message to the callback; a callback that throws is logged, and the endpoint goes on.</summary>
    internal void Deliver(SipMessage message, SipPeer peer)
    {
        Interlocked.Increment(ref _received);
        try
        {
            _onMessage!(message, peer);
        }
        catch (Exception e)
        {
            // The caller's bug, but one message must not stop the endpoint for every peer.
            LogCallbackFailed(_logger, peer.EndPoint, e);
        }
    }

    /// <summary>Counts and logs a message that could not be sent.</summary>
    internal void CountSendFailure(IPEndPoint destination, SipTransport transport, string reason)
    {
        Interlocked.Increment(ref _sendFailures);
        LogSendFailed(_logger, destination, transport, reason);
    }

    /// <summary>Counts and logs data the parser refused.</summary>
    internal void CountMalformed(SipTransport transport, IPEndPoint source, SipParseStatus status)
    {
        Interlocked.Increment(ref _malformed);
        LogMalformed(_logger, transport, source, status);
    }

    /// <summary>Cancelled when the endpoint stops.</summary>
    internal CancellationToken StopToken => _stopToken;

    /// <summary>Completes when <see cref="RunAsync"/> has a callback (connections opened before it wait for it).</summary>
    internal Task Started => _started.Task;

    // ---- UDP ----

    private void SendDatagram(byte[] bytes, IPEndPoint destination)
    {
        try
        {
            _udp.SendTo(bytes, SocketFlags.None, destination);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            CountSendFailure(destination, SipTransport.Udp, e.Message);
        }
    }

    /// <summary>Receives datagrams with blocking calls on a thread of its own, as <see cref="UdpHost"/> does.</summary>
    private void ReceiveLoop()
    {
        var buffer = new byte[65536];
        var any = new IPEndPoint(_udp.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);

        // A blocking receive does not watch the token: a datagram to ourselves wakes it when the endpoint stops.
        using var wake = _stopToken.Register(WakeReceiver);
        while (!_stopToken.IsCancellationRequested)
        {
            EndPoint remote = any;
            int received;
            try
            {
                received = _udp.ReceiveFrom(buffer, SocketFlags.None, ref remote);
            }
            catch (SocketException)
            {
                // The receive timeout (a look at the token), or an ICMP "port unreachable" from an earlier send on
                // some platforms: not fatal.
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (_stopToken.IsCancellationRequested)
            {
                return;
            }

            var datagram = buffer.AsSpan(0, received);
            if (datagram.IndexOfAnyExcept((byte)'\r', (byte)'\n') < 0)
            {
                continue; // a keep-alive (or our own wake-up): nothing to deliver, nothing to count
            }

            var source = (IPEndPoint)remote;
            var status = SipMessage.TryParse(datagram, stream: false, out var message, out _);
            if (status == SipParseStatus.Ok)
            {
                Deliver(message!, new SipPeer(source, SipTransport.Udp));
            }
            else
            {
                CountMalformed(SipTransport.Udp, source, status);
            }
        }
    }

    private void WakeReceiver() => SocketAddresses.WakeReceiver(_udp, LocalEndPoint);

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Dropped SIP data over {Transport} from {Source}: {Status}")]
    private static partial void LogMalformed(ILogger logger, SipTransport transport, IPEndPoint source, SipParseStatus status);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Could not send a SIP message over {Transport} to {Destination}: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, IPEndPoint destination, SipTransport transport, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "The SIP message callback threw on a message from {Peer}")]
    private static partial void LogCallbackFailed(ILogger logger, IPEndPoint peer, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "Stopping the SIP endpoint threw")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);
}
