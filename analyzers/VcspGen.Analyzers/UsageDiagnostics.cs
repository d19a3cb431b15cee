using Microsoft.CodeAnalysis;

namespace VcspGen.Analyzers;

/// <summary>
/// Diagnostics for code that uses packets and challenge numbers (VCSP010-VCSP014). Their IDs are stable; each is
/// documented in README.md ("Diagnostics") and tracked in AnalyzerReleases.*.md.
/// </summary>
internal static class UsageDiagnostics
{
    /// <summary>The property of a <see cref="RawReservedChallenge"/> (or <see cref="ChallengeRefusedByRule"/>) diagnostic that names the constant to use.</summary>
    public const string ConstantName = "Constant";

    /// <summary>The property of a <see cref="BufferTooSmall"/> diagnostic that names the packet type whose size the fix writes, as it can be written where the size is.</summary>
    public const string PacketType = "PacketType";

    /// <summary>The property of a <see cref="RawReservedChallenge"/> diagnostic that names a cast the fix needs, if any.</summary>
    public const string CastTo = "CastTo";

    private const string Category = "VcspGen.Usage";

    public static readonly DiagnosticDescriptor RawReservedChallenge = new(
        "VCSP010",
        "Use the named constant for a reserved challenge number",
        "{0} is the reserved challenge value {1}; write VcspChallenge.{1} so the reader (and the compiler) know it is meant",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "0x00FF (first contact) and 0xFFFF (none) are the memo's two reserved challenge numbers. Written as raw numbers they are easy to mistype, to confuse with each other, or to confuse with a real member's challenge.");

    public static readonly DiagnosticDescriptor ChallengeRefusedByRule = new(
        "VCSP011",
        "Challenge value that this packet kind refuses",
        "'{0}' has challenge rule {1}: {2} {3}, so TryEncode will refuse the packet (ReservedChallenge)",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Each packet kind says which challenge numbers it may carry ([VcspPacket(Challenge = ...)], PROTOCOL.md §5.2). A member's challenge is never 0x00FF or 0xFFFF; a first-contact packet carries exactly 0x00FF; a relayed one exactly 0xFFFF.");

    public static readonly DiagnosticDescriptor IgnoredCodecResult = new(
        "VCSP012",
        "Decode or encode result is ignored",
        "The result of '{0}' is ignored; it is {1}, which says whether the packet was {2}",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Generated decoders and encoders never throw: a refusal is only visible in the status they return. Ignoring it reads garbage after a refused decode, or sends nothing after a refused encode. Assign the result to '_' to ignore it on purpose.");

    public static readonly DiagnosticDescriptor BufferTooSmall = new(
        "VCSP013",
        "Encode buffer is smaller than the packet's largest size",
        "'{0}' can take {1} bytes, but this buffer holds {2}; TryEncode returns DestinationTooSmall for larger packets (size it with {0}.MaxDatagramSize)",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A buffer whose length is known at compile time and is smaller than the packet's MaxDatagramSize works for short packets and fails for long ones.");

    public static readonly DiagnosticDescriptor FlagUsedByReference = new(
        "VCSP014",
        "Packet flag is already used by a referenced assembly",
        "Packet '{0}' uses flag 0x{1:X2}, which '{2}' in referenced assembly '{3}' already uses; a receiver dispatches on the flag alone, so give each packet kind its own flag",
        "VcspGen.Spec",
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "VCSP003 finds two packets with one flag in an assembly. Packets added in a user's assembly must also differ from those of the assemblies it builds on (VcspGen.Spec's 19 kinds, for one); the generator only sees its own assembly, to stay incremental, so this analyzer checks the references.");
}
