using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VcspGen.Generator.Emitting;
using VcspGen.Generator.Model;
using VcspGen.Generator.Parsing;

namespace VcspGen.Generator;

/// <summary>
/// Turns every <c>[VcspPacket] partial struct</c> into an allocation-free codec and adds it to the assembly's
/// flag-dispatch table. Pipeline: attributed struct → <see cref="PacketModel"/> (the only step that sees
/// symbols) → text: its codec and its table of the assembly's Wireshark dissector; the dispatch table's entries give
/// the dissector's joining part (<see cref="DissectorModel"/>). Mistakes are reported by the analyzer, not here, so the models hold no diagnostics.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class VcspPacketGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var packets = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                PacketParser.PacketAttributeName,
                static (node, _) => node is StructDeclarationSyntax declaration
                    && declaration.Modifiers.Any(SyntaxKind.PartialKeyword),
                static (ctx, ct) => PacketParser.Parse(
                    (INamedTypeSymbol)ctx.TargetSymbol,
                    ctx.Attributes[0],
                    isPartial: true,
                    diagnostics: null,
                    ct))
            .Where(static packet => packet is not null)
            .Select(static (packet, _) => packet!)
            .WithTrackingName(TrackingNames.Packets);

        var assemblyName = context.CompilationProvider
            .Select(static (compilation, _) => compilation.AssemblyName ?? string.Empty)
            .WithTrackingName(TrackingNames.AssemblyName);

        // A packet's file: its codec, and its table of the assembly's dissector (in the dispatcher's namespace).
        context.RegisterSourceOutput(packets.Combine(assemblyName), static (spc, pair) =>
            spc.AddSource(
                PacketEmitter.HintName(pair.Left),
                PacketEmitter.Emit(pair.Left) + LuaDissectorEmitter.EmitPart(pair.Left, DispatchModel.SanitizeNamespace(pair.Right))));

        var table = packets
            .Collect()
            .Combine(assemblyName)
            .Select(static (pair, _) => DispatchModel.Create(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.DispatchTable);

        context.RegisterSourceOutput(table, static (spc, model) =>
        {
            if (model.Entries.Count > 0)
            {
                spc.AddSource(DispatchEmitter.HintName, DispatchEmitter.Emit(model));
            }
        });

        var dissector = table
            .Combine(assemblyName)
            .Select(static (pair, _) => DissectorModel.Create(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Dissector);

        context.RegisterSourceOutput(dissector, static (spc, model) =>
        {
            if (model.Kinds.Count > 0)
            {
                spc.AddSource(LuaDissectorEmitter.HintName, LuaDissectorEmitter.Emit(model));
            }
        });
    }
}

/// <summary>Names of the pipeline steps, for incrementality tests.</summary>
internal static class TrackingNames
{
    public const string Packets = nameof(Packets);
    public const string AssemblyName = nameof(AssemblyName);
    public const string DispatchTable = nameof(DispatchTable);
    public const string Dissector = nameof(Dissector);
}
