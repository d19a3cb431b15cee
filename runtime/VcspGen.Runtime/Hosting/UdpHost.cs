using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VcspGen.Runtime;

/// <summary>
/// The UDP edge of a state machine (a group's <see cref="GroupServer"/>, a <see cref="ChatClient"/> or a
/// <see cref="ClientSession"/>): a bound socket whose datagrams are handed to the machine, and the machine's timed work
/// run when it is due. Both happen on an event loop thread (its own, or one shared by many hosts of a
/// server), under a lock that also serializes <see cref="Invoke"/>: state machines are not
/// thread-safe. Datagrams are received into one buffer with blocking
/// <see cref="Socket.ReceiveFrom(Span{byte}, SocketFlags, SocketAddress)"/> calls once the loop has seen the socket
/// readable, and sent with <see cref="Socket.SendTo(ReadOnlySpan{byte}, SocketFlags, SocketAddress)"/>, so a datagram
/// costs no allocation once its peer is known. No failure stops the loop: a send the kernel refuses (a source that
/// cannot be answered, such as port 0) is counted in <see cref="SendFailures"/>, a machine that throws in
/// <see cref="HandlerFailures"/>, and both are logged.
/// </summary>
public sealed partial class UdpHost : IDatagramSink, IDisposable
{
    /// <summary>The socket buffer size a host asks for by default: 1 MiB each way.</summary>
    public const int DefaultSocketBufferSize = 1 << 20;

    private const int MaxBatch = 64;
    private static readonly long IdlePoll = Stopwatch.Frequency / 200; // 5 ms, for machines on a test's clock
    private static readonly long LogEvery = Stopwatch.Frequency;

    private readonly Socket _socket;
    private readonly Lock _gate = new();
    private readonly Dictionary<VcspAddress, SocketAddress> _peers = [];
    private readonly int _maxPeers;
    private readonly ILogger _logger;
    private readonly SocketAddress _remote;
    private IVcspStateMachine? _machine;
    private TimeProvider _time = TimeProvider.System;
    private EventLoop? _loop;
    private bool _ownsLoop;
    private TaskCompletionSource? _running;
    private long _nextDue = long.MaxValue;
    private long _datagramsIn;
    private long _datagramsOut;
    private long _sendFailures;
    private long _handlerFailures;
    private long _lastFailureLog = long.MinValue;
    private int _closed;

    /// <summary>Binds a UDP socket to <paramref name="bind"/> (port 0 picks a free port).</summary>
    /// <param name="bind">The local endpoint.</param>
    /// <param name="maxPeers">How many peer addresses to remember for sending; the cache is cleared beyond it.</param>
    /// <param name="socketBufferSize">
    /// The receive and send buffer sizes to ask the kernel for (SO_RCVBUF, SO_SNDBUF), so that a burst (a video
    /// key frame in a call) waits in the socket instead of being dropped there. Linux grants at most twice
    /// <c>net.core.rmem_max</c> (by default 425,984 bytes, about 2,000 Media datagrams); 0 keeps the system's default.
    /// </param>
    /// <param name="logger">Where send failures and machine failures are logged (at most one line a second), or null for none.</param>
    /// <exception cref="SocketException">The endpoint cannot be bound.</exception>
    public UdpHost(IPEndPoint bind, int maxPeers = 4096, int socketBufferSize = DefaultSocketBufferSize, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(bind);
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (socketBufferSize > 0)
            {
                _socket.ReceiveBufferSize = socketBufferSize;
                _socket.SendBufferSize = socketBufferSize;
            }

            _socket.Bind(bind);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        // The loop receives only what it saw arrive; the timeout bounds a receive should that ever not hold.
        _socket.ReceiveTimeout = 250;
        _maxPeers = maxPeers;
        _logger = logger ?? NullLogger.Instance;
        _remote = new SocketAddress(_socket.AddressFamily);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        LocalAddress = VcspAddress.FromEndPoint(LocalEndPoint);
    }

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The bound endpoint as a VCSP address (for a server: what clients put in their join requests).</summary>
    public VcspAddress LocalAddress { get; }

