using System.IO;
using Xunit;

namespace VcspGen.Tests;

/// <summary>The <c>vcsp</c> command: the demo runs, and wrong arguments print usage and exit with 2.</summary>
public sealed class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = Vcsp.Cli.Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void DemoRunsAServerAndThreeClientsThroughAConversation()
    {
        var (code, output, error) = Run("demo");
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        foreach (var who in new[] { "alice ", "bob   ", "carol " })
        {
            Assert.Contains($"  {who} | joined lobby", output, System.StringComparison.Ordinal);
        }

        Assert.Contains("  bob    | <alice> Hi all!", output, System.StringComparison.Ordinal);
        Assert.Contains("SYN challenge=", output, System.StringComparison.Ordinal);
        Assert.Contains(" final fragment ", output, System.StringComparison.Ordinal);
        Assert.Contains("  carol  | <bob> Sure. Here is the plan", output, System.StringComparison.Ordinal);
        Assert.Contains("Command Whois \"alice\"", output, System.StringComparison.Ordinal);
        Assert.Matches(@"> alice  -> carol   18 B  Silent challenge=0x[0-9A-F]{4}", output);
        Assert.Contains("  alice  | [dm from carol] psst, alice: bring snacks", output, System.StringComparison.Ordinal);
        Assert.Matches(@"alice  \| LIST: Ok\n +alice 127\.0\.0\.1:\d+\n", output.ReplaceLineEndings("\n"));
        Assert.Contains("members=3", output, System.StringComparison.Ordinal);
        Assert.Matches(@"carol  \| PING round trip [0-9.]+ ms", output);
        Assert.Contains("  bob    | closed: left", output, System.StringComparison.Ordinal);
        Assert.Matches(@"server -> alice  SIP/Udp: INVITE sip:alice@127\.0\.0\.1:\d+, SDP m=video \d+ RTP/AVP 33 a=vcsp-challenge:\d+", output);
        Assert.Contains("SIP/Udp: ACK sip:carol@", output, System.StringComparison.Ordinal);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(output, @"carol  \| media from call member \d+: 188 B").Count);
        Assert.Contains("SIP/Udp: BYE sip:carol@", output, System.StringComparison.Ordinal);
        Assert.Contains("  carol  | call ended: left", output, System.StringComparison.Ordinal);
        Assert.Contains("Done: 2 members left in lobby (1 in the call), 0 datagrams dropped by the server.", output, System.StringComparison.Ordinal);
    }

    [Fact]
    public void CodecDemoEncodesDispatchesAndDecodesAConversation()
    {
        var (code, output, error) = Run("demo", "--codecs");
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        Assert.Contains("= Request seq=5EED0000 server=127.0.0.1:50429 name=\"alice\"", output, System.StringComparison.Ordinal);
        Assert.Contains("final fragment", output, System.StringComparison.Ordinal);
        Assert.Contains("= MSG from alice", output, System.StringComparison.Ordinal);
        Assert.Contains("peer=[::1]:50430", output, System.StringComparison.Ordinal);
        Assert.Contains("a FIN with the 'first contact' challenge: ReservedChallenge", output, System.StringComparison.Ordinal);
        Assert.Contains("an unknown flag 0x99: UnknownFlag", output, System.StringComparison.Ordinal);
        Assert.DoesNotContain("failed", output, System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("bogus")]
    [InlineData("demo", "--loud")]
    public void WrongArgumentsPrintUsageAndExitWithTwo(params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("Usage:\n  vcsp ", error.ReplaceLineEndings("\n"), System.StringComparison.Ordinal);
        Assert.StartsWith("vcsp", error, System.StringComparison.Ordinal); // what was wrong comes first
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("demo", "--help")]
    public void HelpWorksOnEveryVerb(params string[] args)
    {
        var (code, output, _) = Run(args);
        Assert.Equal(0, code);
        Assert.Contains("Usage:\n  vcsp ", output.ReplaceLineEndings("\n"), System.StringComparison.Ordinal);
    }
}
