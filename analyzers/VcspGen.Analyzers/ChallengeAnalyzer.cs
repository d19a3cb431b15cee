using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace VcspGen.Analyzers;

/// <summary>
/// VCSP010: a raw 0x00FF / 0xFFFF (255 / 65535, in any numeric type, also through a constant of the user's) where a
/// challenge number is expected. VCSP011: a constant challenge that the packet kind's challenge rule refuses, such as
/// a reserved value given to a member as its challenge.
/// </summary>
/// <remarks>
/// "Where a challenge number is expected": a packet struct's <c>Challenge</c> field, and any field, property,
/// parameter or local of an integer type named <c>challenge</c> or ending in <c>Challenge</c> (as every challenge API
/// of VcspGen is). The value is flagged when it is assigned or initialized to one, compared with one (==, !=, &lt;, a
/// constant pattern), or passed as an argument to one.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ChallengeAnalyzer : DiagnosticAnalyzer
{
    private const ushort FirstContact = 0x00FF;
    private const ushort None = 0xFFFF;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(UsageDiagnostics.RawReservedChallenge, UsageDiagnostics.ChallengeRefusedByRule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var challengeType = start.Compilation.GetTypeByMetadataName("VcspGen.VcspChallenge");
            var packetAttribute = start.Compilation.GetTypeByMetadataName("VcspGen.VcspPacketAttribute");
            if (challengeType is null)
            {
                return; // not a VcspGen user
            }

            var symbols = new Symbols(challengeType, packetAttribute);
            start.RegisterOperationAction(c => OnAssignment(c, symbols), OperationKind.SimpleAssignment);
            start.RegisterOperationAction(c => OnInitializer(c, symbols), OperationKind.VariableInitializer, OperationKind.FieldInitializer, OperationKind.PropertyInitializer, OperationKind.ParameterInitializer);
            start.RegisterOperationAction(c => OnArgument(c, symbols), OperationKind.Argument);
            start.RegisterOperationAction(c => OnComparison(c, symbols), OperationKind.Binary);
            start.RegisterOperationAction(c => OnConstantPattern(c, symbols), OperationKind.ConstantPattern);
            start.RegisterOperationAction(c => OnCaseClause(c, symbols), OperationKind.CaseClause);
        });
    }

    private static void OnAssignment(OperationAnalysisContext context, Symbols symbols)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        var target = ReferencedSymbol(assignment.Target);
        if (target is null || !IsChallenge(target))
        {
            return;
        }

        CheckRaw(context, symbols, assignment.Value);
        CheckRule(context, symbols, target, assignment.Value);
    }

    private static void OnInitializer(OperationAnalysisContext context, Symbols symbols)
    {
        var initializer = (ISymbolInitializerOperation)context.Operation;
        ISymbol? target = initializer switch
        {
            IVariableInitializerOperation when initializer.Parent is IVariableDeclaratorOperation declarator => declarator.Symbol,
            IFieldInitializerOperation field when field.InitializedFields.Length == 1 => field.InitializedFields[0],
            IPropertyInitializerOperation property when property.InitializedProperties.Length == 1 => property.InitializedProperties[0],
            IParameterInitializerOperation parameter => parameter.Parameter,
            _ => null,
        };
        if (target is not null && IsChallenge(target))
        {
            CheckRaw(context, symbols, initializer.Value);
        }
    }

    private static void OnArgument(OperationAnalysisContext context, Symbols symbols)
    {
        var argument = (IArgumentOperation)context.Operation;
        if (argument.Parameter is { } parameter && IsChallenge(parameter) && !argument.IsImplicit)
        {
            CheckRaw(context, symbols, argument.Value);
        }
    }

    private static void OnComparison(OperationAnalysisContext context, Symbols symbols)
    {
        var binary = (IBinaryOperation)context.Operation;
        if (binary.OperatorKind is not (BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan
            or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual))
        {
            return;
        }

        if (ReferencedSymbol(binary.LeftOperand) is { } left && IsChallenge(left))
        {
            CheckRaw(context, symbols, binary.RightOperand);
        }
        else if (ReferencedSymbol(binary.RightOperand) is { } right && IsChallenge(right))
        {
            CheckRaw(context, symbols, binary.LeftOperand);
        }
    }

    private static void OnConstantPattern(OperationAnalysisContext context, Symbols symbols)
    {
        var pattern = (IConstantPatternOperation)context.Operation;

        // Up through the enclosing patterns and arms to what is being matched.
        var parent = pattern.Parent;
        while (parent is IPatternOperation or ISwitchExpressionArmOperation or IPatternCaseClauseOperation or ISwitchCaseOperation)
        {
            parent = parent.Parent;
        }

        var input = parent switch
        {
            IIsPatternOperation isPattern => isPattern.Value,
            ISwitchExpressionOperation switchExpression => switchExpression.Value,
            ISwitchOperation switchStatement => switchStatement.Value,
            _ => null,
        };

        if (input is not null && ReferencedSymbol(input) is { } symbol && IsChallenge(symbol))
        {
            CheckRaw(context, symbols, pattern.Value);
        }
    }

    private static void OnCaseClause(OperationAnalysisContext context, Symbols symbols)
    {
        if (context.Operation is ISingleValueCaseClauseOperation { Parent.Parent: ISwitchOperation @switch } clause
            && ReferencedSymbol(@switch.Value) is { } symbol && IsChallenge(symbol))
        {
            CheckRaw(context, symbols, clause.Value);
        }
    }

    /// <summary>VCSP010: the value is 255 or 65535 and does not come from <c>VcspChallenge</c>'s named constants.</summary>
    private static void CheckRaw(OperationAnalysisContext context, Symbols symbols, IOperation value)
    {
        if (Reserved(value) is not { } reserved || ComesFromNamedConstant(value, symbols))
        {
            return;
        }

        var name = reserved == FirstContact ? nameof(FirstContact) : nameof(None);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(UsageDiagnostics.ConstantName, name);
        if (value.Type is { } type && NeedsCast(context.Compilation, type))
        {
            properties = properties.Add(UsageDiagnostics.CastTo, type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
        }

        context.ReportDiagnostic(Diagnostic.Create(UsageDiagnostics.RawReservedChallenge, value.Syntax.GetLocation(), properties, value.Syntax.ToString(), name));
    }

    /// <summary>VCSP011: a constant assigned to a packet's Challenge field that its challenge rule refuses.</summary>
    private static void CheckRule(OperationAnalysisContext context, Symbols symbols, ISymbol target, IOperation value)
    {
        if (symbols.PacketAttribute is null || target is not IFieldSymbol { Name: "Challenge" } field || !TryGetRule(field.ContainingType, symbols.PacketAttribute, out var rule)
            || !TryGetInteger(value, out var constant))
        {
            return;
        }

        var (allowed, why) = rule switch
        {
            0 => (constant is not (FirstContact or None), "a reserved value is never a member's challenge"), // Member
            1 => (constant == FirstContact, "it must be VcspChallenge.FirstContact (0x00FF)"), // FirstContact
            2 => (constant == None, "it must be VcspChallenge.None (0xFFFF)"), // None
            3 => (constant != FirstContact, "VcspChallenge.FirstContact (0x00FF) is not allowed"), // NoneOrMember
            _ => (true, string.Empty),
        };
        if (!allowed)
        {
            var ruleName = rule switch { 0 => "Member", 1 => "FirstContact", 2 => "None", _ => "NoneOrMember" };

            // A rule that names exactly one value has a mechanical fix: that value.
            var properties = rule is 1 or 2
                ? ImmutableDictionary<string, string?>.Empty.Add(UsageDiagnostics.ConstantName, ruleName)
                : ImmutableDictionary<string, string?>.Empty;
            context.ReportDiagnostic(Diagnostic.Create(
                UsageDiagnostics.ChallengeRefusedByRule, value.Syntax.GetLocation(), properties, field.ContainingType.Name, ruleName, $"0x{constant:X4}", "is refused: " + why));
        }
    }

    private static bool TryGetRule(INamedTypeSymbol type, INamedTypeSymbol packetAttribute, out int rule)
    {
        rule = 0;
        foreach (var attribute in type.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, packetAttribute))
            {
                continue;
            }

            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "Challenge" && named.Value.Value is int value)
                {
                    rule = value;
                }
            }

            return true;
        }

        return false;
    }

    private static ushort? Reserved(IOperation value) =>
        TryGetInteger(value, out var constant) && constant is FirstContact or None ? (ushort)constant : null;

    private static bool TryGetInteger(IOperation value, out long constant)
    {
        constant = 0;
        if (!value.ConstantValue.HasValue || value.ConstantValue.Value is null or bool or char or string)
        {
            return false;
        }

        switch (value.ConstantValue.Value)
        {
            case float or double or decimal:
                var real = Convert.ToDouble(value.ConstantValue.Value, System.Globalization.CultureInfo.InvariantCulture);
                if (real != Math.Floor(real) || real < long.MinValue || real > long.MaxValue)
                {
                    return false;
                }

                constant = (long)real;
                return true;
            case ulong big:
                if (big > long.MaxValue)
                {
                    return false;
                }

                constant = (long)big;
                return true;
            default:
                constant = Convert.ToInt64(value.ConstantValue.Value, System.Globalization.CultureInfo.InvariantCulture);
                return true;
        }
    }

    /// <summary>Whether the value is VcspChallenge.FirstContact or VcspChallenge.None, possibly converted.</summary>
    private static bool ComesFromNamedConstant(IOperation value, Symbols symbols)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        return value is IFieldReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Field.ContainingType, symbols.Challenge);
    }

    private static bool NeedsCast(Compilation compilation, ITypeSymbol type)
    {
        return compilation is CSharpCompilation csharp
            && !csharp.ClassifyConversion(compilation.GetSpecialType(SpecialType.System_UInt16), type).IsImplicit;
    }

    /// <summary>The field, property, parameter or local an operation reads or writes, through conversions.</summary>
    private static ISymbol? ReferencedSymbol(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation switch
        {
            IFieldReferenceOperation field => field.Field,
            IPropertyReferenceOperation property => property.Property,
            IParameterReferenceOperation parameter => parameter.Parameter,
            ILocalReferenceOperation local => local.Local,
            _ => null,
        };
    }

    /// <summary>A challenge number by name: <c>challenge</c> or <c>...Challenge</c>, of an integer type.</summary>
    private static bool IsChallenge(ISymbol symbol)
    {
        var name = symbol.Name.TrimStart('_');
        if (!name.Equals("challenge", StringComparison.OrdinalIgnoreCase) && !name.EndsWith("Challenge", StringComparison.Ordinal))
        {
            return false;
        }

        var type = symbol switch
        {
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            IParameterSymbol parameter => parameter.Type,
            ILocalSymbol local => local.Type,
            _ => null,
        };
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        return type?.SpecialType is SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_UInt16
            or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64;
    }

    private sealed class Symbols(INamedTypeSymbol challenge, INamedTypeSymbol? packetAttribute)
    {
        public INamedTypeSymbol Challenge { get; } = challenge;

        public INamedTypeSymbol? PacketAttribute { get; } = packetAttribute;
    }
}
