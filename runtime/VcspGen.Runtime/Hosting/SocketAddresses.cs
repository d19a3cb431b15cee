using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace VcspGen.Runtime;

/// <summary>Reads a <see cref="SocketAddress"/> as a <see cref="VcspAddress"/> without allocating, and wakes blocked receives.</summary>
internal static class SocketAddresses
{
    /// <summary>
    /// Sends an empty datagram to a UDP socket's own port (loopback for a wildcard bind), so that a thread blocked in
    /// its ReceiveFrom returns and sees that it should stop.
    /// </summary>
    public static void WakeReceiver(Socket socket, IPEndPoint local)
    {
        var address = local.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : local.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : local.Address;
        try
        {
            socket.SendTo(ReadOnlySpan<byte>.Empty, SocketFlags.None, new IPEndPoint(address, local.Port));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed already: the receive has ended or will end with it.
        }
    }

    // The sockaddr layouts: port at bytes 2-3 (network order); IPv4 address at 4-7; IPv6 address at 8-23.
    public static VcspAddress ToVcspAddress(SocketAddress address)
    {
        var bytes = address.Buffer.Span;
        var port = BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(2));
        if (address.Family == AddressFamily.InterNetwork)
        {
            return VcspAddress.IPv4(bytes.Slice(4, 4), port);
        }

        var ipv6 = bytes.Slice(8, 16);
        // An IPv4 peer of a dual-mode socket arrives as ::ffff:a.b.c.d; VCSP names it as IPv4.
        return ipv6[..10].IndexOfAnyExcept((byte)0) < 0 && ipv6[10] == 0xFF && ipv6[11] == 0xFF
            ? VcspAddress.IPv4(ipv6.Slice(12, 4), port)
            : VcspAddress.IPv6(ipv6, port);
    }
}
