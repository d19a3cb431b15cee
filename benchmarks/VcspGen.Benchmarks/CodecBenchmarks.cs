using System;
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>
/// Generated codec against the hand-written <see cref="HandWritten"/> baseline, per packet kind, in one run.
/// Each class is one packet kind; within a class each category (Decode, Encode, Dispatch) has its own baseline.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public abstract class CodecBenchmarkBase
{
    /// <summary>A reusable output buffer.</summary>
    protected readonly byte[] Output = new byte[256];

    /// <summary>A handler that sums what it sees, so the JIT cannot drop the work.</summary>
    protected struct SumHandler : IVcspPacketHandler
    {
        /// <summary>The running sum.</summary>
        public long Sum;

        /// <inheritdoc/>
        public void OnJoinRequest(in JoinRequest packet) => Sum += packet.Sequence + packet.Name.Length + packet.Server.Port;

        /// <inheritdoc/>
        public void OnResponse(in Response packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnReject(in Reject packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnSyn(in Syn packet) => Sum += packet.Sequence + packet.Data.Length;

        /// <inheritdoc/>
        public void OnMsg(in Msg packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnError(in Error packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnResendRequest(in ResendRequest packet) => Sum += packet.Sequence;

        public void OnAck(in Ack packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnFin(in Fin packet) => Sum += packet.Sequence + packet.Challenge;

        /// <inheritdoc/>
        public void OnDirectMessage(in DirectMessage packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnSilent(in Silent packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnKick(in Kick packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnCommand(in Command packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnCommandReply(in CommandReply packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnPing(in Ping packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnPong(in Pong packet) => Sum += packet.Sequence;

        /// <inheritdoc/>
        public void OnVoiceJoin(in VoiceJoin packet) => Sum += packet.SipPort;

        /// <inheritdoc/>
        public void OnCodecReject(in CodecReject packet) => Sum += packet.Codecs.Length;

        /// <inheritdoc/>
        public void OnVoiceFin(in VoiceFin packet) => Sum += packet.Challenge;

        /// <inheritdoc/>
        public void OnMedia(in Media packet) => Sum += packet.Timestamp + packet.Data.Length;
    }

    /// <summary>The hand-written dispatch: a switch over the flag calling the hand-written decoders.</summary>
    protected static long HandDispatch(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < 2)
        {
            return -1;
        }

        switch (datagram[1])
        {
            case 0xFF:
                return HandWritten.TryDecodeFin(datagram, out var fin) ? fin.Sequence + fin.Challenge : -1;
            case 0x2E:
                return HandWritten.TryDecodeSyn(datagram, out var syn, out var data) ? syn.Sequence + data.Length : -1;
            case 0x1F:
                return HandWritten.TryDecodeJoinRequest(datagram, out var join, out var port, out _, out _, out var name) ? join.Sequence + name.Length + port : -1;
            case 0x3E:
                return HandWritten.TryDecodeMedia(datagram, out _, out var timestamp, out _, out _, out var media) ? timestamp + media.Length : -1;
            default:
                return -1;
        }
    }
}

/// <summary>FIN (header only, 10 bytes).</summary>
public class FinCodec : CodecBenchmarkBase
{
    private readonly byte[] _datagram = Convert.FromHexString("01FF1234000000130000");
    private readonly HandWritten.TextHeader _header = new() { Flag = 0xFF, Challenge = 0x1234, Sequence = 0x13 };
    private readonly Fin _packet = new() { Challenge = 0x1234, Sequence = 0x13 };

    /// <summary>Baseline decode.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Decode")]
    public long HandWrittenDecode() => HandWritten.TryDecodeFin(_datagram, out var h) ? h.Sequence + h.Challenge : -1;

    /// <summary>Generated decode.</summary>
    [Benchmark, BenchmarkCategory("Decode")]
    public long GeneratedDecode() => Fin.TryDecode(_datagram, out var p) == VcspDecodeStatus.Ok ? p.Sequence + p.Challenge : -1;

    /// <summary>Baseline encode.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Encode")]
    public int HandWrittenEncode() => HandWritten.EncodeFin(Output, _header);

    /// <summary>Generated encode.</summary>
    [Benchmark, BenchmarkCategory("Encode")]
    public int GeneratedEncode()
    {
        _ = _packet.TryEncode(Output, out var n);
        return n;
    }

    /// <summary>Baseline dispatch.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Dispatch")]
    public long HandWrittenDispatch() => HandDispatch(_datagram);

    /// <summary>Generated dispatch.</summary>
    [Benchmark, BenchmarkCategory("Dispatch")]
    public long GeneratedDispatch()
    {
        var handler = new SumHandler();
        _ = VcspPacketDispatcher.Dispatch(_datagram, ref handler);
        return handler.Sum;
    }
}

/// <summary>SYN (header and a 64-byte message).</summary>
public class SynCodec : CodecBenchmarkBase
{
    private static readonly byte[] Message = new byte[64];
    private readonly byte[] _datagram;
    private readonly HandWritten.TextHeader _header = new() { Flag = 0x2E, Challenge = 0x1234, Sequence = 0x10 };

    /// <summary>Builds the datagram.</summary>
    public SynCodec()
    {
        _datagram = new byte[74];
        _ = new Syn { Challenge = 0x1234, Sequence = 0x10, Data = Message }.TryEncode(_datagram, out _);
    }

    /// <summary>Baseline decode.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Decode")]
    public long HandWrittenDecode() => HandWritten.TryDecodeSyn(_datagram, out var h, out var data) ? h.Sequence + data.Length : -1;

    /// <summary>Generated decode.</summary>
    [Benchmark, BenchmarkCategory("Decode")]
    public long GeneratedDecode() => Syn.TryDecode(_datagram, out var p) == VcspDecodeStatus.Ok ? p.Sequence + p.Data.Length : -1;

    /// <summary>Baseline encode.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Encode")]
    public int HandWrittenEncode() => HandWritten.EncodeSyn(Output, _header, Message);

    /// <summary>Generated encode.</summary>
    [Benchmark, BenchmarkCategory("Encode")]
    public int GeneratedEncode()
    {
        _ = new Syn { Challenge = 0x1234, Sequence = 0x10, Data = Message }.TryEncode(Output, out var n);
        return n;
    }

    /// <summary>Baseline dispatch.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Dispatch")]
    public long HandWrittenDispatch() => HandDispatch(_datagram);

    /// <summary>Generated dispatch.</summary>
    [Benchmark, BenchmarkCategory("Dispatch")]
    public long GeneratedDispatch()
    {
        var handler = new SumHandler();
        _ = VcspPacketDispatcher.Dispatch(_datagram, ref handler);
        return handler.Sum;
    }
}

/// <summary>Request (header, IPv4 address, 5-byte name).</summary>
public class JoinRequestCodec : CodecBenchmarkBase
{
    private static readonly byte[] Name = "alice"u8.ToArray();
    private static readonly VcspAddress Server = VcspAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 50429));
    private readonly byte[] _datagram = Convert.FromHexString("011F00FF12345678000E0400C4FD7F00000105616C696365");
    private readonly HandWritten.TextHeader _header = new() { Flag = 0x1F, Challenge = VcspChallenge.FirstContact, Sequence = 0x12345678 };

    /// <summary>Baseline decode.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Decode")]
    public long HandWrittenDecode() =>
        HandWritten.TryDecodeJoinRequest(_datagram, out var h, out var port, out _, out _, out var name) ? h.Sequence + name.Length + port : -1;

    /// <summary>Generated decode.</summary>
    [Benchmark, BenchmarkCategory("Decode")]
    public long GeneratedDecode() =>
        JoinRequest.TryDecode(_datagram, out var p) == VcspDecodeStatus.Ok ? p.Sequence + p.Name.Length + p.Server.Port : -1;

    /// <summary>Baseline encode.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Encode")]
    public int HandWrittenEncode() => HandWritten.EncodeJoinRequest(Output, _header, 50429, 0x7F000001, Name);

    /// <summary>Generated encode.</summary>
    [Benchmark, BenchmarkCategory("Encode")]
    public int GeneratedEncode()
    {
        _ = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 0x12345678, Server = Server, Name = Name }.TryEncode(Output, out var n);
        return n;
    }

    /// <summary>Baseline dispatch.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Dispatch")]
    public long HandWrittenDispatch() => HandDispatch(_datagram);

    /// <summary>Generated dispatch.</summary>
    [Benchmark, BenchmarkCategory("Dispatch")]
    public long GeneratedDispatch()
    {
        var handler = new SumHandler();
        _ = VcspPacketDispatcher.Dispatch(_datagram, ref handler);
        return handler.Sum;
    }
}

/// <summary>Media (media header and one 188-byte MPEG-TS packet).</summary>
public class MediaCodec : CodecBenchmarkBase
{
    private static readonly byte[] TsPacket = new byte[188];
    private readonly byte[] _datagram;

    /// <summary>Builds the datagram.</summary>
    public MediaCodec()
    {
        TsPacket[0] = 0x47;
        _datagram = new byte[200];
        _ = new Media { Challenge = 0x9ABC, Timestamp = 90000, Codec = 33, Data = TsPacket }.TryEncode(_datagram, out _);
    }

    /// <summary>Baseline decode.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Decode")]
    public long HandWrittenDecode() => HandWritten.TryDecodeMedia(_datagram, out _, out var timestamp, out _, out _, out var data) ? timestamp + data.Length : -1;

    /// <summary>Generated decode.</summary>
    [Benchmark, BenchmarkCategory("Decode")]
    public long GeneratedDecode() => Media.TryDecode(_datagram, out var p) == VcspDecodeStatus.Ok ? p.Timestamp + p.Data.Length : -1;

    /// <summary>Baseline encode.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Encode")]
    public int HandWrittenEncode() => HandWritten.EncodeMedia(Output, 0x9ABC, 90000, 0, 33, TsPacket);

    /// <summary>Generated encode.</summary>
    [Benchmark, BenchmarkCategory("Encode")]
    public int GeneratedEncode()
    {
        _ = new Media { Challenge = 0x9ABC, Timestamp = 90000, Codec = 33, Data = TsPacket }.TryEncode(Output, out var n);
        return n;
    }

    /// <summary>Baseline dispatch.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Dispatch")]
    public long HandWrittenDispatch() => HandDispatch(_datagram);

    /// <summary>Generated dispatch.</summary>
    [Benchmark, BenchmarkCategory("Dispatch")]
    public long GeneratedDispatch()
    {
        var handler = new SumHandler();
        _ = VcspPacketDispatcher.Dispatch(_datagram, ref handler);
        return handler.Sum;
    }
}
