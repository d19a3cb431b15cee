using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Analyzers.Tests;

/// <summary>The VCSP013 fix: a written size becomes the packet's MaxDatagramSize; a slice is left alone.</summary>
public sealed class BufferSizeCodeFixTests
{
    [Fact]
    public Task WrittenSizesBecomeThePacketsLargestSize() => Verify.CodeFixAsync<CodecUsageAnalyzer, VcspGen.Analyzers.CodeFixes.BufferSizeCodeFix>(
        Verify.Usings + """
        class C
        {
            VcspEncodeStatus Use(Response response, Ping ping)
            {
                var status = response.TryEncode({|VCSP013:new byte[16]|}, out _);
                Span<byte> onStack = stackalloc byte[8];
                status = ping.TryEncode({|VCSP013:onStack|}, out _);
                var array = new byte[128];
                return response.TryEncode({|VCSP013:array.AsSpan(0, 10)|}, out _);
            }
        }
        """,
        Verify.Usings + """
        class C
        {
            VcspEncodeStatus Use(Response response, Ping ping)
            {
                var status = response.TryEncode(new byte[Response.MaxDatagramSize], out _);
                Span<byte> onStack = stackalloc byte[Ping.MaxDatagramSize];
                status = ping.TryEncode(onStack, out _);
                var array = new byte[128];
                return response.TryEncode({|VCSP013:array.AsSpan(0, 10)|}, out _);
            }
        }
        """);
}
