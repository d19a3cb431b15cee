using System.Collections.Generic;
using System.Globalization;
using VcspGen.Generator.Model;

namespace VcspGen.Generator.Emitting;

/// <summary>What the decoder and the encoder both say about a packet's rules: the conditions that break them, names, comments.</summary>
internal static class FieldRules
{
    public const string Decode = "global::VcspGen.VcspDecodeStatus";
    public const string Encode = "global::VcspGen.VcspEncodeStatus";
    public const string Binary = "global::System.Buffers.Binary.BinaryPrimitives";

    /// <summary>The condition under which a challenge number breaks its rule, or null when every value is allowed.</summary>
    public static string? ChallengeViolation(ChallengeRule rule, string value) => rule switch
    {
        ChallengeRule.Member => $"global::VcspGen.VcspChallenge.IsReserved({value})",
        ChallengeRule.FirstContact => $"{value} != global::VcspGen.VcspChallenge.FirstContact",
        ChallengeRule.None => $"{value} != global::VcspGen.VcspChallenge.None",
        ChallengeRule.NoneOrMember => $"{value} == global::VcspGen.VcspChallenge.FirstContact",
        _ => null,
    };

    /// <summary>The condition under which an integer field's value breaks its declared bounds, or null when it has none.</summary>
    public static string? ValueViolation(FieldModel field, string value)
    {
        var parts = new List<string>();
        if (field.MinValue is { } min)
        {
            parts.Add($"{value} < {min.ToString(CultureInfo.InvariantCulture)}");
        }

        if (field.MaxValue is { } max)
        {
            parts.Add($"{value} > {max.ToString(CultureInfo.InvariantCulture)}");
        }

        return parts.Count == 0 ? null : string.Join(" || ", parts);
    }

    /// <summary>The condition under which a byte field's length breaks its bounds, or null when it cannot.</summary>
    /// <param name="field">The field.</param>
    /// <param name="length">The expression for its length.</param>
    /// <param name="fromPrefix">Whether the length was read from a one-byte prefix (so it cannot exceed 255).</param>
    public static string? LengthViolation(FieldModel field, string length, bool fromPrefix)
    {
        var parts = new List<string>();
        if (field.MinLength > 0)
        {
            parts.Add($"{length} < {field.MinLength}");
        }

        if (field.MaxLength >= 0 && !(fromPrefix && field.MaxLength >= 255))
        {
            parts.Add($"{length} > {field.MaxLength}");
        }

        return parts.Count == 0 ? null : string.Join(" || ", parts);
    }

    /// <summary>Whether an integer field is an enum whose value must be one of its members.</summary>
    public static bool IsCheckedEnum(FieldModel field) => field.EnumType is not null && field.EnumMembers.Count > 0;

    public static string Local(FieldModel field) => char.ToLowerInvariant(field.Name[0]) + field.Name.Substring(1);

    /// <summary>The local that holds a decoded field until every check has passed.</summary>
    public static string Value(FieldModel field) => Local(field) + "Value";

    public static string IntegerKeyword(IntegerType type) => type switch
    {
        IntegerType.Byte => "byte",
        IntegerType.SByte => "sbyte",
        IntegerType.UInt16 => "ushort",
        IntegerType.Int16 => "short",
        IntegerType.UInt32 => "uint",
        IntegerType.Int32 => "int",
        IntegerType.UInt64 => "ulong",
        _ => "long",
    };

    /// <summary>A position in the datagram: a constant expression while every field before it has a fixed size.</summary>
    public static string At(int? known) =>
        known is { } k ? (k == 0 ? "HeaderSize" : "HeaderSize + " + k.ToString(CultureInfo.InvariantCulture)) : "offset";

    public static string FieldText(FieldModel field) => field.Kind switch
    {
        FieldKind.Integer when field.MinValue is not null || field.MaxValue is not null =>
            $"{WireSizes.Of(field.Integer)}-byte integer, big-endian, {(field.MinValue ?? WireSizes.Range(field.Integer).Min).ToString(CultureInfo.InvariantCulture)} to {(field.MaxValue ?? WireSizes.Range(field.Integer).Max).ToString(CultureInfo.InvariantCulture)}",
        FieldKind.Integer => $"{WireSizes.Of(field.Integer)}-byte {(field.EnumType is null ? "integer" : "enum")}, big-endian",
        FieldKind.Address => "address, 8 (IPv4) or 20 (IPv6) bytes",
        FieldKind.PrefixedBytes => $"1-byte length, then {field.MinLength} to {field.MaxLength} bytes",
        _ => field.MaxLength < 0 ? "the rest of the datagram" : $"the rest of the datagram, {field.MinLength} to {field.MaxLength} bytes",
    };

    public static string ChallengeText(ChallengeRule rule) => rule switch
    {
        ChallengeRule.Member => "a member's challenge, never a reserved value",
        ChallengeRule.FirstContact => "always 0x00FF, first contact",
        ChallengeRule.None => "always 0xFFFF, none",
        ChallengeRule.NoneOrMember => "0xFFFF (none) or a member's challenge",
        _ => "any value",
    };

    public static string DirectionText(Direction direction) => direction switch
    {
        Direction.ClientToServer => "client to server",
        Direction.ServerToClient => "server to client",
        Direction.PeerToPeer => "peer to peer",
        _ => "either direction",
    };
}