    /// <summary>The receive buffer the kernel granted the socket (SO_RCVBUF, as Linux reports it: twice what was granted).</summary>
    public int ReceiveBufferSize => _socket.ReceiveBufferSize;

    /// <summary>Datagrams received (safe to read from any thread).</summary>
    public long DatagramsIn => Interlocked.Read(ref _datagramsIn);

    /// <summary>Datagrams sent (safe to read from any thread).</summary>
    public long DatagramsOut => Interlocked.Read(ref _datagramsOut);

    /// <summary>Datagrams the kernel refused to send, such as a reply to a source that cannot be answered (port 0).</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Datagrams and polls whose state machine threw; the host went on with the next.</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    internal Socket Socket => _socket;

    /// <summary>Where send failures are counted (and, for a client, whose gauges read this host's counters).</summary>
    internal VcspMetrics Metrics { get; set; } = VcspMetrics.Default;

    internal long NextDue => Volatile.Read(ref _nextDue);

    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Runs the state machine on an event loop of this host's own until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="machine">The state machine, created with this host as its sink.</param>
    /// <param name="time">The clock the machine reads; its timed work runs when due on <see cref="TimeProvider.System"/>, every 5 ms on any other.</param>
    /// <param name="cancellationToken">Stops the host.</param>
    /// <returns>A task that ends when the host has stopped: no call into the machine is in progress or will come.</returns>
    /// <exception cref="InvalidOperationException">The host runs already.</exception>
    public Task RunAsync(IVcspStateMachine machine, TimeProvider time, CancellationToken cancellationToken) =>
        RunAsync(machine, time, null, cancellationToken);

