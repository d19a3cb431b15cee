using System;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>README's embedding sample is <c>ReadmeEmbeddingSample.cs</c>, which compiles here and runs over real UDP.</summary>
public sealed partial class ReadmeEmbeddingTests
{
    [GeneratedRegex("<!-- embedding-sample -->\\n```cs\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex EmbeddingBlock();

    [Fact]
    public void TheReadmeSampleIsTheCompiledOne()
    {
        var readme = Repository.ReadText("README.md");
        var sample = Repository.ReadText("tests", "VcspGen.Runtime.Tests", "ReadmeEmbeddingSample.cs");
        var match = EmbeddingBlock().Match(readme);
        Assert.True(match.Success, "README.md has no embedding sample");
        Assert.Equal(sample[(sample.IndexOf('\n', StringComparison.Ordinal) + 1)..], match.Groups[1].Value); // the file's first line says where it is shown
    }

    [Fact]
    public async Task TheSampleJoinsChatsListsAndQuits()
    {
        var (sender, members) = await MyChat.Embedding.HelloAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal("alice", sender);
        var alice = Assert.Single(members);
        Assert.Equal("alice", alice.Name);
        Assert.Equal(System.Net.IPAddress.Loopback, alice.Address.ToIPEndPoint().Address);
        Assert.False(alice.InCall);
    }
}
