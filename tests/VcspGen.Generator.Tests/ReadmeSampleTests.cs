using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using VcspGen.Analyzers;
using Xunit;

namespace VcspGen.Generator.Tests;

/// <summary>The C# samples in README.md compile with the generator and analyzer, and do what the README says.</summary>
public sealed partial class ReadmeSampleTests
{
    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [Fact]
    public async Task ReadmeSamplesCompileWithoutDiagnosticsAndRun()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(TestCompilation.RepositoryRoot(), "README.md"), TestContext.Current.CancellationToken);
        var blocks = CSharpBlock().Matches(readme).Select((m, i) => ($"Readme{i}.cs", m.Groups[1].Value)).ToArray();
        Assert.True(blocks.Length >= 2, "README.md should hold the packet declaration and usage samples");

        var (output, compiler, analyzer, _) = await TestCompilation.BuildAsync("MyApp", blocks);
        Assert.Empty(analyzer);
        Assert.Empty(compiler);

        // The samples use packets and challenges the way the usage rules (VCSP010-014) ask.
        var usage = await output.WithAnalyzers([new ChallengeAnalyzer(), new CodecUsageAnalyzer(), new ReferencedFlagAnalyzer()])
            .GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
        Assert.Empty(usage);

        using var stream = new MemoryStream();
        var emit = output.Emit(stream, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));

        var assembly = Assembly.Load(stream.ToArray());
        var result = assembly.GetType("MyApp.PresenceExample")!.GetMethod("RoundTrip")!.Invoke(null, null);
        Assert.Equal("Away", result!.ToString());
    }
}
