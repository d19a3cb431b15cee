using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Xunit;

namespace VcspGen.Generator.Tests;

/// <summary>
/// The decoder's shapes a user's spec can produce, compiled and run: constant positions before the first
/// variable-size field and a tracked offset after it, and a struct with state of its own (an auto-property),
/// which the decoder must clear because it does not assign it.
/// </summary>
public sealed class DecoderShapeTests
{
    private const string Source = """
        using System;
        using System.Net;
        using System.Text;
        using VcspGen;

        namespace User;

        [VcspPacket(0x42)]
        public ref partial struct Mixed
        {
            public byte Lead;
            public VcspAddress Where;
            public ushort A;
            public uint B;
            [VcspField(LengthPrefixed = true, MaxLength = 8)]
            public ReadOnlySpan<byte> Name;
            public sbyte C;
            public ReadOnlySpan<byte> Rest;
        }

        [VcspPacket(0x43)]
        public partial struct WithState
        {
            public ushort A;

            public int Seen { get; set; }
        }

        public static class Probe
        {
            public static string Run()
            {
                var buffer = new byte[128];
                var mixed = new Mixed
                {
                    Challenge = 0x1234, Sequence = 7, Lead = 0x11, Where = VcspAddress.FromEndPoint(new IPEndPoint(IPAddress.IPv6Loopback, 5000)),
                    A = 0xBEEF, B = 0xCAFEBABE, Name = "bob"u8, C = -3, Rest = "xyz"u8,
                };
                var encoded = mixed.TryEncode(buffer, out var length);
                var decoded = Mixed.TryDecode(buffer.AsSpan(0, length), out var back);
                var cut = buffer.AsSpan(0, 36).ToArray(); // ends inside B
                cut[9] = 36 - 10;
                var truncated = Mixed.TryDecode(cut, out _);

                _ = new WithState { Challenge = 0x1234, A = 5, Seen = 3 }.TryEncode(buffer, out var stateLength);
                var state = new WithState { Seen = 99 };
                var stateDecoded = WithState.TryDecode(buffer.AsSpan(0, stateLength), out state);
                return $"{encoded} {length} {decoded} {back.Lead:X} {back.Where} {back.A:X} {back.B:X} {Encoding.ASCII.GetString(back.Name)} {back.C} "
                    + $"{Encoding.ASCII.GetString(back.Rest)} {truncated} | {stateDecoded} {state.A} {state.Seen}";
            }
        }
        """;

    [Fact]
    public async Task EveryShapeCompilesRoundTripsAndClearsStateTheWireDoesNotCarry()
    {
        var (output, compiler, analyzer, run) = await TestCompilation.BuildAsync(("User.cs", Source));
        Assert.Empty(compiler);
        Assert.Empty(analyzer);
        var sources = run.Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

        // Lead, Where's start and the header are at constant positions; after the address, an offset is tracked.
        var mixed = sources["User.Mixed.g.cs"];
        Assert.Contains("datagram[HeaderSize]", mixed, StringComparison.Ordinal);
        Assert.Contains("VcspAddress.TryRead(datagram.Slice(HeaderSize + 1)", mixed, StringComparison.Ordinal);
        Assert.Contains("ReadUInt16BigEndian(datagram.Slice(offset, 2))", mixed, StringComparison.Ordinal);
        Assert.DoesNotContain("        packet = default;\n            packet.Challenge", mixed, StringComparison.Ordinal);
        Assert.Contains("packet = default;\n            packet.Challenge = challenge;", sources["User.WithState.g.cs"], StringComparison.Ordinal);

        using var stream = new MemoryStream();
        var emit = output.Emit(stream, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        var probe = Assembly.Load(stream.ToArray()).GetType("User.Probe")!.GetMethod("Run")!;
        var result = (string)probe.Invoke(null, null)!;

        // 10 header + 1 + 20 (IPv6) + 2 + 4 + 1 + 3 + 1 + 3 = 45 bytes; cut inside B (with a length byte that
        // agrees), the tracked offset's check refuses it as truncated.
        Assert.Equal("Ok 45 Ok 11 [::1]:5000 BEEF CAFEBABE bob -3 xyz Truncated | Ok 5 0", result);
    }
}
