using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Analyzers.Tests;

/// <summary>VCSP012 (an ignored decode or encode result) and VCSP013 (an encode buffer smaller than the packet can be).</summary>
public sealed class CodecUsageAnalyzerTests
{
    [Fact]
    public Task IgnoredDecodeAndEncodeResultsAreFlagged() => Verify.AnalyzerAsync<CodecUsageAnalyzer>(Verify.Usings + """
        static class C
        {
            static void Use(ReadOnlySpan<byte> datagram, Span<byte> buffer, Ping ping, Wrapper? wrapper)
            {
                {|VCSP012:Ping.TryDecode(datagram, out var decoded)|};
                {|VCSP012:ping.TryEncode(buffer, out _)|};
                wrapper?{|VCSP012:.Encode(buffer)|};
            }

            internal sealed class Wrapper
            {
                public VcspEncodeStatus Encode(Span<byte> buffer) => new Fin { Challenge = 7 }.TryEncode(buffer, out _);
            }
        }
        """);

    [Fact]
    public Task UsedOrDeliberatelyDiscardedResultsAreNotFlagged() => Verify.AnalyzerAsync<CodecUsageAnalyzer>(Verify.Usings + """
        static class C
        {
            static int Use(ReadOnlySpan<byte> datagram, Span<byte> buffer, Ping ping)
            {
                _ = ping.TryEncode(buffer, out _);
                var status = Ping.TryDecode(datagram, out var decoded);
                if (ping.TryEncode(buffer, out var written) != VcspEncodeStatus.Ok)
                {
                    return -1;
                }

                Log(Ping.TryDecode(datagram, out _));
                return status == VcspDecodeStatus.Ok ? written : 0;
            }

            static void Log(VcspDecodeStatus status) { }
        }
        """);

    [Fact]
    public Task BuffersKnownToBeTooSmallAreFlagged() => Verify.AnalyzerAsync<CodecUsageAnalyzer>(Verify.Usings + """
        class C
        {
            private readonly byte[] _small = new byte[20];

            VcspEncodeStatus Use(Response response, Ping ping)
            {
                var status = response.TryEncode({|VCSP013:new byte[16]|}, out _);
                Span<byte> onStack = stackalloc byte[32];
                status = response.TryEncode({|VCSP013:onStack|}, out _);
                var array = new byte[128];
                status = response.TryEncode({|VCSP013:array.AsSpan(0, 10)|}, out _);
                status = response.TryEncode({|VCSP013:_small|}, out _);
                status = ping.TryEncode({|VCSP013:stackalloc byte[] { 1, 2, 3 }|}, out _);
                return ping.TryEncode({|VCSP013:array.AsSpan().Slice(4, 17)|}, out _);
            }
        }
        """);

    [Fact]
    public Task BuffersLargeEnoughOrOfUnknownLengthAreNotFlagged() => Verify.AnalyzerAsync<CodecUsageAnalyzer>(Verify.Usings + """
        class C
        {
            private readonly byte[] _datagram = new byte[VcspWire.TextDatagramLimit];
            private readonly byte[] _resized = new byte[8];

            C(int size) => _resized = new byte[size];

            VcspEncodeStatus Use(Response response, Ping ping, Span<byte> given, int size)
            {
                var status = response.TryEncode(new byte[Response.MaxDatagramSize], out _);
                Span<byte> onStack = stackalloc byte[128];
                status = response.TryEncode(onStack, out _);
                status = response.TryEncode(given, out _);
                status = response.TryEncode(new byte[size], out _);
                status = response.TryEncode(_datagram, out _);
                status = response.TryEncode(_resized, out _);
                var reused = new byte[4];
                reused = new byte[64];
                status = response.TryEncode(reused, out _);
                return ping.TryEncode(new byte[Ping.MaxDatagramSize], out _);
            }
        }
        """);
}
