using System.IO;
using System.Linq;
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
        Assert.Matches(@"server -> alice  SIP/Udp: INVITE sip:alice@127\.0\.0\.1:\d+, SDP video on port \d+, codec mp2t, call challenge 0x[0-9A-F]{4}\n", output.ReplaceLineEndings("\n"));
        Assert.Contains("SIP/Udp: ACK sip:carol@", output, System.StringComparison.Ordinal);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(output, @"carol  \| media from call member \d+: 188 B").Count);
        Assert.Contains("SIP/Udp: BYE sip:carol@", output, System.StringComparison.Ordinal);
        Assert.Contains("  carol  | call ended: left", output, System.StringComparison.Ordinal);
        Assert.Contains("Done: 2 members left in lobby (1 in the call), 0 datagrams dropped by the server.", output, System.StringComparison.Ordinal);
    }

    [Fact]
    public void TheDemoPrintsTheSameLinesInTheSameOrderEveryRunButForRandomValues()
    {
        var (firstCode, first, _) = Run("demo");
        var (secondCode, second, _) = Run("demo");
        Assert.Equal((0, 0), (firstCode, secondCode));

        // Random challenges, sequence numbers, ports and round trips differ; nothing else may.
        var masked = Mask(first);
        Assert.Equal(masked, Mask(second));

        // The order is causal: each step's datagrams are followed by what they caused, siblings in a fixed order.
        var lines = masked.Split('\n');
        string[] callStep =
        [
            "N. carol leaves the call: VC-LEAVE (VoiceFin HEX, answered with HEX), and the server's BYE",
            "  > carol  -> server   N B  VoiceFin challenge=HEX",
            "  > server -> carol    N B  VoiceFin challenge=HEX",
            "  carol  | call ended: left",
            "  > server -> carol  SIP/Udp: BYE sip:carol@N.N.N.N:N",
            "  > carol  -> server SIP/Udp: N OK (N BYE)",
            string.Empty,
        ];
        var at = System.Array.IndexOf(lines, callStep[0]);
        Assert.True(at > 0, masked);
        Assert.Equal(callStep, lines[at..(at + callStep.Length)]);
        string[] relay =
        [
            "  > alice  -> server  N B  SYN challenge=HEX seq=HEX whole \"Hi all! Anyone up for a ...\"",
            "  > server -> bob     N B  MSG from alice seq=HEX whole \"Hi all! Anyone up for a ...\"",
            "  bob    | <alice> Hi all! Anyone up for a call later?",
            "  > server -> carol   N B  MSG from alice seq=HEX whole \"Hi all! Anyone up for a ...\"",
            "  carol  | <alice> Hi all! Anyone up for a call later?",
        ];
        at = System.Array.IndexOf(lines, relay[0]);
        Assert.Equal(relay, lines[at..(at + relay.Length)]);

        // Nothing is printed after the last step's lines but the summary, and each value is written one way.
        Assert.EndsWith("  alice  | LIST: Ok\n           alice N.N.N.N:N\n           carol N.N.N.N:N\n\nDone: N members left in lobby (N in the call), N datagrams dropped by the server.\n", masked, System.StringComparison.Ordinal);
        Assert.DoesNotMatch(@"codecs?[= ][0-9]", first);
        Assert.DoesNotMatch(@"challenge[= :][0-9]", first.Replace("challenge=0x", string.Empty, System.StringComparison.Ordinal).Replace("challenge 0x", string.Empty, System.StringComparison.Ordinal));
        Assert.DoesNotMatch(@"(seq|relay|expected)=(?!0x)", first);
    }

    private static string Mask(string output)
    {
        var masked = System.Text.RegularExpressions.Regex.Replace(output.ReplaceLineEndings("\n"), "round trip [0-9.]+ ms", "round trip N ms");
        masked = System.Text.RegularExpressions.Regex.Replace(masked, "0x[0-9A-F]+", "HEX");
        return System.Text.RegularExpressions.Regex.Replace(masked, "[0-9]+", "N");
    }

    [Fact]
    public void CodecDemoEncodesDispatchesAndDecodesAConversation()
    {
        var (code, output, error) = Run("demo", "--codecs");
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        Assert.Contains("= Request seq=0x5EED0000 server=127.0.0.1:50429 name=\"alice\"", output, System.StringComparison.Ordinal);
        Assert.Contains("= Media challenge=0x0CA1 source=0 t=90000 codec=mp2t 188 bytes", output, System.StringComparison.Ordinal);
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

    [Theory]
    [InlineData("server")]
    [InlineData("client")]
    [InlineData("demo")]
    [InlineData("decode")]
    [InlineData("dissector")]
    public void ReadmeNamesEveryOptionTheHelpLists(string verb)
    {
        var (code, output, _) = Run(verb, "--help");
        Assert.Equal(0, code);
        var options = System.Text.RegularExpressions.Regex.Matches(output, @"^  (--[a-z-]+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value)
            .Where(o => o != "--help")
            .ToList();
        Assert.NotEmpty(options);
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        Assert.All(options, option => Assert.Contains($"{option}", readme, System.StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(System.AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VcspGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new System.InvalidOperationException("no VcspGen.sln above " + System.AppContext.BaseDirectory);
    }
}
