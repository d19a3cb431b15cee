using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Xunit;

namespace VcspGen.Generator.Tests;

/// <summary>
/// Every spec mistake gets its diagnostic, at the declaration at fault, and the generator emits nothing for that
/// packet (so the user sees our message, not a cascade of compiler errors). Correct specs get none.
/// </summary>
public sealed class DiagnosticTests
{
    private const string Usings = "using System;\nusing VcspGen;\nnamespace User;\n";

    private static async Task<Diagnostic> SingleDiagnostic(string source, string id, string at)
    {
        var (_, _, analyzer, _) = await TestCompilation.BuildAsync(("User.cs", Usings + source));
        var diagnostic = Assert.Single(analyzer);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        var span = diagnostic.Location.SourceSpan;
        Assert.Equal(at, diagnostic.Location.SourceTree!.ToString().Substring(span.Start, span.Length));
        return diagnostic;
    }

    private static async Task AssertNotGenerated(string source, string typeName)
    {
        var (_, _, _, run) = await TestCompilation.BuildAsync(("User.cs", Usings + source));
        Assert.DoesNotContain(run.Results.Single().GeneratedSources, s => s.HintName == $"User.{typeName}.g.cs");
    }

    [Fact]
    public async Task VCSP001_NotPartial()
    {
        const string source = "[VcspPacket(0x42)] public struct Hello { public byte A; }";
        var d = await SingleDiagnostic(source, "VCSP001", "Hello");
        Assert.Contains("must be declared 'partial'", d.GetMessage(), StringComparison.Ordinal);
        await AssertNotGenerated(source, "Hello");
    }

    [Fact]
    public async Task VCSP002_UnsupportedFieldType()
    {
        const string source = "[VcspPacket(0x42)] public partial struct Hello { public byte A; public string Name; }";
        var d = await SingleDiagnostic(source, "VCSP002", "Name");
        Assert.Contains("'string'", d.GetMessage(), StringComparison.Ordinal);
        await AssertNotGenerated(source, "Hello");
    }

    [Fact]
    public async Task VCSP002_FloatAndArrayAreUnsupportedToo()
    {
        await SingleDiagnostic("[VcspPacket(0x42)] public partial struct Hello { public float A; }", "VCSP002", "A");
        await SingleDiagnostic("[VcspPacket(0x42)] public partial struct Hello { public byte[] A; }", "VCSP002", "A");
    }

