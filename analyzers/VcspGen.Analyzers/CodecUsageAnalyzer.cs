using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace VcspGen.Analyzers;

/// <summary>
/// VCSP012: a call that returns a <c>VcspDecodeStatus</c> or <c>VcspEncodeStatus</c> used as a statement, its result
/// dropped. VCSP013: a packet's <c>TryEncode</c> given a buffer whose length is known at compile time and is smaller
/// than the packet's <c>MaxDatagramSize</c>.
/// </summary>
/// <remarks>
/// A buffer's length is known for <c>new byte[N]</c>, <c>stackalloc byte[N]</c> (or with an initializer),
/// <c>x.AsSpan(start, N)</c> and <c>x.Slice(start, N)</c> with a constant N, and a local or a readonly field of the same
/// file initialized with one of these and never assigned again. Anything else is not judged.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CodecUsageAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(UsageDiagnostics.IgnoredCodecResult, UsageDiagnostics.BufferTooSmall);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var decodeStatus = start.Compilation.GetTypeByMetadataName("VcspGen.VcspDecodeStatus");
            var encodeStatus = start.Compilation.GetTypeByMetadataName("VcspGen.VcspEncodeStatus");
            var packetAttribute = start.Compilation.GetTypeByMetadataName("VcspGen.VcspPacketAttribute");
            if (decodeStatus is null || encodeStatus is null || packetAttribute is null)
            {
                return; // not a VcspGen user
            }

            start.RegisterOperationAction(c => OnStatement(c, decodeStatus, encodeStatus), OperationKind.ExpressionStatement);
            start.RegisterOperationAction(c => OnInvocation(c, packetAttribute), OperationKind.Invocation);
        });
    }

    private static void OnStatement(OperationAnalysisContext context, INamedTypeSymbol decodeStatus, INamedTypeSymbol encodeStatus)
    {
        var statement = (IExpressionStatementOperation)context.Operation;
        var operation = statement.Operation;
        if (operation is IConditionalAccessOperation conditional)
        {
            operation = conditional.WhenNotNull;
        }

        if (operation is not IInvocationOperation invocation)
        {
            return;
        }

        var returned = invocation.TargetMethod.ReturnType;
        var (status, what) = SymbolEqualityComparer.Default.Equals(returned, decodeStatus) ? ("a VcspDecodeStatus", "decoded")
            : SymbolEqualityComparer.Default.Equals(returned, encodeStatus) ? ("a VcspEncodeStatus", "written")
            : (null, null);
        if (status is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                UsageDiagnostics.IgnoredCodecResult, invocation.Syntax.GetLocation(), invocation.TargetMethod.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), status, what));
        }
    }

    private static void OnInvocation(OperationAnalysisContext context, INamedTypeSymbol packetAttribute)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name != "TryEncode" || method.IsStatic || invocation.Arguments.Length == 0
            || !method.ContainingType.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, packetAttribute)))
        {
            return;
        }

        var maxSize = method.ContainingType.GetMembers("MaxDatagramSize").OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue)?.ConstantValue as int?;
        var destination = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value;
        if (maxSize is not { } largest || destination is null || KnownLength(destination, context, depth: 0) is not { } known || known.Length >= largest)
        {
            return;
        }

        // Where the size is written as an array or stackalloc size, the fix can put the packet's largest size there.
        var properties = ImmutableDictionary<string, string?>.Empty;
        var additional = Enumerable.Empty<Location>();
        if (known.Size is { } size)
        {
            var name = invocation.SemanticModel is { } model && model.SyntaxTree == size.SyntaxTree
                ? method.ContainingType.ToMinimalDisplayString(model, size.SpanStart)
                : method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            properties = properties.Add(UsageDiagnostics.PacketType, name);
            additional = [size.GetLocation()];
        }

        context.ReportDiagnostic(Diagnostic.Create(
            UsageDiagnostics.BufferTooSmall, destination.Syntax.GetLocation(), additional, properties, method.ContainingType.Name, largest, known.Length));
    }

    /// <summary>The length of a buffer expression when it is known at compile time.</summary>
    private static (int Length, SyntaxNode? Size)? KnownLength(IOperation operation, OperationAnalysisContext context, int depth)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        if (depth > 3)
        {
            return null;
        }

        switch (operation)
        {
            case IArrayCreationOperation { DimensionSizes.Length: 1 } array:
                return ConstantInt(array.DimensionSizes[0]) is { } dimension ? (dimension, array.DimensionSizes[0].Syntax) : null;
            case IInvocationOperation { TargetMethod.Name: "AsSpan" or "Slice" or "AsMemory" } slice:
                var lengthArgument = slice.Arguments.FirstOrDefault(a => a.Parameter?.Name == "length");
                return lengthArgument is not null && ConstantInt(lengthArgument.Value) is { } sliced ? (sliced, null) : null;
            case ILocalReferenceOperation local when local.Local.DeclaringSyntaxReferences.Length == 1:
                return FromDeclaration(local.Local, local.Local.DeclaringSyntaxReferences[0].GetSyntax(context.CancellationToken), operation, context, depth);
            case IFieldReferenceOperation field when field.Field.IsReadOnly && field.Field.DeclaringSyntaxReferences.Length == 1:
                return FromDeclaration(field.Field, field.Field.DeclaringSyntaxReferences[0].GetSyntax(context.CancellationToken), operation, context, depth);
        }

        // stackalloc has no operation of its own: read its syntax.
        return operation.Syntax switch
        {
            StackAllocArrayCreationExpressionSyntax { Type: ArrayTypeSyntax { RankSpecifiers.Count: 1 } arrayType } explicitStackalloc
                => arrayType.RankSpecifiers[0].Sizes.Count == 1
                    && operation.SemanticModel?.GetConstantValue(arrayType.RankSpecifiers[0].Sizes[0], context.CancellationToken) is { HasValue: true, Value: int n }
                    ? (n, explicitStackalloc.Initializer is null ? arrayType.RankSpecifiers[0].Sizes[0] : null)
                    : explicitStackalloc.Initializer is { } initializer ? (initializer.Expressions.Count, null) : null,
            ImplicitStackAllocArrayCreationExpressionSyntax implicitStackalloc => (implicitStackalloc.Initializer.Expressions.Count, null),
            _ => null,
        };
    }

    private static (int Length, SyntaxNode? Size)? FromDeclaration(ISymbol symbol, SyntaxNode declaration, IOperation use, OperationAnalysisContext context, int depth)
    {
        if (declaration is not VariableDeclaratorSyntax { Initializer.Value: { } initializer } || use.SemanticModel is not { } model
            || initializer.SyntaxTree != model.SyntaxTree || IsAssignedElsewhere(symbol, declaration, model, context))
        {
            return null;
        }

        return model.GetOperation(initializer, context.CancellationToken) is { } value ? KnownLength(value, context, depth + 1) : null;
    }

    /// <summary>Whether the local (in its method) or the field (in its type) is assigned anywhere but its declaration.</summary>
    private static bool IsAssignedElsewhere(ISymbol symbol, SyntaxNode declaration, SemanticModel model, OperationAnalysisContext context)
    {
        var scope = symbol is ILocalSymbol
            ? declaration.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax
                or AnonymousFunctionExpressionSyntax or GlobalStatementSyntax or CompilationUnitSyntax)
            : declaration.Ancestors().OfType<TypeDeclarationSyntax>().FirstOrDefault();
        if (scope is null)
        {
            return true;
        }

        foreach (var node in scope.DescendantNodes())
        {
            var written = node switch
            {
                AssignmentExpressionSyntax assignment => assignment.Left,
                ArgumentSyntax { RefKindKeyword.RawKind: (int)SyntaxKind.RefKeyword or (int)SyntaxKind.OutKeyword } argument => argument.Expression,
                _ => null,
            };
            if (written is IdentifierNameSyntax or MemberAccessExpressionSyntax
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(written, context.CancellationToken).Symbol, symbol))
            {
                return true;
            }
        }

        return false;
    }

    private static int? ConstantInt(IOperation operation) =>
        operation.ConstantValue is { HasValue: true, Value: int value } ? value : null;
}
