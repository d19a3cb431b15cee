using System.Collections.Generic;
using System.IO;
using System.Security;

namespace VcspGen.Packaging.Tests;

/// <summary>
/// A user's app, written the way the package READMEs say: a net10.0 console project that references only the
/// VcspGen and VcspGen.Runtime packages and declares a packet kind of its own.
/// </summary>
internal static class ConsumerApp
{
    /// <summary>The assembly name: the generated dispatcher's namespace.</summary>
    public const string AssemblyName = "NudgeApp";

    /// <summary>What the program prints when every check passed; the test looks for exactly this line.</summary>
    public const string SuccessLine =
        "VCSP consumer OK: Nudge #42 count=3 note=poke dispatched=1; Ping #7 timestamp=99 refused by the Nudge table (UnknownFlag); 300 bytes in 3 fragments";

    /// <summary>Writes the project into <paramref name="folder"/>.</summary>
    /// <param name="folder">An empty folder outside the repository.</param>
    /// <param name="feed">The folder holding the packages under test.</param>
    /// <param name="version">Their version.</param>
    public static void Write(string folder, string feed, string version)
    {
        Directory.CreateDirectory(folder);

        // MSBuild looks for these files in every folder above a project: empty ones here stop the search, so nothing
        // from the repository or from a stray file in the temporary folder's parents leaks into the consumer.
        foreach (var stop in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(folder, stop), "<Project />\n");
        }

        // The feed under test first; the machine's global-packages folder as a local source for the other
        // dependencies (Microsoft.Extensions.Logging.Abstractions), so the restore needs no network when the machine
        // has built the repository. No <clear />: the machine's own sources (user-level NuGet.Config) still apply.
        var sources = new List<string> { $"    <add key=\"vcspgen-under-test\" value=\"{SecurityElement.Escape(feed)}\" />" };
        if (PackedFeed.MachineGlobalPackages() is { } globalPackages)
        {
            sources.Add($"    <add key=\"machine-global-packages\" value=\"{SecurityElement.Escape(globalPackages)}\" />");
        }

        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
            {string.Join("\n", sources)}
              </packageSources>
            </configuration>