    [Fact]
    public async Task VCSP003_DuplicateFlag()
    {
        const string source = "[VcspPacket(0x42)] public partial struct First { public byte A; }\n[VcspPacket(0x42)] public partial struct Second { public byte B; }";
        var d = await SingleDiagnostic(source, "VCSP003", "Second");
        Assert.Contains("0x42", d.GetMessage(), StringComparison.Ordinal);
        var (_, compiler, _, run) = await TestCompilation.BuildAsync(("User.cs", Usings + source + "\n[VcspPacket(0x43)] public partial struct Third { public byte C; }"));
        Assert.Empty(compiler); // the dispatch table leaves the clashing flag out instead of failing to compile
        var table = run.Results.Single().GeneratedSources.Single(s => s.HintName == "VcspPacketDispatcher.g.cs").SourceText.ToString();
        Assert.DoesNotContain("case 0x42", table, StringComparison.Ordinal);
        Assert.Contains("case 0x43", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VCSP004_FixedPartTooLarge()
    {
        const string source = "[VcspPacket(0x42)] public ref partial struct Big { [VcspField(LengthPrefixed = true, MinLength = 200)] public ReadOnlySpan<byte> A; }";
        var d = await SingleDiagnostic(source, "VCSP004", "Big");
        Assert.Contains("211 bytes", d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("128 bytes", d.GetMessage(), StringComparison.Ordinal);
        await AssertNotGenerated(source, "Big");
    }

    [Fact]
    public async Task VCSP004_TheMediaLayoutAllowsMore()
    {
        const string fits = "[VcspPacket(0x42, Layout = VcspLayout.Media)] public ref partial struct Big { [VcspField(LengthPrefixed = true, MinLength = 200)] public ReadOnlySpan<byte> A; }";
        var (_, compiler, analyzer, _) = await TestCompilation.BuildAsync(("User.cs", Usings + fits));
        Assert.Empty(analyzer);
        Assert.Empty(compiler);
    }

    [Fact]
    public async Task VCSP005_RestFieldNotLast()
    {
        const string source = "[VcspPacket(0x42)] public ref partial struct Hello { public ReadOnlySpan<byte> Text; public byte After; }";
        await SingleDiagnostic(source, "VCSP005", "Text");
        await AssertNotGenerated(source, "Hello");
    }

    [Fact]
    public async Task VCSP006_NestedGenericOrReadonly()
    {
        await SingleDiagnostic("public static class Outer { [VcspPacket(0x42)] public partial struct Inner { public byte A; } }", "VCSP006", "Inner");
        await SingleDiagnostic("[VcspPacket(0x42)] public partial struct Box<T> { public byte A; }", "VCSP006", "Box");
        await SingleDiagnostic("[VcspPacket(0x42)] public readonly partial struct Frozen { public readonly byte A; }", "VCSP006", "Frozen");
    }

    [Fact]
    public async Task VCSP007_ReservedMemberName()
    {
        const string source = "[VcspPacket(0x42)] public partial struct Hello { public byte A; public int EncodedSize() => 0; }";
        var d = await SingleDiagnostic(source, "VCSP007", "EncodedSize");
        Assert.Contains("'EncodedSize'", d.GetMessage(), StringComparison.Ordinal);
        await AssertNotGenerated(source, "Hello");
    }

    [Fact]
    public async Task VCSP008_InvalidFieldOptions()
    {
        await SingleDiagnostic("[VcspPacket(0x42)] public partial struct Hello { [VcspField(MaxLength = 3)] public byte A; }", "VCSP008", "A");
        await SingleDiagnostic("[VcspPacket(0x42)] public ref partial struct Hello { [VcspField(LengthPrefixed = true, MaxLength = 300)] public ReadOnlySpan<byte> A; }", "VCSP008", "A");
        await SingleDiagnostic("[VcspPacket(0x42)] public ref partial struct Hello { [VcspField(MinLength = 5, MaxLength = 3)] public ReadOnlySpan<byte> A; }", "VCSP008", "A");
        await SingleDiagnostic("[VcspPacket(0x42)] public partial struct Hello { [VcspField(MinValue = 300)] public byte A; }", "VCSP008", "A");
        await SingleDiagnostic("[VcspPacket(0x42)] public partial struct Hello { [VcspField(MinValue = 5, MaxValue = 4)] public int A; }", "VCSP008", "A");
        await SingleDiagnostic("[VcspPacket(0x42)] public ref partial struct Hello { [VcspField(MinValue = 1)] public ReadOnlySpan<byte> A; }", "VCSP008", "A");
        await SingleDiagnostic("[VcspPacket(0x42)] public partial struct Hello { [VcspField(MinValue = 1)] public float A; }", "VCSP008", "A");
        var text = await SingleDiagnostic("[VcspPacket(0x42)] public partial struct Hello { [VcspField(Text = true)] public uint A; }", "VCSP008", "A");
        Assert.Contains("Text apply only to ReadOnlySpan<byte> fields", text.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VCSP009_InvalidPacketOptions()
    {
        await SingleDiagnostic("[VcspPacket(0x42, Layout = VcspLayout.Media, Fragmentable = true)] public partial struct Hello { public byte A; }", "VCSP009", "Hello");
        await SingleDiagnostic("[VcspPacket(0x42, Layout = (VcspLayout)7)] public partial struct Hello { public byte A; }", "VCSP009", "Hello");
    }

    [Fact]
    public async Task ACorrectUserPacketGetsNoDiagnosticAndAWorkingCodec()
    {
        const string source = """
            public enum Mood : byte { Calm = 1, Busy = 2 }

            /// <summary>A status line.</summary>
            [VcspPacket(0x60, Direction = VcspDirection.ClientToServer)]
            public ref partial struct Status
            {
                public Mood Mood;
                [VcspField(MinValue = -50, MaxValue = 60)] public short Temperature;
                public VcspAddress Where;
                [VcspField(LengthPrefixed = true, MaxLength = 16)] public ReadOnlySpan<byte> Name;
                public ReadOnlySpan<byte> Note;
            }
            """;
        var (_, compiler, analyzer, run) = await TestCompilation.BuildAsync(("User.cs", Usings + source));
        Assert.Empty(analyzer);
        Assert.Empty(compiler);
        Assert.Contains(run.Results.Single().GeneratedSources, s => s.HintName == "User.Status.g.cs");
        Assert.Contains(run.Results.Single().GeneratedSources, s => s.HintName == "VcspPacketDispatcher.g.cs");
    }
}
