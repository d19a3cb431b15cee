using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace VcspGen.Analyzers.Tests;

/// <summary>
/// The usage rules on a packet type the user declares: the source generator runs in the test as in a build, so the
/// rules read the generated members (<c>MaxDatagramSize</c>) and the packet's own challenge rule.
/// </summary>
public sealed class UserPacketTests
{
    private const string Nudge = """
        [VcspPacket(0x77, Direction = VcspDirection.ClientToServer)]
        public ref partial struct Nudge
        {
            public uint Count;

            [VcspField(LengthPrefixed = true, MaxLength = 16)]
            public ReadOnlySpan<byte> Note;
        }

        [VcspPacket(0x78, Challenge = VcspChallengeRule.None)]
        public partial struct Shout
        {
            public byte Volume;
        }

        """;

    [Fact]
    public Task TheRulesApplyToAPacketDeclaredInTheUsersAssembly() => RunAsync<ChallengeAnalyzer>(Verify.Usings + Nudge + """
        static class C
        {
            static void Build(ushort member)
            {
                var nudge = new Nudge { Challenge = {|VCSP011:VcspChallenge.None|}, Count = 1 };
                var shout = new Shout { Challenge = {|VCSP011:(ushort)(2 + 3)|} };
                var fine = new Nudge { Challenge = member, Note = "hi"u8 };
                var relayed = new Shout { Challenge = VcspChallenge.None };
            }
        }
        """);

    [Fact]
    public Task BufferSizesAreJudgedByTheGeneratedMaxDatagramSize() => RunAsync<CodecUsageAnalyzer>(Verify.Usings + Nudge + """
        static class C
        {
            static VcspEncodeStatus Send(Nudge nudge)
            {
                // Nudge: 10-byte header + 4 + 1 + 16 = 31 bytes at most.
                var status = nudge.TryEncode({|VCSP013:new byte[30]|}, out _);
                status = nudge.TryEncode(new byte[Nudge.MaxDatagramSize], out _);
                {|VCSP012:nudge.TryEncode(new byte[31], out _)|};
                return status;
            }
        }
        """);

    private static async Task RunAsync<TAnalyzer>(string source)
        where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
    {
        var test = new WithGenerator<TAnalyzer> { TestCode = source, ReferenceAssemblies = new ReferenceAssemblies("net10.0") };
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        Verify.Configure(test.TestState);
        await test.RunAsync(TestContext.Current.CancellationToken);
    }

    private sealed class WithGenerator<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(VcspGen.Generator.VcspPacketGenerator)];
    }
}
