using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using VcspGen.Analyzers;

namespace VcspGen.Generator.Tests;

/// <summary>
/// Builds in-memory compilations against the running framework's own assemblies (no reference-pack download)
/// plus VcspGen's attribute assembly, and runs the generator and analyzer over them.
/// </summary>
internal static class TestCompilation
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return paths
            .Where(p => Path.GetFileName(p) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll"))
            .Append(typeof(VcspPacketAttribute).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    });

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static CSharpCompilation Create(params (string Path, string Text)[] sources) => Create("VcspGen.TestAssembly", sources);

    public static CSharpCompilation Create(string assemblyName, params (string Path, string Text)[] sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            [new VcspPacketGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator, then the analyzer over the compilation with the generated code, as a build does.</summary>
    public static Task<(Compilation Output, ImmutableArray<Diagnostic> Compiler, ImmutableArray<Diagnostic> Analyzer, GeneratorDriverRunResult Run)> BuildAsync(
        params (string Path, string Text)[] sources) => BuildAsync("VcspGen.TestAssembly", sources);

    /// <summary>Runs the generator, then the analyzer, for an assembly with the given name.</summary>
    public static async Task<(Compilation Output, ImmutableArray<Diagnostic> Compiler, ImmutableArray<Diagnostic> Analyzer, GeneratorDriverRunResult Run)> BuildAsync(
        string assemblyName,
        params (string Path, string Text)[] sources)
    {
        var compilation = Create(assemblyName, sources);
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var analyzers = output.WithAnalyzers([new PacketSpecAnalyzer()]);
        var analyzerDiagnostics = await analyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        var compilerDiagnostics = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
        return (output, compilerDiagnostics, analyzerDiagnostics, driver.GetRunResult());
    }

    /// <summary>The repository root (where VcspGen.sln is), found from the test's output folder.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VcspGen.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("VcspGen.sln not found above " + AppContext.BaseDirectory);
    }

    public static IReadOnlyList<(string Path, string Text)> SpecSources()
    {
        var folder = Path.Combine(RepositoryRoot(), "spec", "VcspGen.Spec");
        return Directory.GetFiles(folder, "*.cs")
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (p, File.ReadAllText(p)))
            .ToList();
    }
}
