using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace VcspGen.Runtime;

/// <summary>
/// The UDP edge of a state machine (a group's <see cref="GroupServer"/> or a <see cref="ClientSession"/>): a bound
/// socket, a receive thread that hands each datagram to the machine, and a poll loop that runs its timed work. Datagrams are
/// received into one buffer with blocking <see cref="Socket.ReceiveFrom(Span{byte}, SocketFlags, SocketAddress)"/> calls
/// and sent with <see cref="Socket.SendTo(ReadOnlySpan{byte}, SocketFlags, SocketAddress)"/>, so a datagram costs no
/// allocation once its peer is known. State machines are not thread-safe; the host serializes calls to them.
/// </summary>
public sealed class UdpHost : IDatagramSink, IDisposable
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan ReceiveCheck = TimeSpan.FromMilliseconds(250);

    private readonly Socket _socket;
    private readonly Lock _gate = new();
    private readonly Dictionary<VcspAddress, SocketAddress> _peers = [];
    private readonly int _maxPeers;

    /// <summary>The socket buffer size a host asks for by default: 1 MiB each way.</summary>
    public const int DefaultSocketBufferSize = 1 << 20;

    /// <summary>Binds a UDP socket to <paramref name="bind"/> (port 0 picks a free port).</summary>
    /// <param name="bind">The local endpoint.</param>
    /// <param name="maxPeers">How many peer addresses to remember for sending; the cache is cleared beyond it.</param>
    /// <param name="socketBufferSize">
    /// The receive and send buffer sizes to ask the kernel for (SO_RCVBUF, SO_SNDBUF), so that a burst (a video
    /// key frame in a call) waits in the socket instead of being dropped there. Linux grants at most twice
    /// <c>net.core.rmem_max</c> (by default 425,984 bytes, about 2,000 Media datagrams); 0 keeps the system's default.
    /// </param>
    public UdpHost(IPEndPoint bind, int maxPeers = 4096, int socketBufferSize = DefaultSocketBufferSize)
    {
        ArgumentNullException.ThrowIfNull(bind);
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (socketBufferSize > 0)
        {
            _socket.ReceiveBufferSize = socketBufferSize;
            _socket.SendBufferSize = socketBufferSize;
        }

        _socket.Bind(bind);

        // The receive thread blocks in ReceiveFrom; a timeout makes it look at its cancellation token at least this
        // often, should the wake-up datagram it is sent on cancellation ever not arrive.
        _socket.ReceiveTimeout = (int)ReceiveCheck.TotalMilliseconds;
        _maxPeers = maxPeers;
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        LocalAddress = VcspAddress.FromEndPoint(LocalEndPoint);
    }

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The bound endpoint as a VCSP address (for a server: what clients put in their join requests).</summary>
    public VcspAddress LocalAddress { get; }

    /// <summary>The receive buffer the kernel granted the socket (SO_RCVBUF, as Linux reports it: twice what was granted).</summary>
    public int ReceiveBufferSize => _socket.ReceiveBufferSize;

    /// <summary>Datagrams received.</summary>
    public long DatagramsIn { get; private set; }

    /// <summary>Datagrams sent.</summary>
    public long DatagramsOut { get; private set; }

    /// <summary>Runs the state machine until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="machine">The state machine, created with this host as its sink.</param>
    /// <param name="time">The clock the poll loop waits on.</param>
    /// <param name="cancellationToken">Stops the host.</param>
    /// <returns>A task that ends when the host stops.</returns>
    public async Task RunAsync(IVcspStateMachine machine, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(time);
        var receiving = StartReceiveThread(machine, cancellationToken);
        var polling = time == TimeProvider.System ? StartPollThread(machine, cancellationToken) : PollLoopAsync(machine, time, cancellationToken);
        try
        {
            await Task.WhenAll(receiving, polling).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is the normal way out.
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> under the lock that serializes the state machine, for calls from other
    /// threads (a console, a test) such as <see cref="ClientSession.TrySend"/>.
    /// </summary>
    /// <param name="action">What to do with the machine.</param>
    public void Invoke(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            action();
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

        _socket.SendTo(datagram, SocketFlags.None, address);
        DatagramsOut++;
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();

    /// <summary>
    /// Receives on a thread of its own with blocking calls. The socket is never used asynchronously, so it is never
    /// registered with the runtime's epoll loop: on Linux every send would otherwise wake that loop's thread
    /// (a write-space event), and every receive that has to wait would hop from that thread to a pool thread.
    /// </summary>
    private Task StartReceiveThread(IVcspStateMachine machine, CancellationToken cancellationToken) =>
        StartThread("VCSP receive ", () => ReceiveLoop(machine, cancellationToken));

    private void ReceiveLoop(IVcspStateMachine machine, CancellationToken cancellationToken)
    {
        var buffer = new byte[65536];
        var remote = new SocketAddress(_socket.AddressFamily);

        // A blocking receive does not watch the token: a datagram to ourselves wakes it when the token is cancelled.
        using var wake = cancellationToken.Register(WakeReceiver);
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(buffer, SocketFlags.None, remote);
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

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var source = SocketAddresses.ToVcspAddress(remote);
            lock (_gate)
            {
                DatagramsIn++;
                machine.Receive(buffer.AsSpan(0, received), source);
            }
        }
    }

    private void WakeReceiver() => SocketAddresses.WakeReceiver(_socket, LocalEndPoint);

    /// <summary>
    /// On the system clock the poll loop has a thread of its own that sleeps on the token's wait handle: no timer and
    /// no thread-pool hop (whose worker spins before it sleeps) every few milliseconds.
    /// </summary>
    private Task StartPollThread(IVcspStateMachine machine, CancellationToken cancellationToken) =>
        StartThread("VCSP poll ", () =>
        {
            var stop = cancellationToken.WaitHandle;
            while (!cancellationToken.IsCancellationRequested)
            {
                var delay = PollOnce(machine);
                if (delay > TimeSpan.Zero)
                {
                    stop.WaitOne(delay);
                }
            }
        });

    /// <summary>On any other clock (a test's), the poll loop waits on that clock.</summary>
    private async Task PollLoopAsync(IVcspStateMachine machine, TimeProvider time, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(PollOnce(machine), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the machine's timed work under the lock; returns how long to wait before the next run.</summary>
    private TimeSpan PollOnce(IVcspStateMachine machine)
    {
        lock (_gate)
        {
            machine.Poll();
            return machine.NextPollDelay() is { } next && next < IdlePoll ? next : IdlePoll;
        }
    }

    /// <summary>Runs <paramref name="body"/> on a background thread of its own; the task ends (or faults) with it.</summary>
    private Task StartThread(string name, Action body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                body();
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name + LocalEndPoint,
        };
        thread.Start();
        return done.Task;
    }
}