            """);

        // TreatWarningsAsErrors: the packages must build warning-free in a strict project, and a VCSP warning then
        // fails the build.
        File.WriteAllText(Path.Combine(folder, AssemblyName + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <AssemblyName>{AssemblyName}</AssemblyName>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="VcspGen" Version="{version}" />
                <PackageReference Include="VcspGen.Runtime" Version="{version}" />
              </ItemGroup>
            </Project>

            """);

        File.WriteAllText(Path.Combine(folder, "Program.cs"), Program);
    }

    /// <summary>Adds a file that writes the reserved challenge 0xFFFF into a member packet: VCSP010.</summary>
    /// <param name="folder">The consumer's folder.</param>
    public static void AddRawReservedChallenge(string folder) =>
        File.WriteAllText(Path.Combine(folder, ReservedChallengeFile), """
            namespace NudgeApp;

            internal static class Reserved
            {
                internal static uint Make()
                {
                    var n = new Nudge { Challenge = 0xFFFF };
                    return n.Count;
                }
            }

            """);

    /// <summary>The file <see cref="AddRawReservedChallenge"/> writes.</summary>
    public const string ReservedChallengeFile = "Reserved.cs";

    private const string Program = """
        using System;
        using System.Text;
        using VcspGen;
        using VcspGen.Runtime;
        using VcspGen.Spec;

        namespace NudgeApp;

        /// <summary>A packet kind of the user's own; the generator from the VcspGen package writes its codec.</summary>
        [VcspPacket(0x77, Direction = VcspDirection.ClientToServer)]
        public ref partial struct Nudge
        {
            /// <summary>How many nudges.</summary>
            public uint Count;

            /// <summary>A short note, length-prefixed.</summary>
            [VcspField(LengthPrefixed = true, MaxLength = 16, Text = true)]
            public ReadOnlySpan<byte> Note;
        }

        internal struct NudgeHandler : NudgeApp.IVcspPacketHandler
        {
            public int Calls;
            public uint Sequence;
            public uint Count;
            public string Note;

            public void OnNudge(in Nudge packet)
            {
                Calls++;
                Sequence = packet.Sequence;
                Count = packet.Count;
                Note = Encoding.UTF8.GetString(packet.Note);
            }
        }

        public static class Program
        {
            public static int Main(string[] args)
            {
                // The generated codec: encode, decode, compare.
                Span<byte> buffer = stackalloc byte[Nudge.MaxDatagramSize];
                var nudge = new Nudge { Challenge = 0x1234, Sequence = 42, Count = 3, Note = "poke"u8 };
                var encoded = nudge.TryEncode(buffer, out var written);
                if (encoded != VcspEncodeStatus.Ok || written != nudge.EncodedSize)
                {
                    return Fail($"TryEncode: {encoded}, {written} bytes (EncodedSize {nudge.EncodedSize})");
                }

                ReadOnlySpan<byte> datagram = buffer[..written];
                var decoded = Nudge.TryDecode(datagram, out var back);
                if (decoded != VcspDecodeStatus.Ok || back.Challenge != 0x1234 || back.Sequence != 42 || back.Count != 3 || !back.Note.SequenceEqual("poke"u8))
                {
                    return Fail($"TryDecode: {decoded}, challenge {back.Challenge:X4}, sequence {back.Sequence}, count {back.Count}");
                }

                // The generated dispatch table of this assembly.
                var handler = new NudgeHandler { Note = "" };
                var dispatched = NudgeApp.VcspPacketDispatcher.Dispatch(datagram, ref handler);
                if (dispatched != VcspDecodeStatus.Ok || handler.Calls != 1 || handler.Sequence != 42 || handler.Count != 3 || handler.Note != "poke")
                {
                    return Fail($"Dispatch: {dispatched}, {handler.Calls} calls, count {handler.Count}, note '{handler.Note}'");
                }

                // VcspGen.Spec, from the VcspGen.Runtime package: a Ping round trip; this assembly's table refuses it.
                Span<byte> pingBuffer = stackalloc byte[Ping.MaxDatagramSize];
                var ping = new Ping { Challenge = 0x1234, Sequence = 7, Timestamp = 99 };
                if (ping.TryEncode(pingBuffer, out var pingLength) != VcspEncodeStatus.Ok
                    || Ping.TryDecode(pingBuffer[..pingLength], out var pingBack) != VcspDecodeStatus.Ok
                    || pingBack.Sequence != 7 || pingBack.Timestamp != 99)
                {
                    return Fail("Ping did not round-trip");
                }

                var refused = NudgeApp.VcspPacketDispatcher.Dispatch(pingBuffer[..pingLength], ref handler);
                if (refused != VcspDecodeStatus.UnknownFlag || handler.Calls != 1)
                {
                    return Fail($"the Nudge table took a Ping: {refused}");
                }

                // VcspGen.Runtime itself: how a 300-byte message from "alice" is fragmented.
                var chunk = Fragmentation.ChunkSize(nameLength: 5);
                var fragments = Fragmentation.CountFragments(300, chunk);
                if (Fragmentation.OffsetOf(fragments, fragments) != VcspWire.FinalFragment || Fragmentation.Chunk(new byte[300], fragments, chunk).Length != 300 - ((fragments - 1) * chunk))
                {
                    return Fail($"fragmentation: {fragments} fragments of {chunk}");
                }

                // Given a file name: the Nudge and the Ping as text2pcap reads hex dumps, for a capture of them.
                if (args.Length == 1)
                {
                    System.IO.File.WriteAllText(args[0], $"000000 {Hex(datagram)}\n000000 {Hex(pingBuffer[..pingLength])}\n");
                }

                Console.WriteLine(
                    $"VCSP consumer OK: Nudge #{handler.Sequence} count={handler.Count} note={handler.Note} dispatched={handler.Calls}; " +
                    $"Ping #{pingBack.Sequence} timestamp={pingBack.Timestamp} refused by the Nudge table ({refused}); 300 bytes in {fragments} fragments");
                return 0;
            }

            private static string Hex(ReadOnlySpan<byte> bytes) => string.Join(' ', Array.ConvertAll(bytes.ToArray(), b => b.ToString("X2")));

            private static int Fail(string what)
            {
                Console.Error.WriteLine("VCSP consumer FAILED: " + what);
                return 1;
            }
        }

        """;
}
