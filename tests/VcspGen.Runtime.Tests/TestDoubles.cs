using System;
using System.Collections.Generic;

namespace VcspGen.Runtime.Tests;

/// <summary>A clock that moves only when a test says so, so the 100 ms relay window is exact.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks = TimeSpan.TicksPerDay;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public void Advance(TimeSpan by) => _ticks += by.Ticks;
}

/// <summary>Records every datagram a state machine sends (copies, since the span is only valid during the call).</summary>
internal sealed class RecordingSink : IDatagramSink
{
    public List<(byte[] Datagram, VcspAddress Destination)> Sent { get; } = [];

    /// <summary>When set, datagrams go there instead of being recorded (for allocation tests).</summary>
    public IDatagramSink? Forward { get; set; }

    public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination)
    {
        if (Forward is { } forward)
        {
            forward.Send(datagram, destination);
            return;
        }

        Sent.Add((datagram.ToArray(), destination));
    }

    public List<(byte[] Datagram, VcspAddress Destination)> Take()
    {
        var taken = new List<(byte[], VcspAddress)>(Sent);
        Sent.Clear();
        return taken;
    }
}

/// <summary>Counts datagrams without keeping them, for allocation tests.</summary>
internal sealed class CountingSink : IDatagramSink
{
    public long Count { get; private set; }

    public long Bytes { get; private set; }

    public long Msgs { get; private set; }

    public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination)
    {
        Count++;
        Msgs += datagram.Length > 1 && datagram[1] == VcspGen.Spec.Msg.Flag ? 1 : 0;
        Bytes += datagram.Length;
    }
}

/// <summary>Encodes packets for tests, asserting that they encode.</summary>
internal static class Datagrams
{
    public static byte[] Encode<T>(in T packet)
        where T : IVcspPacket<T>, allows ref struct
    {
        var buffer = new byte[T.MaxDatagramSize];
        Xunit.Assert.Equal(VcspEncodeStatus.Ok, packet.TryEncode(buffer, out var n));
        if (T.Flag == VcspGen.Spec.JoinRequest.Flag && n < VcspGen.Spec.JoinRequest.PaddedSize)
        {
            // A join request is padded as a client pads it (PROTOCOL.md §8.1): zero bytes in its last field, Padding.
            buffer[9] += (byte)(VcspGen.Spec.JoinRequest.PaddedSize - n);
            n = VcspGen.Spec.JoinRequest.PaddedSize;
        }

        return buffer[..n];
    }

    /// <summary>Encodes without the padding <see cref="Encode"/> gives a join request.</summary>
    public static byte[] EncodeUnpadded<T>(in T packet)
        where T : IVcspPacket<T>, allows ref struct
    {
        var buffer = new byte[T.MaxDatagramSize];
        Xunit.Assert.Equal(VcspEncodeStatus.Ok, packet.TryEncode(buffer, out var n));
        return buffer[..n];
    }
}

/// <summary>Files of the repository the tests read (README.md, PROTOCOL.md), found from the test's output folder.</summary>
internal static class Repository
{
    public static string ReadText(params string[] path)
    {
        var root = AppContext.BaseDirectory;
        while (!System.IO.File.Exists(System.IO.Path.Combine(root, "VcspGen.sln")))
        {
            root = System.IO.Path.GetDirectoryName(root) ?? throw new InvalidOperationException("VcspGen.sln not found above " + AppContext.BaseDirectory);
        }

        return System.IO.File.ReadAllText(System.IO.Path.Combine([root, .. path])).ReplaceLineEndings("\n");
    }
}
