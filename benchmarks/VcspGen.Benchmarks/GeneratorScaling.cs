using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using VcspGen.Generator;

namespace VcspGen.Benchmarks;

/// <summary>
/// The generator over a synthetic user assembly of <see cref="Kinds"/> packet kinds (<see cref="SyntheticAssembly"/>):
/// a full run with a fresh driver, and a run after an edit to one packet by a driver that has already run (issue 15).
/// Both reuse one compilation each, so its binding is warm: the figures are the generator's, not the compiler's.
/// </summary>
[MemoryDiagnoser]
public class GeneratorScaling
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private CSharpCompilation compilation = null!;
    private CSharpCompilation edited = null!;
    private GeneratorDriver ran = null!;

    /// <summary>How many packet kinds the assembly declares.</summary>
    [Params(10, 100, 250)]
    public int Kinds { get; set; }

    /// <summary>Builds the compilation, its edited twin and a driver that has run on the first.</summary>
    [GlobalSetup]
    public void Setup()
    {
        compilation = Create(Kinds);
        edited = EditOne(compilation, Kinds / 2);
        ran = CreateDriver().RunGenerators(compilation);
    }

    /// <summary>A fresh driver over the whole assembly.</summary>
    /// <returns>The driver, so the run is not optimised away.</returns>
    [Benchmark]
    public GeneratorDriver FullRun() => CreateDriver().RunGenerators(compilation);

    /// <summary>The driver that ran on the assembly, after one packet's file changed.</summary>
    /// <returns>The driver, so the run is not optimised away.</returns>
    [Benchmark]
    public GeneratorDriver IncrementalEdit() => ran.RunGenerators(edited);

    /// <summary>A compilation of the synthetic assembly against the running framework and VcspGen's attributes.</summary>
    /// <param name="kinds">How many packet kinds.</param>
    /// <returns>The compilation.</returns>
    internal static CSharpCompilation Create(int kinds)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll"))
            .Append(typeof(VcspPacketAttribute).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
        return CSharpCompilation.Create(
            "Synthetic.UserAssembly",
            SyntheticAssembly.Sources(kinds).Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>The compilation with packet <paramref name="index"/>'s file edited (<see cref="SyntheticAssembly.Edit"/>).</summary>
    /// <param name="compilation">The synthetic assembly.</param>
    /// <param name="index">Which packet.</param>
    /// <returns>The edited compilation.</returns>
    internal static CSharpCompilation EditOne(CSharpCompilation compilation, int index)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == SyntheticAssembly.PacketPath(index));
        var text = SyntheticAssembly.Edit(tree.GetText().ToString());
        return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(text)));
    }

    /// <summary>A driver for VcspGen's generator that tracks its steps, as the incrementality tests do.</summary>
    /// <returns>The driver.</returns>
    internal static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new VcspPacketGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
}
