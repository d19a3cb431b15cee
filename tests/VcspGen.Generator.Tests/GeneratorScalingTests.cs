using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using VcspGen.Benchmarks;
using Xunit;

namespace VcspGen.Generator.Tests;

/// <summary>
/// The incremental claim of the GeneratorScaling benchmark, as counts: over the synthetic assembly of N packet kinds
/// (<see cref="SyntheticAssembly"/>), an edit to one packet re-runs that packet's steps only; every other packet's
/// entries are Cached or Unchanged and its generated source is the same text.
/// </summary>
public sealed class GeneratorScalingTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(250)]
    public void TheSyntheticAssemblyGeneratesOneSourcePerPacketAndCompiles(int kinds)
    {
        var compilation = TestCompilation.Create("Synthetic.UserAssembly", [.. SyntheticAssembly.Sources(kinds)]);
        TestCompilation.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics, TestContext.Current.CancellationToken);

        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(kinds + 2, output.SyntaxTrees.Count() - compilation.SyntaxTrees.Length); // one per packet, plus the dispatch table and the dissector
    }

    [Theory]
    [InlineData(100)]
    [InlineData(250)]
    public void EditingOnePacketReRunsThatPacketsStepsOnly(int kinds)
    {
        var ct = TestContext.Current.CancellationToken;
        var edit = kinds / 2;
        var editedName = SyntheticAssembly.PacketName(edit);
        var compilation = TestCompilation.Create("Synthetic.UserAssembly", [.. SyntheticAssembly.Sources(kinds)]);
        var driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(compilation, ct);
        var before = driver.GetRunResult().Results.Single();

        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == SyntheticAssembly.PacketPath(edit));
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(SyntheticAssembly.Edit(tree.GetText(ct).ToString()))));
        var after = driver.RunGenerators(edited, ct).GetRunResult().Results.Single();

        // The packet models: one Modified (the edited packet's), every other Cached or Unchanged.
        var packets = after.TrackedSteps[TrackingNames.Packets].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(kinds, packets.Count);
        var changed = packets.Where(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)).ToList();
        var (value, reason) = Assert.Single(changed);
        Assert.Equal(IncrementalStepRunReason.Modified, reason);
        Assert.Equal(editedName, value.GetType().GetProperty("Name")?.GetValue(value)); // PacketModel is in the analyzer assembly too

        // The source outputs: the edited packet's file (its codec and its dissector table) is Modified; the other
        // packets', the dispatch table's and the dissector's joining part are Cached.
        var outputs = after.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.Equal(kinds + 2, outputs.Count);
        Assert.Equal(1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(kinds + 1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Cached));

        // The dispatch table and the dissector's joining part list flags and names only: unchanged by a renamed field.
        foreach (var step in new[] { TrackingNames.DispatchTable, TrackingNames.Dissector })
        {
            Assert.All(
                after.TrackedSteps[step].SelectMany(s => s.Outputs),
                o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }

        // Generated text: only the edited packet's file differs.
        var old = before.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);
        Assert.Equal(kinds + 2, after.GeneratedSources.Length);
        var differing = after.GeneratedSources.Where(s => old[s.HintName] != s.SourceText.ToString()).Select(s => s.HintName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([SyntheticAssembly.Namespace + "." + editedName + ".g.cs"], differing);
    }
}
