using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace VcspGen.Generator.Tests;

/// <summary>
/// The generated Wireshark dissector (<c>VcspDissector.Lua</c>): one per assembly, in the dispatcher's namespace,
/// covering that assembly's kinds with their fields, enums and summaries. Set <c>VCSP_WRITE_DISSECTORS=FOLDER</c> to
/// have these tests write the scripts there (for loading them into tshark by hand).
/// </summary>
public sealed class DissectorTests
{
    /// <summary>A user's assembly: its own kind with a [Flags] enum, a signed integer, a bounded 64-bit integer and text.</summary>
    private const string UserSource = """
        using System;
        using VcspGen;

        namespace NudgeApp;

        /// <summary>What a nudge asks for.</summary>
        [Flags]
        public enum NudgeOptions : byte
        {
            /// <summary>Nothing.</summary>
            None = 0,

            /// <summary>Make a sound.</summary>
            Sound = 1,

            /// <summary>Shake the window.</summary>
            Shake = 2,

            /// <summary>Both.</summary>
            Both = 3,
        }

        /// <summary>A packet kind of the user's own.</summary>
        [VcspPacket(0x77, Direction = VcspDirection.ClientToServer)]
        public ref partial struct Nudge
        {
            /// <summary>How many nudges.</summary>
            public uint Count;

            /// <summary>What the nudge asks for.</summary>
            public NudgeOptions Options;

            /// <summary>A temperature "offset", in <see cref="Nudge"/> units.</summary>
            public short Offset;

            /// <summary>A deadline, 1 to 2^40.</summary>
            [VcspField(MinValue = 1, MaxValue = 1099511627776)]
            public ulong Deadline;

            /// <summary>A short note, UTF-8, length-prefixed.</summary>
            [VcspField(LengthPrefixed = true, MaxLength = 16, Text = true)]
            public ReadOnlySpan<byte> Note;
        }
        """;

    [Fact]
    public async Task TheSpecAssemblyGetsOneDissectorCoveringEveryKind()
    {
        var (output, compiler, _, run) = await TestCompilation.BuildAsync("VcspGen.Spec", [.. TestCompilation.SpecSources()]);
        Assert.Empty(compiler);
        var lua = Lua(output, "VcspGen.Spec.VcspDissector");
        Write("VcspGen.Spec.lua", lua);

        Assert.Single(run.Results.Single().GeneratedSources, s => s.HintName == "VcspDissector.g.cs");
        Assert.Contains("Proto(\"vcsp\", \"Video-Chat Streaming Protocol\")", lua, StringComparison.Ordinal);
        Assert.Contains("proto:register_heuristic(\"udp\", heuristic)", lua, StringComparison.Ordinal);
        Assert.Contains("Pref.range(\"UDP ports\", ports,", lua, StringComparison.Ordinal);
        Assert.Contains("local ports = \"50429\"", lua, StringComparison.Ordinal);
        Assert.Contains("_G.vcsp_dissector_registry", lua, StringComparison.Ordinal);
        foreach (var (flag, name) in new[] { (0x1F, "JoinRequest"), (0x3E, "Media"), (0xEF, "VoiceFin"), (0xFF, "Fin"), (0xD3, "DirectMessage") })
        {
            Assert.Contains($"flag = 0x{flag:X2}, name = \"{name}\"", lua, StringComparison.Ordinal);
        }

        Assert.Equal(20, lua.Split("        flag = 0x").Length - 1);
        Assert.Contains("R.address(list, \"vcsp.join_request.server\", \"Server\", \"The group's address and port as the client addressed it; the server checks it is its own.\")", lua, StringComparison.Ordinal);
        Assert.Contains("R.bytes(list, \"vcsp.join_request.name\", \"Name\", \"The client's display name: UTF-8, 1 to 32 bytes.\", { prefixed = true, text = true, min = 1, max = 32 })", lua, StringComparison.Ordinal);
        Assert.Contains("names = { [1] = \"VersionMismatch\", [2] = \"AddressMismatch\"", lua, StringComparison.Ordinal);
        Assert.Contains("\"vcsp.resend_request.count\", \"Count\", \"How many consecutive sequence numbers are missing, 1 to 255.\", 1, false, { min = 1 })", lua, StringComparison.Ordinal);

    }

