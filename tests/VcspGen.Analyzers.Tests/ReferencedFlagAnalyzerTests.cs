using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Analyzers.Tests;

/// <summary>VCSP014: a packet of the user's assembly takes a flag that a referenced assembly's packet (here VcspGen.Spec's) has.</summary>
public sealed class ReferencedFlagAnalyzerTests
{
    [Fact]
    public Task AFlagOfAReferencedAssemblysPacketIsFlagged() => Verify.AnalyzerAsync<ReferencedFlagAnalyzer>(Verify.Usings + """
        [{|#0:VcspPacket(0x50)|}]
        public partial struct MyPing
        {
            public byte Hops;
        }

        [VcspPacket(0x77)]
        public partial struct Nudge
        {
            public byte Count;
        }

        public struct NotAPacket
        {
            public byte Flag;
        }
        """,
        Verify.Diagnostic("VCSP014").WithLocation(0).WithArguments("MyPing", (byte)0x50, "VcspGen.Spec.Ping", "VcspGen.Spec"));
}
