using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace VcspGen.Analyzers.Tests;

/// <summary>
/// The analyzer and code-fix test drivers, with references that need no download at test time: the running
/// framework's own assemblies, VcspGen (attributes, <c>VcspChallenge</c>) and VcspGen.Spec (VCSP's packets with
/// their generated codecs), so tests compile against exactly what users get.
/// </summary>
internal static class Verify
{
    private static readonly MetadataReference[] Assemblies =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll"))
            .Append(typeof(VcspChallenge).Assembly.Location)
            .Append(typeof(VcspGen.Spec.Ping).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray();

    /// <summary>Usings every test source starts with.</summary>
    public const string Usings = "using System;\nusing VcspGen;\nusing VcspGen.Spec;\n\n";

    public static void Configure(SolutionState state)
    {
        state.AdditionalReferences.AddRange(Assemblies);
    }

    /// <summary>Checks that <paramref name="source"/> gets exactly the diagnostics marked in it (<c>{|VCSP010:text|}</c>).</summary>
    public static async System.Threading.Tasks.Task AnalyzerAsync<TAnalyzer>(string source, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        // No reference-assembly package: nothing is downloaded; the running framework's assemblies stand in.
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source, ReferenceAssemblies = new ReferenceAssemblies("net10.0") };
        Configure(test.TestState);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(Xunit.TestContext.Current.CancellationToken);
    }

    /// <summary>Checks the diagnostics marked in <paramref name="source"/>, and that the fix turns it into <paramref name="fixedSource"/>.</summary>
    public static async System.Threading.Tasks.Task CodeFixAsync<TAnalyzer, TFix>(string source, string fixedSource)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        Configure(test.TestState);
        Configure(test.FixedState);

        // Diagnostics marked in the fixed code are expected to remain (one the fix leaves alone, such as a slice).
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        await test.RunAsync(Xunit.TestContext.Current.CancellationToken);
    }

    public static DiagnosticResult Diagnostic(string id) => new(id, DiagnosticSeverity.Warning);
}
