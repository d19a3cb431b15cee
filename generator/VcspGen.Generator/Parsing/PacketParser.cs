using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using VcspGen.Generator.Model;

namespace VcspGen.Generator.Parsing;

/// <summary>
/// Turns a struct marked <c>[VcspPacket]</c> into a <see cref="PacketModel"/>: the only step that sees symbols.
/// Shared by the generator (which ignores the diagnostics and skips packets that have any) and the analyzer
/// (which reports them).
/// </summary>
internal static class PacketParser
{
    public const string PacketAttributeName = "VcspGen.VcspPacketAttribute";
    public const string FieldAttributeName = "VcspGen.VcspFieldAttribute";
    public const string AddressTypeName = "VcspGen.VcspAddress";
    private const string GeneratedCodeAttributeName = "System.CodeDom.Compiler.GeneratedCodeAttribute";

    /// <summary>Names the generator adds to every packet struct.</summary>
    public static readonly ImmutableHashSet<string> ReservedNames = ImmutableHashSet.Create(
        "Flag",
        "HeaderSize",
        "DatagramLimit",
        "MinDatagramSize",
        "MaxDatagramSize",
        "ChallengeRule",
        "Challenge",
        "Sequence",
        "FragmentOffset",
        "EncodedSize",
        "TryDecode",
        "TryEncode");

