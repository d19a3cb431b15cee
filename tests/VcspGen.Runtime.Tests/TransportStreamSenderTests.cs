using System;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>The transport-stream packer: whole 188-byte packets, one per Media datagram, garbage counted (PROTOCOL.md §12.7).</summary>
public sealed class TransportStreamSenderTests
{
    [Fact]
    public async Task EveryWholePacketGoesOutInOneMediaDatagramAndGarbageIsCounted()
    {
        var lab = new CallLab();
        byte[] ts = [(byte)VcspCodec.Mp2t];
        var alice = lab.JoinCall("alice", ts);
        var bob = lab.JoinCall("bob", ts);
        Assert.Equal((byte)VcspCodec.Mp2t, alice.Call.Codec);

        var packets = Enumerable.Range(0, 5).Select(Packet).ToArray();
        var input = new MemoryStream();
        input.Write([1, 2, 3]); // not a packet: skipped up to the sync byte
        foreach (var packet in packets)
        {
            input.Write(packet);
        }

        input.Write(Packet(99).AsSpan(0, 100)); // a cut last packet
        input.Position = 0;

        using var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
        var sender = new TransportStreamSender(host, alice.Call, lab.Time, realTime: false);
        var result = await sender.SendAsync(PipeReader.Create(input, new StreamPipeReaderOptions(bufferSize: 64)), TestContext.Current.CancellationToken);
        lab.Pump();

        Assert.Equal(new TransportStreamResult(5, 0, 103), result);
        Assert.Equal(packets, bob.Calls.Media.Select(m => m.Data));
        Assert.All(bob.Calls.Media, m => Assert.Equal((byte)VcspCodec.Mp2t, m.Codec));
    }

    [Fact]
    public async Task PacketsAreRefusedAndCountedWhenNotInTheCall()
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice");
        using var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
        var sender = new TransportStreamSender(host, alice.Call, lab.Time, realTime: false);
        var result = await sender.SendAsync(PipeReader.Create(new MemoryStream([.. Packet(1), .. Packet(2)])), TestContext.Current.CancellationToken);
        Assert.Equal(new TransportStreamResult(0, 2, 0), result);
    }

    [Fact]
    public void ThePcrBaseIsReadFromTheAdaptationField()
    {
        var packet = Packet(0);
        packet[3] = 0x30; // adaptation field and payload
        packet[4] = 7;
        packet[5] = 0x10; // PCR_flag

        // PCR base 0x1_2345_6789 (33 bits), reserved bits set, extension 0.
        const long Base = 0x123456789;
        packet[6] = unchecked((byte)(Base >> 25));
        packet[7] = unchecked((byte)(Base >> 17));
        packet[8] = unchecked((byte)(Base >> 9));
        packet[9] = unchecked((byte)(Base >> 1));
        packet[10] = (byte)(((Base & 1) << 7) | 0x7E);
        Assert.Equal(Base, TransportStreamSender.ReadPcrBase(packet));

        packet[5] = 0; // no PCR
        Assert.Null(TransportStreamSender.ReadPcrBase(packet));
        Assert.Null(TransportStreamSender.ReadPcrBase(Packet(1)));
    }

    private static byte[] Packet(int seed)
    {
        var packet = new byte[TransportStreamSender.PacketSize];
        new Random(seed).NextBytes(packet);
        packet[0] = TransportStreamSender.SyncByte;
        packet[3] = 0x10; // payload only: no adaptation field, so no PCR
        for (var i = 1; i < packet.Length; i++)
        {
            packet[i] = packet[i] == TransportStreamSender.SyncByte ? (byte)0x46 : packet[i]; // one sync byte per packet
        }

        return packet;
    }
}
