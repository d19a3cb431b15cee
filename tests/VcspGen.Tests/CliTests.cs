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
    public void DemoEncodesDispatchesAndDecodesAConversation()
    {
        var (code, output, error) = Run("demo");
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
        Assert.Contains("usage: vcsp", error, System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("demo", "--help")]
    public void HelpWorksOnEveryVerb(params string[] args)
    {
        var (code, output, _) = Run(args);
        Assert.Equal(0, code);
        Assert.Contains("usage: vcsp", output, System.StringComparison.Ordinal);
    }
}
