using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Analyzers.Tests;

/// <summary>The VCSP010 fix: the raw value becomes VcspChallenge's named constant.</summary>
public sealed class ReservedChallengeCodeFixTests
{
    [Fact]
    public Task TheRawValueBecomesTheNamedConstant() => Verify.CodeFixAsync<ChallengeAnalyzer, VcspGen.Analyzers.CodeFixes.ReservedChallengeCodeFix>(
        Verify.Usings + """
        static class C
        {
            static bool Check(Msg msg, ushort challenge) => msg.Challenge == {|VCSP010:0xFFFF|} && challenge != {|VCSP010:255|};

            static Reject Refuse() => new Reject { Challenge = {|VCSP010:(ushort)65535|} };
        }
        """,
        Verify.Usings + """
        static class C
        {
            static bool Check(Msg msg, ushort challenge) => msg.Challenge == VcspChallenge.None && challenge != VcspChallenge.FirstContact;

            static Reject Refuse() => new Reject { Challenge = VcspChallenge.None };
        }
        """);

    [Fact]
    public Task WithoutAUsingTheConstantIsQualifiedAndANarrowTargetGetsACast() => Verify.CodeFixAsync<ChallengeAnalyzer, VcspGen.Analyzers.CodeFixes.ReservedChallengeCodeFix>(
        """
        static class C
        {
            const int Hello = 0xFF;

            static int Use()
            {
                byte challenge = {|VCSP010:Hello|};
                return VcspGen.VcspChallenge.IsReserved({|VCSP010:0xFFFF|}) ? challenge : 0;
            }
        }
        """,
        """
        static class C
        {
            const int Hello = 0xFF;

            static int Use()
            {
                byte challenge = (byte)VcspGen.VcspChallenge.FirstContact;
                return VcspGen.VcspChallenge.IsReserved(VcspGen.VcspChallenge.None) ? challenge : 0;
            }
        }
        """);

    [Fact]
    public Task AChallengeThatTheRuleNamesExactlyIsFixedToThatValue() => Verify.CodeFixAsync<ChallengeAnalyzer, VcspGen.Analyzers.CodeFixes.ReservedChallengeCodeFix>(
        Verify.Usings + """
        static class C
        {
            static Msg Relay(Msg msg) => msg with { Challenge = {|VCSP011:0x1234|} };

            static JoinRequest Join() => new JoinRequest { Challenge = {|VCSP011:VcspChallenge.None|} };

            static Response Welcome() => new Response { Challenge = {|VCSP011:VcspChallenge.None|} }; // Member: no single right value, no fix
        }
        """,
        Verify.Usings + """
        static class C
        {
            static Msg Relay(Msg msg) => msg with { Challenge = VcspChallenge.None };

            static JoinRequest Join() => new JoinRequest { Challenge = VcspChallenge.FirstContact };

            static Response Welcome() => new Response { Challenge = {|VCSP011:VcspChallenge.None|} }; // Member: no single right value, no fix
        }
        """);
}
