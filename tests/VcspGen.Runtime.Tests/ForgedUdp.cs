using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Sends UDP datagrams over IPv4 with a source address and port of the test's choosing, through a raw socket whose IP
/// header is written here (IP_HDRINCL): how an attacker spoofs a source. Loopback only; the tests run as root, as CI does.
/// </summary>
internal static class ForgedUdp
{
    /// <summary>Sends <paramref name="payload"/> to <paramref name="destination"/> as if from <paramref name="source"/>.</summary>
    public static void Send(Socket raw, IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> payload)
    {
        var ip = new byte[20 + 8 + payload.Length];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
        ip[8] = 64;
        ip[9] = 17;
        source.Address.TryWriteBytes(ip.AsSpan(12), out _);
        destination.Address.TryWriteBytes(ip.AsSpan(16), out _);
        var sum = 0u;
        for (var i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(i));
        }

        sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), (ushort)~((sum & 0xFFFF) + (sum >> 16)));
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(20), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(22), (ushort)destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(24), (ushort)(8 + payload.Length)); // checksum 0: none, which IPv4 allows
        payload.CopyTo(ip.AsSpan(28));
        raw.SendTo(ip, new IPEndPoint(destination.Address, 0));
    }

    /// <summary>A raw IPv4 socket that sends whole IP datagrams.</summary>
    public static Socket Open()
    {
        var raw = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Udp);
        raw.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.HeaderIncluded, true);
        return raw;
    }
}