    [Fact]
    public async Task AUserAssemblyGetsItsOwnDissectorWithItsKinds()
    {
        var (output, compiler, analyzer, _) = await TestCompilation.BuildAsync("NudgeApp", ("Nudge.cs", UserSource));
        Assert.Empty(compiler);
        Assert.Empty(analyzer);
        var lua = Lua(output, "NudgeApp.VcspDissector");
        Write("NudgeApp.lua", lua);

        Assert.Contains("local ASSEMBLY = \"NudgeApp\"", lua, StringComparison.Ordinal);
        Assert.Contains("flag = 0x77, name = \"Nudge\"", lua, StringComparison.Ordinal);
        Assert.Contains("R.integer(list, \"vcsp.nudge.count\", \"Count\", \"How many nudges.\", 4, false, {})", lua, StringComparison.Ordinal);
        Assert.Contains("bits = { { \"sound\", \"Sound\", 1 }, { \"shake\", \"Shake\", 2 } }", lua, StringComparison.Ordinal);
        Assert.DoesNotContain("valid = { [\"0\"]", lua, StringComparison.Ordinal); // a [Flags] enum takes any bits
        Assert.Contains("\"vcsp.nudge.offset\", \"Offset\", \"A temperature \\\"offset\\\", in Nudge units.\", 2, true, {})", lua, StringComparison.Ordinal);
        Assert.Contains("min = UInt64.fromhex(\"0000000000000001\"), max = UInt64.fromhex(\"0000010000000000\")", lua, StringComparison.Ordinal);
        Assert.Contains("{ prefixed = true, text = true, min = 0, max = 16 }", lua, StringComparison.Ordinal);
    }

    [Fact]
    public void SummariesAreReadWhenTheCompilationDoesNotParseDocComments()
    {
        var options = TestCompilation.ParseOptions.WithDocumentationMode(DocumentationMode.None);
        var compilation = TestCompilation.Create("NudgeApp").AddSyntaxTrees(CSharpSyntaxTree.ParseText(UserSource, options, "Nudge.cs", cancellationToken: TestContext.Current.CancellationToken));
        var driver = CSharpGeneratorDriver.Create([new VcspPacketGenerator().AsSourceGenerator()], parseOptions: options);
        var run = driver.RunGenerators(compilation, TestContext.Current.CancellationToken).GetRunResult().Results.Single();
        var text = run.GeneratedSources.Single(s => s.HintName == "NudgeApp.Nudge.g.cs").SourceText.ToString();
        Assert.Contains("\"\"vcsp.nudge.count\"\", \"\"Count\"\", \"\"How many nudges.\"\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAssemblyWithoutPacketsGetsNoDissector()
    {
        var compilation = TestCompilation.Create(("Empty.cs", "namespace Nothing; internal static class Here { }"));
        var run = TestCompilation.CreateDriver().RunGenerators(compilation, TestContext.Current.CancellationToken).GetRunResult().Results.Single();
        Assert.Empty(run.GeneratedSources);
    }

    [Theory]
    [InlineData("JoinRequest", "join_request")]
    [InlineData("InReplyTo", "in_reply_to")]
    [InlineData("IPv6Address", "ipv6_address")]
    [InlineData("HTTPServer", "http_server")]
    [InlineData("Sip2Port", "sip2_port")]
    public void FilterNamesAreSnakeCase(string name, string expected) =>
        Assert.Equal(expected, Emitting.LuaFieldWriter.SnakeCase(name));

    /// <summary>Compiles the output and reads the constant, as <c>vcsp dissector</c> does, and the property, as a user's program would.</summary>
    private static string Lua(Compilation output, string typeName)
    {
        using var stream = new MemoryStream();
        var emit = output.Emit(stream, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        var assembly = Assembly.Load(stream.ToArray());
        var type = assembly.GetType(typeName);
        var field = type?.GetField(Emitting.LuaDissectorEmitter.ConstantName, BindingFlags.NonPublic | BindingFlags.Static);
        Assert.NotNull(field);
        Assert.True(field.IsLiteral, "the script is a constant in the metadata");
        var script = Assert.IsType<string>(field.GetRawConstantValue());
        Assert.Equal(script, type!.GetProperty("Lua", BindingFlags.Public | BindingFlags.Static)?.GetValue(null));
        return script;
    }

    private static void Write(string name, string lua)
    {
        if (Environment.GetEnvironmentVariable("VCSP_WRITE_DISSECTORS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, name), lua);
        }
    }
}
