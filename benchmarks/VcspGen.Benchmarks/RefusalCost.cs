using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>
/// What the generated decoders' refusal reason costs (issue 15): a refused datagram decoded by the generated code,
/// keeping its <see cref="VcspDecodeStatus"/> and reduced to a yes or no, against the hand-written decoder's bool.
/// Three refusals: a JoinRequest whose name length is 0 (found late, after the address), a Msg with a member's
/// challenge where 0xFFFF belongs (found in the header), and a Media datagram whose length byte is wrong.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RefusalCost
{
    private byte[] _joinRequest = [];
    private byte[] _msg = [];
    private byte[] _media = [];

    /// <summary>Spoils one byte of each vector.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _joinRequest = (byte[])CodecVectors.JoinRequest.Clone();
        _joinRequest[HandWritten.TextHeaderSize + HandWritten.IPv4AddressSize] = 0;
        _msg = (byte[])CodecVectors.Msg.Clone();
        _msg[2] = 0x12;
        _media = (byte[])CodecVectors.Media.Clone();
        _media[4]--;
    }

    /// <summary>Hand-written: JoinRequest with an empty name.</summary>
    /// <returns>False.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("JoinRequestName")]
    public bool HandWrittenJoinRequest() => HandWritten.TryDecodeJoinRequest(_joinRequest, out _);

    /// <summary>Generated, with the reason: JoinRequest with an empty name.</summary>
    /// <returns>FieldLength.</returns>
    [Benchmark]
    [BenchmarkCategory("JoinRequestName")]
    public VcspDecodeStatus GeneratedJoinRequestReason() => JoinRequest.TryDecode(_joinRequest, out _);

    /// <summary>Generated, reduced to a bool: JoinRequest with an empty name.</summary>
    /// <returns>False.</returns>
    [Benchmark]
    [BenchmarkCategory("JoinRequestName")]
    public bool GeneratedJoinRequestBool() => JoinRequest.TryDecode(_joinRequest, out _) == VcspDecodeStatus.Ok;

    /// <summary>Hand-written: Msg with a member's challenge.</summary>
    /// <returns>False.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("MsgChallenge")]
    public bool HandWrittenMsg() => HandWritten.TryDecodeMsg(_msg, out _);

    /// <summary>Generated, with the reason: Msg with a member's challenge.</summary>
    /// <returns>ReservedChallenge.</returns>
    [Benchmark]
    [BenchmarkCategory("MsgChallenge")]
    public VcspDecodeStatus GeneratedMsgReason() => Msg.TryDecode(_msg, out _);

    /// <summary>Generated, reduced to a bool: Msg with a member's challenge.</summary>
    /// <returns>False.</returns>
    [Benchmark]
    [BenchmarkCategory("MsgChallenge")]
    public bool GeneratedMsgBool() => Msg.TryDecode(_msg, out _) == VcspDecodeStatus.Ok;

    /// <summary>Hand-written: Media with a wrong length byte.</summary>
    /// <returns>False.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("MediaLength")]
    public bool HandWrittenMedia() => HandWritten.TryDecodeMedia(_media, out _);

    /// <summary>Generated, with the reason: Media with a wrong length byte.</summary>
    /// <returns>BadLength.</returns>
    [Benchmark]
    [BenchmarkCategory("MediaLength")]
    public VcspDecodeStatus GeneratedMediaReason() => Media.TryDecode(_media, out _);

    /// <summary>Generated, reduced to a bool: Media with a wrong length byte.</summary>
    /// <returns>False.</returns>
    [Benchmark]
    [BenchmarkCategory("MediaLength")]
    public bool GeneratedMediaBool() => Media.TryDecode(_media, out _) == VcspDecodeStatus.Ok;
}
