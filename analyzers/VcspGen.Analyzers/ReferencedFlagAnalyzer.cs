using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace VcspGen.Analyzers;

/// <summary>
/// VCSP014: a packet declared in this assembly uses a flag that a packet of a referenced assembly already uses. The
/// generator cannot report this without reading every reference, which would defeat its incremental caching (the
/// references change the compilation, not the spec structs); an analyzer reads them once per compilation.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReferencedFlagAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(UsageDiagnostics.FlagUsedByReference);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var packetAttribute = start.Compilation.GetTypeByMetadataName("VcspGen.VcspPacketAttribute");
            if (packetAttribute is null)
            {
                return;
            }

            var referenced = new System.Lazy<Dictionary<byte, INamedTypeSymbol>>(() => ReferencedPackets(start.Compilation, packetAttribute));
            start.RegisterSymbolAction(
                symbolContext =>
                {
                    var type = (INamedTypeSymbol)symbolContext.Symbol;
                    if (type.TypeKind != TypeKind.Struct || Flag(type, packetAttribute) is not { } attribute
                        || !referenced.Value.TryGetValue(attribute.Flag, out var other))
                    {
                        return;
                    }

                    var location = attribute.Attribute.ApplicationSyntaxReference?.GetSyntax(symbolContext.CancellationToken).GetLocation() ?? type.Locations[0];
                    symbolContext.ReportDiagnostic(Diagnostic.Create(
                        UsageDiagnostics.FlagUsedByReference, location, type.Name, attribute.Flag, other.ToDisplayString(), other.ContainingAssembly.Name));
                },
                SymbolKind.NamedType);
        });
    }

    private static (byte Flag, AttributeData Attribute)? Flag(INamedTypeSymbol type, INamedTypeSymbol packetAttribute)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, packetAttribute)
                && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is byte flag)
            {
                return (flag, attribute);
            }
        }

        return null;
    }

    /// <summary>The packets of the referenced assemblies that reference VcspGen (the others cannot declare any), by flag.</summary>
    private static Dictionary<byte, INamedTypeSymbol> ReferencedPackets(Compilation compilation, INamedTypeSymbol packetAttribute)
    {
        var packets = new Dictionary<byte, INamedTypeSymbol>();
        var vcspGen = packetAttribute.ContainingAssembly;
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            if (SymbolEqualityComparer.Default.Equals(assembly, vcspGen)
                || !assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == vcspGen.Name)))
            {
                continue;
            }

            var namespaces = new Stack<INamespaceSymbol>();
            namespaces.Push(assembly.GlobalNamespace);
            while (namespaces.Count > 0)
            {
                var current = namespaces.Pop();
                foreach (var nested in current.GetNamespaceMembers())
                {
                    namespaces.Push(nested);
                }

                foreach (var type in current.GetTypeMembers())
                {
                    if (type.TypeKind == TypeKind.Struct && Flag(type, packetAttribute) is { } found && !packets.ContainsKey(found.Flag))
                    {
                        packets.Add(found.Flag, type);
                    }
                }
            }
        }

        return packets;
    }
}
