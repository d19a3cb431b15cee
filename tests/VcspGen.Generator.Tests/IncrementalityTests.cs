using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace VcspGen.Generator.Tests;

/// <summary>
/// The pipeline caches: an edit that does not touch a packet leaves every tracked step Cached or Unchanged,
/// an edit to one packet changes that packet only, and no step holds symbols, syntax or compilations.
/// </summary>
public sealed class IncrementalityTests
{
    private static readonly string[] TrackedSteps = [TrackingNames.Packets, TrackingNames.AssemblyName, TrackingNames.DispatchTable, TrackingNames.Dissector];

    [Fact]
    public void AnUnrelatedEditLeavesEveryStepCachedOrUnchanged()
    {
        var compilation = TestCompilation.Create([.. TestCompilation.SpecSources()]);
        var driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(compilation, TestContext.Current.CancellationToken);

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Elsewhere; internal static class Unrelated { public static int Answer => 42; }",
            TestCompilation.ParseOptions,
            "Unrelated.cs",
            cancellationToken: TestContext.Current.CancellationToken));
        var result = driver.RunGenerators(edited, TestContext.Current.CancellationToken).GetRunResult().Results.Single();

        foreach (var name in TrackedSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), $"step {name} was not tracked");
            foreach (var step in result.TrackedSteps[name])
            {
                foreach (var (_, reason) in step.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {name} reported {reason}");
                }
            }
        }

        foreach (var (_, reason) in result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs))
        {
            Assert.Equal(IncrementalStepRunReason.Cached, reason);
        }
    }

    [Fact]
    public void EditingOnePacketRegeneratesThatPacketOnly()
    {
        var sources = TestCompilation.SpecSources();
        var compilation = TestCompilation.Create([.. sources]);
        var driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(compilation, TestContext.Current.CancellationToken);

        // Tighten Command's argument bound in Commands.cs: only the Command packet's model changes.
        var commands = compilation.SyntaxTrees.Single(t => t.FilePath.EndsWith("Commands.cs", StringComparison.Ordinal));
        var newText = commands.GetText(TestContext.Current.CancellationToken).ToString()
            .Replace("[VcspField(MaxLength = 32, Text = true)]\n    public ReadOnlySpan<byte> Argument;", "[VcspField(MaxLength = 31, Text = true)]\n    public ReadOnlySpan<byte> Argument;", StringComparison.Ordinal);
        Assert.Contains("MaxLength = 31", newText, StringComparison.Ordinal);
        var edited = compilation.ReplaceSyntaxTree(commands, commands.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(newText)));
        var result = driver.RunGenerators(edited, TestContext.Current.CancellationToken).GetRunResult().Results.Single();

        var packetReasons = result.TrackedSteps[TrackingNames.Packets].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(1, packetReasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.All(packetReasons, r => Assert.True(r is IncrementalStepRunReason.Modified or IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));

        // The dispatch table lists flags and names only, so it does not change.
        Assert.All(
            result.TrackedSteps[TrackingNames.DispatchTable].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));

        // Command's dissector table (its field's bound) is in Command's own file; the dissector's joining part lists
        // the kinds only, so it does not re-run. Of the source outputs only Command's file changes.
        AssertCached(result.TrackedSteps[TrackingNames.Dissector]);
        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.Equal(1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(outputs.Count - 1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Cached));
        var command = result.GeneratedSources.Single(s => s.HintName == "VcspGen.Spec.Command.g.cs").SourceText.ToString();
        Assert.Contains("max = 31", command, StringComparison.Ordinal);
    }

    private static void AssertCached(System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep> steps) =>
        Assert.All(steps.SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));

    [Fact]
    public void EditingAFieldsSummaryChangesThatPacketsFileOnly()
    {
        var compilation = TestCompilation.Create([.. TestCompilation.SpecSources()]);
        var driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(compilation, TestContext.Current.CancellationToken);

        // The summary is the dissector's field description: Ping's model changes, its codec's text does not.
        var commands = compilation.SyntaxTrees.Single(t => t.FilePath.EndsWith("Commands.cs", StringComparison.Ordinal));
        var newText = commands.GetText(TestContext.Current.CancellationToken).ToString()
            .Replace("/// <summary>The sender's clock when it sent the ping; opaque to the server.</summary>", "/// <summary>The sender's clock.</summary>", StringComparison.Ordinal);
        Assert.Contains("The sender's clock.<", newText, StringComparison.Ordinal);
        var edited = compilation.ReplaceSyntaxTree(commands, commands.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(newText)));
        var result = driver.RunGenerators(edited, TestContext.Current.CancellationToken).GetRunResult().Results.Single();

        var packetReasons = result.TrackedSteps[TrackingNames.Packets].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(1, packetReasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.All(
            result.TrackedSteps[TrackingNames.DispatchTable].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        AssertCached(result.TrackedSteps[TrackingNames.Dissector]);
        var ping = result.GeneratedSources.Single(s => s.HintName == "VcspGen.Spec.Ping.g.cs").SourceText.ToString();
        Assert.Contains("\"\"The sender's clock.\"\"", ping, StringComparison.Ordinal);
    }

    [Fact]
    public void NoStepHoldsSymbolsSyntaxOrCompilations()
    {
        var compilation = TestCompilation.Create([.. TestCompilation.SpecSources()]);
        var result = TestCompilation.CreateDriver(trackSteps: true)
            .RunGenerators(compilation, TestContext.Current.CancellationToken)
            .GetRunResult().Results.Single();

        foreach (var name in TrackedSteps)
        {
            foreach (var step in result.TrackedSteps[name])
            {
                foreach (var (value, _) in step.Outputs)
                {
                    AssertNoRoslynObjects(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
                }
            }
        }
    }

    private static void AssertNoRoslynObjects(object? value, string step, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree, $"step {step} holds a {value.GetType().Name}");
        if (value is IEnumerable items)
        {
            foreach (var item in items)
            {
                AssertNoRoslynObjects(item, step, seen);
            }
        }

        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoRoslynObjects(field.GetValue(value), step, seen);
        }
    }
}