    /// <summary>Builds the model, or returns null when the struct has a mistake.</summary>
    /// <param name="type">The struct.</param>
    /// <param name="attribute">Its <c>[VcspPacket]</c>.</param>
    /// <param name="isPartial">Whether every declaration of the struct is partial.</param>
    /// <param name="diagnostics">Where to add diagnostics, or null to skip creating them.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    public static PacketModel? Parse(
        INamedTypeSymbol type,
        AttributeData attribute,
        bool isPartial,
        List<Diagnostic>? diagnostics,
        CancellationToken cancellationToken)
    {
        var ok = true;
        var location = type.Locations.FirstOrDefault();

        void Report(DiagnosticDescriptor descriptor, Location? at, params object[] args)
        {
            ok = false;
            diagnostics?.Add(Diagnostic.Create(descriptor, at ?? location, args));
        }

        if (!isPartial)
        {
            Report(DiagnosticDescriptors.PacketNotPartial, location, type.Name);
        }

        if (type.ContainingType is not null)
        {
            Report(DiagnosticDescriptors.PacketShape, location, type.Name, "must be a top-level type, not nested in another type");
        }

        if (type.TypeParameters.Length > 0)
        {
            Report(DiagnosticDescriptors.PacketShape, location, type.Name, "must not be generic");
        }

        if (type.IsReadOnly)
        {
            Report(DiagnosticDescriptors.PacketShape, location, type.Name, "must not be readonly: TryDecode assigns its fields");
        }

        if (type.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal))
        {
            Report(DiagnosticDescriptors.PacketShape, location, type.Name, "must be public or internal");
        }

        // [VcspPacket(flag, Layout = ..., Direction = ..., Challenge = ..., Fragmentable = ...)]
        byte flag = 0;
        if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is byte f)
        {
            flag = f;
        }
        else
        {
            Report(DiagnosticDescriptors.InvalidPacketOptions, location, type.Name, "the flag must be a constant byte");
        }

        var layout = Layout.Text;
        var direction = Direction.Both;
        var challenge = ChallengeRule.Member;
        var fragmentable = false;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Layout" when named.Value.Value is int value:
                    layout = (Layout)value;
                    if (layout is not (Layout.Text or Layout.Media))
                    {
                        Report(DiagnosticDescriptors.InvalidPacketOptions, location, type.Name, $"layout {value} is not a VcspLayout");
                    }

                    break;
                case "Direction" when named.Value.Value is int value:
                    direction = (Direction)value;
                    if (value is < 0 or > 3)
                    {
                        Report(DiagnosticDescriptors.InvalidPacketOptions, location, type.Name, $"direction {value} is not a VcspDirection");
                    }

                    break;
                case "Challenge" when named.Value.Value is int value:
                    challenge = (ChallengeRule)value;
                    if (value is < 0 or > 4)
                    {
                        Report(DiagnosticDescriptors.InvalidPacketOptions, location, type.Name, $"challenge rule {value} is not a VcspChallengeRule");
                    }

                    break;
                case "Fragmentable" when named.Value.Value is bool value:
                    fragmentable = value;
                    break;
            }
        }

        if (fragmentable && layout == Layout.Media)
        {
            Report(DiagnosticDescriptors.InvalidPacketOptions, location, type.Name, "the media layout has no fragmentation offset, so a media packet cannot be fragmentable");
        }

        foreach (var member in type.GetMembers())
        {
            if (!member.IsImplicitlyDeclared && !IsGenerated(member) && ReservedNames.Contains(member.Name))
            {
                Report(DiagnosticDescriptors.ReservedMemberName, member.Locations.FirstOrDefault(), type.Name, member.Name);
            }
        }

        var wireFields = type.GetMembers()
            .OfType<IFieldSymbol>()
            .Where(field => !field.IsStatic && !field.IsConst && !field.IsImplicitlyDeclared && !IsGenerated(field))
            .ToList();

        if (wireFields.Select(field => field.DeclaringSyntaxReferences.FirstOrDefault()?.SyntaxTree).Distinct().Count() > 1)
        {
            Report(DiagnosticDescriptors.PacketShape, location, type.Name, "declares fields in more than one file, so their wire order is not defined; keep them in one declaration");
        }

        var fields = new List<FieldModel>(wireFields.Count);
        for (var i = 0; i < wireFields.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var field = wireFields[i];
            var fieldLocation = field.Locations.FirstOrDefault();
            var options = field.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == FieldAttributeName);
            var model = ParseField(field, options, isLast: i == wireFields.Count - 1, type.Name, fieldLocation, Report);
            if (model is not null)
            {
                fields.Add(model with { Summary = DocSummary.Of(field, cancellationToken) });
            }
        }

        var packet = new PacketModel(
            type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString(),
            type.Name,
            type.DeclaredAccessibility == Accessibility.Public,
            type.IsRefLikeType,
            flag,
            layout,
            direction,
            challenge,
            fragmentable,
            new EquatableArray<FieldModel>(fields.ToArray()),
            OnlyWireFields: fields.Count == wireFields.Count && !type.GetMembers().OfType<IFieldSymbol>().Any(f => !f.IsStatic && f.IsImplicitlyDeclared));

        if (ok && packet.HeaderSize + packet.MinBodySize > packet.DatagramLimit)
        {
            Report(
                DiagnosticDescriptors.FixedPartTooLarge,
                location,
                type.Name,
                packet.HeaderSize + packet.MinBodySize,
                packet.HeaderSize,
                layout.ToString().ToLowerInvariant(),
                packet.DatagramLimit);
        }

        return ok ? packet : null;
    }

    private delegate void Reporter(DiagnosticDescriptor descriptor, Location? at, params object[] args);

    private static FieldModel? ParseField(IFieldSymbol field, AttributeData? options, bool isLast, string packetName, Location? at, Reporter report)
    {
        var type = field.Type;
        var lengthPrefixed = false;
        var text = false;
        var minLength = 0;
        var maxLength = -1;
        long? minValue = null;
        long? maxValue = null;
        if (options is not null)
        {
            foreach (var named in options.NamedArguments)
            {
                switch (named.Key)
                {
                    case "LengthPrefixed" when named.Value.Value is bool value:
                        lengthPrefixed = value;
                        break;
                    case "Text" when named.Value.Value is bool value:
                        text = value;
                        break;
                    case "MinLength" when named.Value.Value is int value:
                        minLength = value;
                        break;
                    case "MaxLength" when named.Value.Value is int value:
                        maxLength = value;
                        break;
                    case "MinValue" when named.Value.Value is long value:
                        minValue = value;
                        break;
                    case "MaxValue" when named.Value.Value is long value:
                        maxValue = value;
                        break;
                }
            }
        }

        if (IsByteSpan(type))
        {
            if (minValue is not null || maxValue is not null)
            {
                report(DiagnosticDescriptors.InvalidFieldOptions, at, field.Name, packetName, "MinValue and MaxValue apply only to integer fields; use MinLength and MaxLength");
                return null;
            }

            if (minLength < 0 || maxLength < -1 || (maxLength >= 0 && minLength > maxLength))
            {
                report(DiagnosticDescriptors.InvalidFieldOptions, at, field.Name, packetName, $"MinLength {minLength} and MaxLength {maxLength} do not describe a length range");
                return null;
            }

            if (lengthPrefixed && (maxLength > 255 || minLength > 255))
            {
                report(DiagnosticDescriptors.InvalidFieldOptions, at, field.Name, packetName, "a one-byte length prefix cannot describe more than 255 bytes");
                return null;
            }

            if (!lengthPrefixed && !isLast)
            {
                report(DiagnosticDescriptors.RestFieldNotLast, at, field.Name, packetName);
                return null;
            }

            return new FieldModel(field.Name, lengthPrefixed ? FieldKind.PrefixedBytes : FieldKind.RestBytes, IntegerType.Byte, null, default, minLength, lengthPrefixed && maxLength < 0 ? 255 : maxLength, IsText: text);
        }

        var integer = ToInteger(type);
        if (options is not null && (integer is null || lengthPrefixed || text || minLength != 0 || maxLength != -1))
        {
            report(DiagnosticDescriptors.InvalidFieldOptions, at, field.Name, packetName, integer is null
                ? "[VcspField] applies only to ReadOnlySpan<byte> and integer fields"
                : "LengthPrefixed, MinLength, MaxLength and Text apply only to ReadOnlySpan<byte> fields; use MinValue and MaxValue");
            return null;
        }

        if (integer is { } bounded && (minValue is not null || maxValue is not null))
        {
            var (typeMin, typeMax) = WireSizes.Range(bounded);
            var low = minValue ?? typeMin;
            var high = maxValue ?? typeMax;
            if (low > high || low < typeMin || high > typeMax)
            {
                report(DiagnosticDescriptors.InvalidFieldOptions, at, field.Name, packetName, $"MinValue {low} and MaxValue {high} do not describe a range within {type.ToDisplayString()}");
                return null;
            }

            return new FieldModel(field.Name, FieldKind.Integer, bounded, null, default, 0, 0, low == typeMin ? null : low, high == typeMax ? null : high);
        }

        if (type.ToDisplayString() == AddressTypeName)
        {
            return new FieldModel(field.Name, FieldKind.Address, IntegerType.Byte, null, default, 0, 0);
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } enumType && ToInteger(underlying) is { } enumInteger)
        {
            var isFlags = enumType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.FlagsAttribute");
            var constants = enumType.GetMembers().OfType<IFieldSymbol>().Where(m => m.HasConstantValue).ToList();
            var members = isFlags
                ? default
                : new EquatableArray<string>(constants.Select(m => m.Name).ToArray());
            var values = new EquatableArray<EnumMemberModel>(constants.Select(m => new EnumMemberModel(m.Name, ToLong(m.ConstantValue))).ToArray());
            return new FieldModel(field.Name, FieldKind.Integer, enumInteger, "global::" + enumType.ToDisplayString(), members, 0, 0, EnumValues: values, IsFlags: isFlags);
        }

        if (integer is { } plain)
        {
            return new FieldModel(field.Name, FieldKind.Integer, plain, null, default, 0, 0);
        }

        report(DiagnosticDescriptors.UnsupportedFieldType, at, field.Name, packetName, type.ToDisplayString());
        return null;
    }

    private static long ToLong(object? constant) => constant switch
    {
        ulong big => unchecked((long)big),
        null => 0,
        _ => System.Convert.ToInt64(constant, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static bool IsGenerated(ISymbol symbol) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == GeneratedCodeAttributeName);

    private static bool IsByteSpan(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "ReadOnlySpan", TypeArguments.Length: 1 } span
        && span.TypeArguments[0].SpecialType == SpecialType.System_Byte
        && span.ContainingNamespace.ToDisplayString() == "System";

    private static IntegerType? ToInteger(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_Byte => IntegerType.Byte,
        SpecialType.System_SByte => IntegerType.SByte,
        SpecialType.System_UInt16 => IntegerType.UInt16,
        SpecialType.System_Int16 => IntegerType.Int16,
        SpecialType.System_UInt32 => IntegerType.UInt32,
        SpecialType.System_Int32 => IntegerType.Int32,
        SpecialType.System_UInt64 => IntegerType.UInt64,
        SpecialType.System_Int64 => IntegerType.Int64,
        _ => null,
    };
}
