using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using VcspGen.Generator.Parsing;

namespace VcspGen.Analyzers;

/// <summary>
/// Reports mistakes in <c>[VcspPacket]</c> structs. It runs the generator's own parser, so a struct the generator
/// skips always has a diagnostic saying why; flag clashes across the assembly are reported at compilation end.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PacketSpecAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.PacketNotPartial,
        DiagnosticDescriptors.UnsupportedFieldType,
        DiagnosticDescriptors.DuplicateFlag,
        DiagnosticDescriptors.FixedPartTooLarge,
        DiagnosticDescriptors.RestFieldNotLast,
        DiagnosticDescriptors.PacketShape,
        DiagnosticDescriptors.ReservedMemberName,
        DiagnosticDescriptors.InvalidFieldOptions,
        DiagnosticDescriptors.InvalidPacketOptions);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var packetAttribute = start.Compilation.GetTypeByMetadataName(PacketParser.PacketAttributeName);
            if (packetAttribute is null)
            {
                return;
            }

            var flags = new ConcurrentBag<(byte Flag, INamedTypeSymbol Type)>();
            start.RegisterSymbolAction(
                symbolContext => AnalyzeType(symbolContext, packetAttribute, flags),
                SymbolKind.NamedType);
            start.RegisterCompilationEndAction(end => ReportDuplicateFlags(end, flags));
        });
    }

    private static void AnalyzeType(
        SymbolAnalysisContext context,
        INamedTypeSymbol packetAttribute,
        ConcurrentBag<(byte Flag, INamedTypeSymbol Type)> flags)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Struct)
        {
            return;
        }

        var attribute = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, packetAttribute));
        if (attribute is null)
        {
            return;
        }

        if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is byte flag)
        {
            flags.Add((flag, type));
        }

        var isPartial = type.DeclaringSyntaxReferences.All(reference =>
            reference.GetSyntax(context.CancellationToken) is StructDeclarationSyntax declaration
            && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

        var diagnostics = new List<Diagnostic>();
        PacketParser.Parse(type, attribute, isPartial, diagnostics, context.CancellationToken);
        foreach (var diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic);
        }
    }

    private static void ReportDuplicateFlags(CompilationAnalysisContext context, ConcurrentBag<(byte Flag, INamedTypeSymbol Type)> flags)
    {
        foreach (var group in flags.GroupBy(entry => entry.Flag).Where(g => g.Count() > 1))
        {
            var types = group.Select(entry => entry.Type).OrderBy(t => t.ToDisplayString(), System.StringComparer.Ordinal).ToList();
            for (var i = 1; i < types.Count; i++)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.DuplicateFlag,
                    types[i].Locations.FirstOrDefault(),
                    types[i].Name,
                    types[0].Name,
                    group.Key));
            }
        }
    }
}
