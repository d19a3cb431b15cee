using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Analyzers.Tests;

/// <summary>VCSP010 (a raw reserved challenge value where a challenge is expected) and VCSP011 (a challenge the packet kind refuses).</summary>
public sealed class ChallengeAnalyzerTests
{
    [Fact]
    public Task RawValuesAssignedToPacketChallengesAreFlagged() => Verify.AnalyzerAsync<ChallengeAnalyzer>(Verify.Usings + """
        static class C
        {
            static Reject Refuse() => new Reject { Challenge = {|VCSP010:0xFFFF|}, Reason = default };

            static void Relay(ref Msg msg, Ping ping)
            {
                msg.Challenge = {|VCSP010:65535|};
                ping = ping with { Challenge = 1234 };
            }

            static JoinRequest Join() => new JoinRequest { Challenge = {|VCSP010:(ushort)255|} };
        }
        """);

    [Fact]
    public Task RawValuesInEveryNumericTypeAndThroughAConstantAreFlagged() => Verify.AnalyzerAsync<ChallengeAnalyzer>(Verify.Usings + """
        static class C
        {
            const ushort NoChallenge = {|VCSP010:0xFFFF|}; // a challenge constant of its own: flagged where it is declared too
            const int Hello = 0xFF;

            static ulong Convert(byte first)
            {
                long challenge = {|VCSP010:65535L|};
                byte firstChallenge = {|VCSP010:Hello|};
                uint callChallenge = {|VCSP010:0xFFFFu|};
                challenge = {|VCSP010:NoChallenge|};
                return (ulong)(challenge + firstChallenge + callChallenge + first);
            }
        }
        """);

    [Fact]
    public Task ComparisonsPatternsAndCasesWithAChallengeAreFlagged() => Verify.AnalyzerAsync<ChallengeAnalyzer>(Verify.Usings + """
        static class C
        {
            static int Classify(Msg msg, ushort challenge)
            {
                if (msg.Challenge == {|VCSP010:0xFFFF|} || {|VCSP010:255|} != challenge)
                {
                    return 0;
                }

                if (challenge is {|VCSP010:0xFF|} or 7)
                {
                    return 1;
                }

                switch (challenge)
                {
                    case {|VCSP010:65535|}:
                        return 2;
                    default:
                        return challenge switch { {|VCSP010:0x00FF|} => 3, _ => 4 };
                }
            }
        }
        """);

    [Fact]
    public Task ArgumentsAndDefaultsOfChallengeParametersAreFlagged() => Verify.AnalyzerAsync<ChallengeAnalyzer>(Verify.Usings + """
        static class C
        {
            static void Register(int memberChallenge, int count) { }

            static void Release(ushort challenge = {|VCSP010:0xFFFF|}) { }

            static bool Use()
            {
                Register({|VCSP010:255|}, 255);
                Register(count: 0xFFFF, memberChallenge: {|VCSP010:0xFFFF|});
                return VcspChallenge.IsReserved({|VCSP010:0xFFFF|});
            }
        }
        """);

    [Fact]
    public Task OrdinaryIntegersAndTheNamedConstantsAreNotFlagged() => Verify.AnalyzerAsync<ChallengeAnalyzer>(Verify.Usings + """
        static class C
        {
            static int Use(Span<byte> data, ushort challenge, ref Msg msg)
            {
                var count = 0xFFFF;
                int limit = 255;
                ushort memberChallenge = 0x1234;
                msg.Challenge = VcspChallenge.None;
                msg.Sequence = 0xFFFF;
                msg.FragmentOffset = 0xFF;
                var masked = challenge & 0xFF;
                string textChallenge = "0xFFFF";
                if (data.Length == 255 || challenge == memberChallenge || challenge == VcspChallenge.FirstContact)
                {
                    return 0;
                }

                return challenge is VcspChallenge.FirstContact or VcspChallenge.None ? count + limit + masked + textChallenge.Length : 1;
            }
        }
        """);

    [Fact]
    public Task AReservedValueGivenToAMemberAsItsChallengeIsFlagged() => Verify.AnalyzerAsync<ChallengeAnalyzer>(Verify.Usings + """
        static class C
        {
            static Response Welcome(ushort assigned) => new Response { Challenge = {|VCSP011:VcspChallenge.None|}, Sequence = 1 };

            static Fin Leave() => new Fin { Challenge = {|#0:0xFF|} };

            static Response Fine(ushort assigned) => new Response { Challenge = assigned };
        }
        """,
        Verify.Diagnostic("VCSP010").WithLocation(0).WithArguments("0xFF", "FirstContact"),
        Verify.Diagnostic("VCSP011").WithLocation(0).WithArguments("Fin", "Member", "0x00FF", "is refused: a reserved value is never a member's challenge"));

    [Fact]
    public Task ChallengesThatOtherRulesRefuseAreFlaggedAndAllowedOnesAreNot() => Verify.AnalyzerAsync<ChallengeAnalyzer>(Verify.Usings + """
        static class C
        {
            static void Build()
            {
                var join = new JoinRequest { Challenge = {|VCSP011:0x1234|} };
                var relayed = new Msg { Challenge = {|VCSP011:7|} };
                var direct = new DirectMessage { Challenge = {|VCSP011:VcspChallenge.FirstContact|} };
                var first = new JoinRequest { Challenge = VcspChallenge.FirstContact };
                var firstDirect = new DirectMessage { Challenge = VcspChallenge.None };
                var member = new DirectMessage { Challenge = 0x1234 };
            }
        }
        """);
}
