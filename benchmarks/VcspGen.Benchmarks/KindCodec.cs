using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>
/// Generated against hand-written, like for like (issue 15), one packet kind per type argument: decode of the kind's
/// vector (<see cref="CodecVectors"/>), encode of its field values, and dispatch of the vector through the generated
/// table (<see cref="VcspPacketDispatcher"/>) and the hand-written switch (<see cref="HandWritten.Dispatch"/>), both
/// over all 20 kinds. In each category the hand-written method is the baseline. Run with
/// <c>dotnet run -c Release --project benchmarks/VcspGen.Benchmarks -- --filter '*KindCodec*' '*RefusalCost*' --job short</c>.
/// </summary>
/// <typeparam name="TCase">The packet kind (<see cref="ICodecCase"/>).</typeparam>
[GenericTypeArguments(typeof(JoinRequestCase))]
[GenericTypeArguments(typeof(VoiceJoinCase))]
[GenericTypeArguments(typeof(SilentCase))]
[GenericTypeArguments(typeof(KickCase))]
[GenericTypeArguments(typeof(SynCase))]
[GenericTypeArguments(typeof(ResponseCase))]
[GenericTypeArguments(typeof(ResendRequestCase))]
[GenericTypeArguments(typeof(AckCase))]
[GenericTypeArguments(typeof(MediaCase))]
[GenericTypeArguments(typeof(MsgCase))]
[GenericTypeArguments(typeof(CommandCase))]
[GenericTypeArguments(typeof(CommandReplyCase))]
[GenericTypeArguments(typeof(PingCase))]
[GenericTypeArguments(typeof(PongCase))]
[GenericTypeArguments(typeof(RejectCase))]
[GenericTypeArguments(typeof(CodecRejectCase))]
[GenericTypeArguments(typeof(DirectMessageCase))]
[GenericTypeArguments(typeof(ErrorCase))]
[GenericTypeArguments(typeof(VoiceFinCase))]
[GenericTypeArguments(typeof(FinCase))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KindCodec<TCase>
    where TCase : struct, ICodecCase
{
    private readonly byte[] _destination = new byte[256];
    private TCase _case;
    private byte[] _vector = [];
    private CodecConsume.GeneratedHandler _generatedHandler;
    private CodecConsume.HandWrittenHandler _handWrittenHandler;

    /// <summary>Keeps the vector's field values.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _case = default;
        _case.Setup();
        _vector = _case.Vector;
    }

    /// <summary>Hand-written decode of the vector.</summary>
    /// <returns>The fold.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Decode")]
    public int HandWrittenDecode() => _case.HandWrittenDecode(_vector);

    /// <summary>Generated decode of the vector.</summary>
    /// <returns>The fold.</returns>
    [Benchmark]
    [BenchmarkCategory("Decode")]
    public int GeneratedDecode() => _case.GeneratedDecode(_vector);

    /// <summary>Hand-written encode of the vector's fields.</summary>
    /// <returns>Bytes written.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Encode")]
    public int HandWrittenEncode() => _case.HandWrittenEncode(_destination);

    /// <summary>Generated encode of the vector's fields.</summary>
    /// <returns>Status plus bytes written.</returns>
    [Benchmark]
    [BenchmarkCategory("Encode")]
    public int GeneratedEncode() => _case.GeneratedEncode(_destination);

    /// <summary>Hand-written dispatch of the vector.</summary>
    /// <returns>Whether it was handled.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Dispatch")]
    public bool HandWrittenDispatch() => HandWritten.Dispatch(_vector, ref _handWrittenHandler);

    /// <summary>Generated dispatch of the vector.</summary>
    /// <returns>The status.</returns>
    [Benchmark]
    [BenchmarkCategory("Dispatch")]
    public VcspDecodeStatus GeneratedDispatch() => VcspPacketDispatcher.Dispatch(_vector, ref _generatedHandler);
}
