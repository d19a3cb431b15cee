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
/// it is disposed. Nothing the network sends (garbage, oversized streams, resets) escapes as an exception: it is
/// counted and logged at Debug.
/// </summary>
/// <remarks>
/// Thread-safety: <see cref="Send"/> may be called from any thread. The callback given to <see cref="RunAsync"/> is
/// called from the endpoint's own threads, several of them at once (the UDP receive thread, one reader per TCP
/// connection); callers serialize, e.g. with <see cref="UdpHost.Invoke"/>. The callback may call <see cref="Send"/>.
/// </remarks>
public sealed partial class SipEndpoint : ISipSink, IDisposable
{
    /// <summary>The most TCP connections open at once (accepted and opened together); more are refused.</summary>
    public const int MaxConnections = 256;

    /// <summary>The most bytes waiting to be written on one TCP connection; a message beyond it is a send failure.</summary>
    public const int MaxQueuedBytes = 1 << 20;

    private const int BindAttempts = 8;
    private const int Backlog = 64;
    private static readonly TimeSpan ReceiveCheck = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AcceptRetry = TimeSpan.FromMilliseconds(50);

    private readonly Socket _udp;
    private readonly Socket _listener;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<IPEndPoint, Connection> _byPeer = [];
    private readonly HashSet<Connection> _live = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationToken _stopToken;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Action<SipMessage, SipPeer>? _onMessage;
    private bool _stopping;
    private int _disposed;
    private long _received;
    private long _malformed;
    private long _sendFailures;
    private long _refusedConnections;

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

