using System;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// Random and mutated datagrams never make a decoder throw, and whatever is accepted re-encodes to the same
/// bytes (the encoding is canonical). Decode, dispatch and encode allocate nothing.
/// </summary>
public sealed class FuzzAndAllocationTests
{
    [Fact]
    public void RandomDatagramsNeverThrowAndAcceptedOnesReencodeIdentically()
    {
        var random = new Random(20261125);
        var handler = new RecordingHandler();
        var datagram = new byte[300];
        var accepted = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var length = random.Next(0, datagram.Length);
            random.NextBytes(datagram.AsSpan(0, length));
            if (length > 1 && i % 2 == 0)
            {
                // Make half of them plausible, so decoding gets past the header checks.
                datagram[0] = VcspWire.Version;
                datagram[1] = PacketKind.All[random.Next(PacketKind.All.Count)].Vector[1];
            }

            accepted += CheckOne(datagram.AsSpan(0, length), ref handler);
        }

        Assert.True(accepted > 0, "no random datagram was accepted: the fuzz never reached the body decoders");
    }

    [Fact]
    public void MutatedGoldenVectorsNeverThrowAndAcceptedOnesReencodeIdentically()
    {
        var random = new Random(7);
        var handler = new RecordingHandler();
        foreach (var kind in PacketKind.All)
        {
            for (var i = 0; i < 5_000; i++)
            {
                var copy = (byte[])kind.Vector.Clone();
                var flips = random.Next(1, 4);
                for (var f = 0; f < flips; f++)
                {
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                }

                CheckOne(copy, ref handler);
            }
        }
    }

    private static int CheckOne(ReadOnlySpan<byte> datagram, ref RecordingHandler handler)
    {
        var calls = handler.Calls;
        var status = VcspPacketDispatcher.Dispatch(datagram, ref handler);
        if (status != VcspDecodeStatus.Ok)
        {
            Assert.Equal(calls, handler.Calls);
            return 0;
        }

        Assert.Equal(VcspEncodeStatus.Ok, handler.LastEncode);
        Assert.Equal(Hex.Of(datagram), Hex.Of(handler.LastDatagram));
        return 1;
    }

    [Fact]
    public void DecodeDispatchAndEncodeOfEveryPacketKindAllocateNothing()
    {
        var handler = new RecordingHandler();
        var vectors = new byte[PacketKind.All.Count][];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = PacketKind.All[i].Vector;
        }

        // Warm up: JIT and tiering happen here, not in the measured loop.
        for (var round = 0; round < 200; round++)
        {
            DispatchAll(vectors, ref handler);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 1_000; round++)
        {
            DispatchAll(vectors, ref handler);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1_200 * vectors.Length, handler.Calls);
    }

    private static void DispatchAll(byte[][] vectors, ref RecordingHandler handler)
    {
        foreach (var vector in vectors)
        {
            var status = VcspPacketDispatcher.Dispatch(vector, ref handler);
            if (status != VcspDecodeStatus.Ok || handler.LastEncode != VcspEncodeStatus.Ok)
            {
                throw new InvalidOperationException($"vector {handler.LastPacket} failed: {status}/{handler.LastEncode}");
            }
        }
    }
}
