using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace VcspGen.Runtime.Tests;

/// <summary>How a <see cref="ImpairingRelay"/> mistreats datagrams: each a probability per datagram.</summary>
/// <param name="Drop">Lost.</param>
/// <param name="Duplicate">Sent twice.</param>
/// <param name="Reorder">Held back a few milliseconds, so later datagrams overtake it.</param>
internal sealed record Impairment(double Drop, double Duplicate, double Reorder);

/// <summary>
/// A UDP relay on loopback that drops, duplicates and reorders datagrams by a seeded schedule (the kernel here has no
/// netem). It stands in front of a server the way a port forward does: clients send to its public socket, and it gives
/// each client its own upstream socket towards the server, so the server sees one address per client. Every stream
/// (one client, one direction) has its own seeded random sequence, by the order in which clients first speak, so the
/// n-th datagram of a stream always meets the same fate.
/// </summary>
internal sealed class ImpairingRelay : IAsyncDisposable
{
    private readonly Socket _public;
    private readonly ConcurrentDictionary<IPEndPoint, Upstream> _upstreams = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _loops = [];
    private int _clients;
    private readonly Impairment _impairment;
    private readonly int _seed;
    private IPEndPoint? _server;
    private long _forwarded;
    private long _dropped;
    private long _duplicated;
    private long _reordered;

    public ImpairingRelay(IPAddress loopback, Impairment impairment, int seed)
    {
        _impairment = impairment;
        _seed = seed;
        _public = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _public.Bind(new IPEndPoint(loopback, 0));
        PublicEndPoint = (IPEndPoint)_public.LocalEndPoint!;
    }

    /// <summary>Where clients send: the group's address as they know it.</summary>
    public IPEndPoint PublicEndPoint { get; }

    public VcspAddress Address => VcspAddress.FromEndPoint(PublicEndPoint);

    public long Forwarded => Interlocked.Read(ref _forwarded);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Duplicated => Interlocked.Read(ref _duplicated);

    public long Reordered => Interlocked.Read(ref _reordered);

    /// <summary>Starts relaying to <paramref name="server"/>.</summary>
    public void Start(IPEndPoint server)
    {
        _server = server;
        _loops.Add(Task.Run(() => FromClientsAsync(_stop.Token)));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _public.Dispose();
        foreach (var upstream in _upstreams.Values)
        {
            upstream.Socket.Dispose();
        }

        try
        {
            await Task.WhenAll(_loops);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task FromClientsAsync(CancellationToken stop)
    {
        var buffer = new byte[2048];
        var any = new IPEndPoint(PublicEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _public.ReceiveFromAsync(buffer, SocketFlags.None, any, stop);
            }
            catch (SocketException)
            {
                continue;
            }

            var client = (IPEndPoint)received.RemoteEndPoint;
            var upstream = _upstreams.GetOrAdd(client, c =>
            {
                var created = new Upstream(c, PublicEndPoint.Address, _seed + (1000 * Interlocked.Increment(ref _clients))); // by order of arrival
                _loops.Add(Task.Run(() => FromServerAsync(created, stop)));
                return created;
            });
            Impair(buffer.AsSpan(0, received.ReceivedBytes).ToArray(), upstream.Up, d => upstream.Socket.SendTo(d, _server!));
        }
    }

    private async Task FromServerAsync(Upstream upstream, CancellationToken stop)
    {
        var buffer = new byte[2048];
        var any = new IPEndPoint(PublicEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await upstream.Socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stop);
            }
            catch (SocketException)
            {
                continue;
            }

            Impair(buffer.AsSpan(0, received.ReceivedBytes).ToArray(), upstream.Down, d => _public.SendTo(d, upstream.Client));
        }
    }

    private void Impair(byte[] datagram, Random schedule, Action<byte[]> send)
    {
        double drop, duplicate, reorder1, reorder2;
        int delay1, delay2;
        lock (schedule)
        {
            drop = schedule.NextDouble();
            duplicate = schedule.NextDouble();
            reorder1 = schedule.NextDouble();
            reorder2 = schedule.NextDouble();
            delay1 = schedule.Next(2, 30);
            delay2 = schedule.Next(2, 30);
        }

        if (drop < _impairment.Drop)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        Forward(datagram, reorder1 < _impairment.Reorder ? delay1 : 0, send);
        if (duplicate < _impairment.Duplicate)
        {
            Interlocked.Increment(ref _duplicated);
            Forward(datagram, reorder2 < _impairment.Reorder ? delay2 : 0, send);
        }
    }

    private void Forward(byte[] datagram, int delay, Action<byte[]> send)
    {
        Interlocked.Increment(ref _forwarded);
        if (delay == 0)
        {
            SafeSend(datagram, send);
            return;
        }

        Interlocked.Increment(ref _reordered);
        _ = Task.Delay(delay).ContinueWith(_ => SafeSend(datagram, send), TaskScheduler.Default);
    }

    private static void SafeSend(byte[] datagram, Action<byte[]> send)
    {
        try
        {
            send(datagram);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // The relay is stopping, or the peer went away: the datagram is lost, as on a real network.
        }
    }

    /// <summary>One client's side of the relay: its own socket towards the server, and a schedule per direction.</summary>
    private sealed class Upstream
    {
        public Upstream(IPEndPoint client, IPAddress loopback, int seed)
        {
            Client = client;
            Socket = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            Socket.Bind(new IPEndPoint(loopback, 0));
            Up = new Random(seed);
            Down = new Random(seed * 31 + 7);
        }

        public IPEndPoint Client { get; }

        public Socket Socket { get; }

        public Random Up { get; }

        public Random Down { get; }
    }
}
