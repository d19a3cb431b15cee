using System;
using System.Net;
using System.Net.Sockets;

namespace VcspGen.Benchmarks;

/// <summary>What the relay suites share: loopback sockets with large buffers, the raw fan-out baseline, and checks.</summary>
internal static class RawRelay
{
    private const int SocketBuffer = 4 << 20;

    /// <summary>A UDP socket on 127.0.0.1 with 4 MiB buffers each way.</summary>
    public static Socket NewSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = SocketBuffer,
            SendBufferSize = SocketBuffer,
        };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    /// <summary>The raw relay: receive a datagram, send it to every target, nothing else (until the socket closes).</summary>
    public static void FanOut(Socket relay, SocketAddress[] targets)
    {
        var buffer = new byte[2048];
        var source = new SocketAddress(AddressFamily.InterNetwork);
        while (true)
        {
            int received;
            try
            {
                received = relay.ReceiveFrom(buffer, SocketFlags.None, source);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            var datagram = buffer.AsSpan(0, received);
            foreach (var target in targets)
            {
                relay.SendTo(datagram, SocketFlags.None, target);
            }
        }
    }

    /// <summary>Throws when a benchmark's run went wrong (a lost datagram, a stall), so no number is reported for it.</summary>
    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }
}