        // The receive thread blocks in ReceiveFrom; a timeout makes it look at the stop token at least this often,
        // should the wake-up datagram it is sent on stopping ever not arrive.
        _udp.ReceiveTimeout = (int)ReceiveCheck.TotalMilliseconds;
        LocalEndPoint = (IPEndPoint)_udp.LocalEndPoint!;
    }

    /// <summary>The bound endpoint (the same port for UDP and TCP).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Whole messages delivered to the callback, over UDP and TCP.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Datagrams, and TCP streams, the parser refused (each a counted drop; a refused stream is closed).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Messages that could not be sent: a socket error, a failed connect, a closed or full connection.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>TCP connections accepted and closed at once because <see cref="MaxConnections"/> were open.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

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
        var accepting = AcceptLoopAsync();
        try
        {
            await Task.WhenAll(receiving, accepting).ConfigureAwait(false);
        }
        finally
        {
            Stop();
            await CloseConnectionsAsync().ConfigureAwait(false);
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
                SendOnConnection(message.ToBytes(), peer.EndPoint);
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

        Connection[] open;
        lock (_gate)
        {
            _stopping = true;
            open = [.. _live];
        }

        Stop();
        _started.TrySetCanceled();
        _listener.Dispose();
        _udp.Dispose();
        foreach (var connection in open)
        {
            Close(connection);
        }
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

    private void Stop()
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

    private void Deliver(SipMessage message, SipPeer peer)
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

    private void CountSendFailure(IPEndPoint destination, SipTransport transport, string reason)
    {
        Interlocked.Increment(ref _sendFailures);
        LogSendFailed(_logger, destination, transport, reason);
    }

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
                Interlocked.Increment(ref _malformed);
                LogMalformed(_logger, SipTransport.Udp, source, status);
            }
        }
    }

    private void WakeReceiver() => SocketAddresses.WakeReceiver(_udp, LocalEndPoint);

    // ---- TCP ----

    private async Task AcceptLoopAsync()
    {
        try
        {
            await AcceptUntilStoppedAsync().ConfigureAwait(false);
        }
        finally
        {
            Stop(); // should accepting fail, the rest of the endpoint stops with it, so RunAsync ends and reports it
        }
    }

    private async Task AcceptUntilStoppedAsync()
    {
        while (!_stopToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                if (_stopToken.IsCancellationRequested)
                {
                    return;
                }

                // A connection reset before it was accepted, or out of descriptors: try again, not in a tight loop.
                LogAcceptFailed(_logger, e.SocketErrorCode);
                try
                {
                    await Task.Delay(AcceptRetry, _stopToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            Accept(socket);
        }
    }

    private void Accept(Socket socket)
    {
        IPEndPoint remote;
        try
        {
            remote = (IPEndPoint)socket.RemoteEndPoint!;
            socket.NoDelay = true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            socket.Dispose(); // reset already
            return;
        }

        lock (_gate)
        {
            if (_stopping)
            {
                socket.Dispose();
                return;
            }

            if (_live.Count < MaxConnections)
            {
                Register(new Connection(socket, remote), outbound: false);
                return;
            }
        }

        Interlocked.Increment(ref _refusedConnections);
        LogConnectionRefused(_logger, remote, MaxConnections);
        socket.Dispose();
    }

    private void SendOnConnection(byte[] bytes, IPEndPoint destination)
    {
        Connection? connection;
        string? refusal = null;
        lock (_gate)
        {
            if (!_byPeer.TryGetValue(destination, out connection))
            {
                if (_stopping)
                {
                    refusal = "the endpoint has stopped";
                }
                else if (_live.Count >= MaxConnections)
                {
                    refusal = "too many connections";
                }
                else
                {
                    try
                    {
                        connection = new Connection(new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp), destination);
                        Register(connection, outbound: true);
                    }
                    catch (SocketException e)
                    {
                        refusal = e.Message;
                    }
                }
            }
        }

        if (connection is null)
        {
            CountSendFailure(destination, SipTransport.Tcp, refusal!);
        }
        else if (!connection.TryEnqueue(bytes))
        {
            CountSendFailure(destination, SipTransport.Tcp, connection.IsClosed ? "the connection is closed" : "the connection's queue is full");
        }
    }

    /// <summary>Registers a connection under its peer and starts it; called under the lock.</summary>
    private void Register(Connection connection, bool outbound)
    {
        _byPeer[connection.Peer] = connection; // a newer connection from the same endpoint takes the key over
        _live.Add(connection);

        // Task.Run, so that the connection starts after the lock is released, and its task is known before.
        connection.Task = Task.Run(() => RunConnectionAsync(connection, outbound));
    }

    private async Task RunConnectionAsync(Connection connection, bool outbound)
    {
        try
        {
            if (outbound && !await ConnectAsync(connection).ConfigureAwait(false))
            {
                return;
            }

            using var stream = new NetworkStream(connection.Socket, ownsSocket: false);
            var writing = WriteLoopAsync(connection, stream);
            var remoteClosed = false;
            try
            {
                // A connection opened before RunAsync waits for the callback to exist before it is read from.
                await _started.Task.WaitAsync(_stopToken).ConfigureAwait(false);
                remoteClosed = await ReadLoopAsync(connection, stream).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                LogConnectionEnded(_logger, connection.Peer, e.Message);
            }
            finally
            {
                if (remoteClosed)
                {
                    // The remote has finished sending: what the callback answered to its last messages is still
                    // written, then the connection closes. New messages to that endpoint open a new connection.
                    Unregister(connection);
                    connection.EndQueue();
                }
                else
                {
                    Close(connection);
                }

                await writing.ConfigureAwait(false);
            }
        }
        finally
        {
            Close(connection);
            lock (_gate)
            {
                _live.Remove(connection);
            }
        }
    }

    private async Task<bool> ConnectAsync(Connection connection)
    {
        try
        {
            var local = LocalEndPoint.Address;
            if (local.AddressFamily == connection.Peer.AddressFamily && !local.Equals(IPAddress.Any) && !local.Equals(IPAddress.IPv6Any))
            {
                connection.Socket.Bind(new IPEndPoint(local, 0)); // leave from the address we are bound to
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopToken);
            timeout.CancelAfter(ConnectTimeout);
            await connection.Socket.ConnectAsync(connection.Peer, timeout.Token).ConfigureAwait(false);
            connection.Socket.NoDelay = true;
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogConnectFailed(_logger, connection.Peer, e.Message);
            return false; // closing the connection counts the messages waiting in its queue as failures
        }
    }

    private async Task WriteLoopAsync(Connection connection, NetworkStream stream)
    {
        try
        {
            while (await connection.Queue.WaitToReadAsync().ConfigureAwait(false))
            {
                while (connection.TryDequeue(out var bytes))
                {
                    try
                    {
                        await stream.WriteAsync(bytes).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                    {
                        CountSendFailure(connection.Peer, SipTransport.Tcp, e.Message);
                        return;
                    }
                }
            }
        }
        finally
        {
            Close(connection);
        }
    }

    /// <summary>Reads and delivers messages; true when the remote closed its side, false when the stream was refused.</summary>
    private async Task<bool> ReadLoopAsync(Connection connection, NetworkStream stream)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_stopToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                var whole = DeliverFrames(connection.Peer, ref buffer, out var failure);
                var left = buffer.Length;
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (!whole)
                {
                    Interlocked.Increment(ref _malformed);
                    LogMalformed(_logger, SipTransport.Tcp, connection.Peer, failure);
                    return false;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    if (left > 0)
                    {
                        LogTruncated(_logger, connection.Peer, left);
                    }

                    return true;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Delivers every whole message at the start of <paramref name="buffer"/> and slices them (and the line ends
    /// between them) off. Returns false, with the parser's reason, when the stream cannot go on.
    /// </summary>
    private bool DeliverFrames(IPEndPoint peer, ref ReadOnlySequence<byte> buffer, out SipParseStatus failure)
    {
        failure = SipParseStatus.Ok;
        while (true)
        {
            buffer = buffer.Slice(LeadingLineEnds(buffer)); // CRLF keep-alives between messages (RFC 5626 §3.5.1)
            if (buffer.IsEmpty)
            {
                return true;
            }

            SipParseStatus status;
            SipMessage? message;
            int consumed;
            if (buffer.IsSingleSegment)
            {
                status = SipMessage.TryParse(buffer.FirstSpan, stream: true, out message, out consumed);
            }
            else
            {
                // A whole message fits in MaxSize bytes; one more lets the parser see that a header block is too long.
                var length = (int)Math.Min(buffer.Length, SipMessage.MaxSize + 1);
                var copy = ArrayPool<byte>.Shared.Rent(length);
                try
                {
                    buffer.Slice(0, length).CopyTo(copy);
                    status = SipMessage.TryParse(copy.AsSpan(0, length), stream: true, out message, out consumed);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(copy);
                }
            }

            switch (status)
            {
                case SipParseStatus.Ok:
                    buffer = buffer.Slice(consumed);
                    Deliver(message!, new SipPeer(peer, SipTransport.Tcp));
                    break;
                case SipParseStatus.Incomplete when buffer.Length <= SipMessage.MaxSize:
                    return true; // wait for more
                case SipParseStatus.Incomplete:
                    failure = SipParseStatus.TooLarge; // more buffered than any whole message can take
                    return false;
                default:
                    failure = status;
                    return false;
            }
        }
    }

    private static long LeadingLineEnds(in ReadOnlySequence<byte> buffer)
    {
        long count = 0;
        foreach (var segment in buffer)
        {
            var span = segment.Span;
            var other = span.IndexOfAnyExcept((byte)'\r', (byte)'\n');
            if (other >= 0)
            {
                return count + other;
            }

            count += span.Length;
        }

        return count;
    }

    /// <summary>Closes a connection (once): its key, its queue (what waits there counts as failed) and its socket.</summary>
    private void Close(Connection connection)
    {
        if (!connection.TryClose())
        {
            return;
        }

        Unregister(connection);
        while (connection.TryDequeue(out _))
        {
            CountSendFailure(connection.Peer, SipTransport.Tcp, "the connection closed first");
        }
    }

    /// <summary>Removes a connection's key, unless a newer connection has taken it over.</summary>
    private void Unregister(Connection connection)
    {
        lock (_gate)
        {
            if (_byPeer.TryGetValue(connection.Peer, out var current) && ReferenceEquals(current, connection))
            {
                _byPeer.Remove(connection.Peer);
            }
        }
    }

    private async Task CloseConnectionsAsync()
    {
        Connection[] open;
        lock (_gate)
        {
            _stopping = true;
            open = [.. _live];
        }

        var running = new Task[open.Length];
        for (var i = 0; i < open.Length; i++)
        {
            Close(open[i]);
            running[i] = open[i].Task;
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Dropped SIP data over {Transport} from {Source}: {Status}")]
    private static partial void LogMalformed(ILogger logger, SipTransport transport, IPEndPoint source, SipParseStatus status);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Could not send a SIP message over {Transport} to {Destination}: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, IPEndPoint destination, SipTransport transport, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Could not connect to {Destination} over TCP: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, IPEndPoint destination, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Refused a TCP connection from {Remote}: {Max} connections are open")]
    private static partial void LogConnectionRefused(ILogger logger, IPEndPoint remote, int max);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "The TCP connection with {Peer} ended: {Reason}")]
    private static partial void LogConnectionEnded(ILogger logger, IPEndPoint peer, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "The TCP connection with {Peer} closed in the middle of a message ({Bytes} bytes)")]
    private static partial void LogTruncated(ILogger logger, IPEndPoint peer, long bytes);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Accepting a TCP connection failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "The SIP message callback threw on a message from {Peer}")]
    private static partial void LogCallbackFailed(ILogger logger, IPEndPoint peer, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "Stopping the SIP endpoint threw")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);

    /// <summary>One TCP connection: its socket, the endpoint it is keyed by, and the queue of bytes to write.</summary>
    private sealed class Connection(Socket socket, IPEndPoint peer)
    {
        private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        private long _queuedBytes;
        private int _closed;

        public Socket Socket { get; } = socket;

        public IPEndPoint Peer { get; } = peer;

        /// <summary>The connection's life (connect, read, write, close); set under the endpoint's lock.</summary>
        public Task Task { get; set; } = Task.CompletedTask;

        public ChannelReader<byte[]> Queue => _queue.Reader;

        public bool IsClosed => Volatile.Read(ref _closed) != 0;

        public bool TryEnqueue(byte[] bytes)
        {
            if (Interlocked.Add(ref _queuedBytes, bytes.Length) <= MaxQueuedBytes && _queue.Writer.TryWrite(bytes))
            {
                return true;
            }

            Interlocked.Add(ref _queuedBytes, -bytes.Length);
            return false;
        }

        public bool TryDequeue(out byte[] bytes)
        {
            if (_queue.Reader.TryRead(out bytes!))
            {
                Interlocked.Add(ref _queuedBytes, -bytes.Length);
                return true;
            }

            return false;
        }

        /// <summary>Closes the queue to new bytes; the writer ends once it has written what waits there.</summary>
        public void EndQueue() => _queue.Writer.TryComplete();

        /// <summary>Closes the queue to new bytes and the socket; false when closed already.</summary>
        public bool TryClose()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return false;
            }

            _queue.Writer.TryComplete();
            Socket.Dispose();
            return true;
        }
    }
}
