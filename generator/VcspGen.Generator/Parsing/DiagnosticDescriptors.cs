using Microsoft.CodeAnalysis;

namespace VcspGen.Generator.Parsing;

/// <summary>
/// Diagnostics for mistakes in spec structs. Their IDs are stable: tests, docs and users' suppressions name them.
/// The analyzer in <c>analyzers/</c> reports them; the generator only skips packets that have them, so its
/// code-emitting pipeline holds no diagnostics and stays cacheable.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "VcspGen.Spec";

    public static readonly DiagnosticDescriptor PacketNotPartial = new(
        "VCSP001",
        "Packet struct must be partial",
        "Packet struct '{0}' must be declared 'partial' so VcspGen can add its codec",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generator adds the header fields, size constants, TryDecode and TryEncode to the struct in a second partial declaration.");

    public static readonly DiagnosticDescriptor UnsupportedFieldType = new(
        "VCSP002",
        "Unsupported packet field type",
        "Field '{0}' of packet '{1}' has type '{2}', which VCSP cannot put on the wire; use byte, sbyte, ushort, short, uint, int, ulong, long, an enum of one of these, VcspAddress or ReadOnlySpan<byte>",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateFlag = new(
        "VCSP003",
        "Two packets share one flag",
        "Packets '{0}' and '{1}' both use flag 0x{2:X2}; a receiver dispatches on the flag alone, so each packet kind needs its own",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor FixedPartTooLarge = new(
        "VCSP004",
        "Packet cannot fit its datagram limit",
        "Packet '{0}' needs at least {1} bytes (a {2}-byte header and its smallest body), more than the {3} layout's limit of {4} bytes",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor RestFieldNotLast = new(
        "VCSP005",
        "Only the last field may take the rest of the datagram",
        "Field '{0}' of packet '{1}' has no length prefix, so it takes the rest of the datagram and must be the last field; add [VcspField(LengthPrefixed = true)] or move it last",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor PacketShape = new(
        "VCSP006",
        "Packet struct has an unsupported shape",
        "Packet struct '{0}' {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ReservedMemberName = new(
        "VCSP007",
        "Member name is reserved for generated code",
        "Packet '{0}' declares '{1}', a name VcspGen generates for every packet; rename it",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidFieldOptions = new(
        "VCSP008",
        "Invalid [VcspField] options",
        "Field '{0}' of packet '{1}': {2}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidPacketOptions = new(
        "VCSP009",
        "Invalid [VcspPacket] options",
        "Packet '{0}': {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);
}