    /// <summary>
    /// Runs <paramref name="action"/> under the lock that serializes the state machine, for calls from other
    /// threads (a console, a test) such as <see cref="ClientSession.TrySend(ReadOnlySpan{byte})"/>; timed work the call starts is seen by the loop.
    /// </summary>
    /// <param name="action">What to do with the machine.</param>
    public void Invoke(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            action();
            Reschedule();
        }
    }

    /// <summary>Runs <paramref name="function"/> under the machine's lock and returns its result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="function">What to read or do.</param>
    /// <returns>What <paramref name="function"/> returned.</returns>
    public T Invoke<T>(Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        lock (_gate)
        {
            var result = function();
            Reschedule();
            return result;
        }
    }

    /// <inheritdoc/>
    public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination)
    {
        if (!_peers.TryGetValue(destination, out var address))
        {
            if (_peers.Count >= _maxPeers)
            {
                _peers.Clear();
            }

            address = destination.ToIPEndPoint().Serialize();
            _peers[destination] = address;
        }

        try
        {
            _socket.SendTo(datagram, SocketFlags.None, address);
            Interlocked.Increment(ref _datagramsOut);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // EINVAL for port 0, EACCES for a broadcast address, ENOBUFS under pressure: this datagram is lost, the host goes on.
            Interlocked.Increment(ref _sendFailures);
            Metrics.SendFailures.Add(1);
            if (ShouldLog())
            {
                LogSendFailed(_logger, destination, (e as SocketException)?.SocketErrorCode ?? SocketError.Shutdown, SendFailures);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _loop?.Remove(this);
        _socket.Dispose();
        if (_ownsLoop)
        {
            _loop?.Dispose();
        }
    }

    /// <summary>Runs the machine on <paramref name="loop"/> (shared), or on a loop of its own when null.</summary>
    internal Task RunAsync(IVcspStateMachine machine, TimeProvider time, EventLoop? loop, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(time);
        ObjectDisposedException.ThrowIf(IsClosed, this);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _running, running, null) is not null)
        {
            throw new InvalidOperationException("A host runs one state machine, once.");
        }

        _machine = machine;
        _time = time;
        _ownsLoop = loop is null;
        _loop = loop ?? new EventLoop("VCSP " + LocalEndPoint);
        lock (_gate)
        {
            Reschedule();
        }

        _loop.Add(this);
        var stopping = cancellationToken.Register(static state =>
        {
            var host = (UdpHost)state!;
            host._loop!.Remove(host);
        }, this);
        return WaitThenStopAsync(running.Task, stopping);
    }

    private async Task WaitThenStopAsync(Task running, CancellationTokenRegistration stopping)
    {
        await running.ConfigureAwait(false);
        await stopping.DisposeAsync().ConfigureAwait(false);
        if (_ownsLoop)
        {
            _loop!.Dispose();
        }
    }

    /// <summary>The loop took this host out: no more calls into the machine come from it.</summary>
    internal void Detached() => _running?.TrySetResult();

    /// <summary>Receives what the socket holds (up to a batch, so other hosts on the loop get their turn).</summary>
    internal void ReceiveReady(byte[] buffer)
    {
        var handled = 0;
        for (; handled < MaxBatch; handled++)
        {
            // The loop saw the socket readable: the first receive returns at once; after it, only what is queued.
            if (IsClosed || !NonBlockingReceive.TryReceive(_socket, buffer, _remote, first: handled == 0, out var received))
            {
                break;
            }

            var source = SocketAddresses.ToVcspAddress(_remote);
            Interlocked.Increment(ref _datagramsIn);
            lock (_gate)
            {
                try
                {
                    _machine!.Receive(buffer.AsSpan(0, received), source);
                }
                catch (Exception e)
                {
                    HandlerFailed(e);
                }
            }
        }

        if (handled > 0)
        {
            // Once a batch, not once a datagram: a group's NextPollDelay looks at every member.
            lock (_gate)
            {
                Reschedule();
            }
        }
    }

    /// <summary>Runs the machine's timed work under the lock.</summary>
    internal void PollNow()
    {
        lock (_gate)
        {
            try
            {
                _machine!.Poll();
            }
            catch (Exception e)
            {
                HandlerFailed(e);
            }

            Reschedule();
        }
    }

    /// <summary>Works out when the machine next has timed work (under the lock), and wakes the loop if that is sooner than it planned.</summary>
    private void Reschedule()
    {
        if (_machine is null)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        long due;
        if (!ReferenceEquals(_time, TimeProvider.System))
        {
            due = now + IdlePoll; // a test's clock jumps when the test says: look at it often
        }
        else
        {
            TimeSpan? delay;
            try
            {
                delay = _machine.NextPollDelay();
            }
            catch (Exception e)
            {
                HandlerFailed(e);
                delay = TimeSpan.FromMilliseconds(5);
            }

            due = delay is not { } d ? long.MaxValue
                : d <= TimeSpan.Zero ? now
                : now + Math.Min((long)(d.TotalSeconds * Stopwatch.Frequency), long.MaxValue / 4);
        }

        Volatile.Write(ref _nextDue, due);
        _loop?.WakeBefore(due);
    }

    private void HandlerFailed(Exception e)
    {
        Interlocked.Increment(ref _handlerFailures);
        if (ShouldLog())
        {
            LogHandlerFailed(_logger, LocalEndPoint, HandlerFailures, e);
        }
    }

    private bool ShouldLog()
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastFailureLog);
        return now - last >= LogEvery && Interlocked.CompareExchange(ref _lastFailureLog, now, last) == last;
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Could not send a datagram to {Destination}: {Error} ({Count} send failures so far; at most one logged a second)")]
    private static partial void LogSendFailed(ILogger logger, VcspAddress destination, SocketError error, long count);

    [LoggerMessage(EventId = 31, Level = LogLevel.Error, Message = "The state machine on {Local} threw; the host goes on ({Count} failures so far; at most one logged a second)")]
    private static partial void LogHandlerFailed(ILogger logger, IPEndPoint local, long count, Exception exception);
}
