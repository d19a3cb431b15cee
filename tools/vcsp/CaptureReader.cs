using System;
using System.Collections.Generic;
using System.Net;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Vcsp.Cli;

/// <summary>One UDP datagram read from a capture: its frame number (1-based, as Wireshark counts), when, from where, to where, and its payload.</summary>
internal readonly record struct CapturedDatagram(int Frame, DateTime Time, IPEndPoint Source, IPEndPoint Destination, byte[] Payload);

/// <summary>
/// Reads the UDP datagrams of a pcap or pcapng capture through libpcap (SharpPcap's file reader) and PacketDotNet's
/// packet parser; packets that are not UDP over IPv4 or IPv6 are skipped.
/// </summary>
internal static class CaptureReader
{
    /// <summary>The UDP datagrams of the capture at <paramref name="path"/>, in capture order; throws <see cref="PcapException"/> when libpcap cannot read it.</summary>
    public static IEnumerable<CapturedDatagram> Read(string path)
    {
        using var device = new CaptureFileReaderDevice(path);
        device.Open();
        var frame = 0;
        while (device.GetNextPacket(out var capture) == GetPacketStatus.PacketRead)
        {
            frame++;
            var raw = capture.GetPacket();
            Packet packet;
            try
            {
                packet = raw.GetPacket();
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
            {
                continue; // a frame PacketDotNet cannot parse is not a datagram we can show
            }

            if (packet?.Extract<UdpPacket>() is not { } udp || udp.ParentPacket is not IPPacket ip)
            {
                continue;
            }

            yield return new CapturedDatagram(
                frame,
                raw.Timeval.Date,
                new IPEndPoint(ip.SourceAddress, udp.SourcePort),
                new IPEndPoint(ip.DestinationAddress, udp.DestinationPort),
                udp.PayloadData ?? []);
        }
    }
}
