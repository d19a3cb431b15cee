using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace VcspGen.Runtime;

/// <summary>
/// One thread that serves many UDP sockets: it waits for any of them to be readable, or for the earliest timed work of
/// their state machines, with one <c>Socket.Select</c> (poll(2) on Linux), hands each
/// datagram to its <see cref="UdpHost"/>, and runs the polls that are due. A process holds a few of these whatever
/// its group count: a thousand groups cost a thousand sockets, not a thousand threads. The sockets stay blocking and
/// are never used asynchronously, so they never enter .NET's epoll thread (whose wake-up on every send cost a third of
/// the relay's throughput, <c>benchmarks/README.md</c>).
/// </summary>
internal sealed class EventLoop : IDisposable
{
    /// <summary>The longest the loop sleeps with nothing due: a bound on a missed wake-up, not a schedule.</summary>
    private static readonly long MaxWait = Stopwatch.Frequency / 4;

    private readonly string _name;
    private readonly ConcurrentQueue<(UdpHost Host, bool Add)> _changes = new();
    private readonly List<UdpHost> _hosts = [];
    private readonly Dictionary<Socket, UdpHost> _bySocket = [];
    private readonly List<Socket> _select = [];
    private readonly Socket _wake;
    private readonly EndPoint _wakeAddress;
    private readonly byte[] _buffer = new byte[65536];
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _startGate = new();
    private Task? _running;
    private long _plannedWake = long.MinValue;
    private int _wakePending;
    private int _hostCount;
    private int _threadId = -1;

    /// <summary>Creates a loop; its thread starts with the first host.</summary>
    /// <param name="name">The thread's name.</param>
    public EventLoop(string name)
    {
        _name = name;
        _wake = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _wake.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _wakeAddress = _wake.LocalEndPoint!;
    }

    /// <summary>How many hosts the loop serves.</summary>
    public int HostCount => Volatile.Read(ref _hostCount);

    /// <summary>Adds a host (from any thread); its datagrams and polls run on this loop from the next turn.</summary>
    /// <param name="host">The host, with its machine attached.</param>
    public void Add(UdpHost host)
    {
        Interlocked.Increment(ref _hostCount);
        _changes.Enqueue((host, true));
        EnsureStarted();
        Wake();
    }

    /// <summary>Removes a host (from any thread); <see cref="UdpHost"/> is told on the loop's thread once it is out.</summary>
    /// <param name="host">The host.</param>
    public void Remove(UdpHost host)
    {
        _changes.Enqueue((host, false));
        Wake();
    }

    /// <summary>Makes the loop look again before <paramref name="due"/> (a Stopwatch timestamp), if it would sleep past it.</summary>
    /// <param name="due">When a host next has timed work.</param>
    /// <remarks>
    /// On the loop's own thread nothing is needed: it plans its next wait after the work it is doing. From another
    /// thread (an <see cref="UdpHost.Invoke"/>), the loop is woken when it sleeps past <paramref name="due"/>, or when it
    /// is awake (it may have read the host's due time just before it changed, and be about to sleep on the old one).
    /// </remarks>
    public void WakeBefore(long due)
    {
        if (Environment.CurrentManagedThreadId == Volatile.Read(ref _threadId))
        {
            return;
        }

        var planned = Volatile.Read(ref _plannedWake);
        if (planned == long.MinValue || due < planned)
        {
            Wake();
        }
    }

    /// <summary>Stops the thread; hosts still on the loop are told they are out.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        Wake();
        Task? running;
        lock (_startGate)
        {
            running = _running;
        }

        // Not when stopping from the loop's own thread (a callback), which ends on its own once this returns.
        if (running is not null && Environment.CurrentManagedThreadId != Volatile.Read(ref _threadId))
        {
            try
            {
                running.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // The loop failed; its hosts' tasks carry the error.
            }
        }

        _wake.Dispose();
    }

    private void EnsureStarted()
    {
        lock (_startGate)
        {
            _running ??= DedicatedThread.Start(_name, Run);
        }
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            try
            {
                _wake.SendTo(ReadOnlySpan<byte>.Empty, SocketFlags.None, _wakeAddress);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Stopped already, or the kernel is out of buffers: the loop looks again within MaxWait anyway.
            }
        }
    }

    private void Run()
    {
        Volatile.Write(ref _threadId, Environment.CurrentManagedThreadId);
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            ApplyChanges();
            var now = Stopwatch.GetTimestamp();
            var earliest = now + MaxWait;
            foreach (var host in _hosts)
            {
                if (host.NextDue <= now)
                {
                    host.PollNow();
                }

                earliest = Math.Min(earliest, host.NextDue);
            }

            Volatile.Write(ref _plannedWake, earliest);
            _select.Clear();
            _select.Add(_wake);
            foreach (var host in _hosts)
            {
                _select.Add(host.Socket);
            }

            var wait = Math.Max(0, earliest - Stopwatch.GetTimestamp());
            if (!TrySelect((int)Math.Min(int.MaxValue, wait * 1_000_000 / Stopwatch.Frequency)))
            {
                continue;
            }

            Volatile.Write(ref _plannedWake, long.MinValue); // awake: WakeBefore from another thread wakes it again
            foreach (var socket in _select)
            {
                if (ReferenceEquals(socket, _wake))
                {
                    DrainWake();
                }
                else if (_bySocket.TryGetValue(socket, out var host))
                {
                    host.ReceiveReady(_buffer);
                }
            }
        }

        foreach (var host in _hosts)
        {
            host.Detached();
        }

        _hosts.Clear();
        while (_changes.TryDequeue(out var change))
        {
            change.Host.Detached();
        }
    }

    private bool TrySelect(int microseconds)
    {
        try
        {
            Socket.Select(_select, null, null, microseconds);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A host's socket was closed under the loop (disposed before it stopped): take it out and go on.
            for (var i = _hosts.Count - 1; i >= 0; i--)
            {
                if (_hosts[i].IsClosed)
                {
                    _bySocket.Remove(_hosts[i].Socket);
                    _hosts[i].Detached();
                    _hosts.RemoveAt(i);
                }
            }

            return false;
        }
    }

    private void ApplyChanges()
    {
        while (_changes.TryDequeue(out var change))
        {
            if (change.Add)
            {
                _hosts.Add(change.Host);
                _bySocket[change.Host.Socket] = change.Host;
            }
            else if (_hosts.Remove(change.Host))
            {
                _bySocket.Remove(change.Host.Socket);
                Interlocked.Decrement(ref _hostCount);
                change.Host.Detached();
            }
        }
    }

    private void DrainWake()
    {
        Volatile.Write(ref _wakePending, 0);
        try
        {
            while (_wake.Available > 0 || _wake.Poll(0, SelectMode.SelectRead))
            {
                _wake.Receive(_buffer);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Nothing to drain.
        }
    }
}
