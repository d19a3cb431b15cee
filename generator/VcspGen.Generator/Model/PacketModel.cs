namespace VcspGen.Generator.Model;

/// <summary>Mirror of <c>VcspGen.VcspLayout</c> (the generator cannot reference the net10.0 attribute assembly).</summary>
internal enum Layout
{
    Text = 0,
    Media = 1,
}

/// <summary>Mirror of <c>VcspGen.VcspDirection</c>.</summary>
internal enum Direction
{
    Both = 0,
    ClientToServer = 1,
    ServerToClient = 2,
    PeerToPeer = 3,
}

/// <summary>Mirror of <c>VcspGen.VcspChallengeRule</c>.</summary>
internal enum ChallengeRule
{
    Member = 0,
    FirstContact = 1,
    None = 2,
    NoneOrMember = 3,
    Any = 4,
}

/// <summary>What a body field is on the wire.</summary>
internal enum FieldKind
{
    /// <summary>A big-endian integer (or enum) of 1, 2, 4 or 8 bytes.</summary>
    Integer,

    /// <summary>A <c>VcspGen.VcspAddress</c>: 8 or 20 bytes.</summary>
    Address,

    /// <summary>A one-byte length, then that many bytes.</summary>
    PrefixedBytes,

    /// <summary>All bytes to the end of the datagram (last field only).</summary>
    RestBytes,
}

/// <summary>The integer types a field may have on the wire.</summary>
internal enum IntegerType
{
    Byte,
    SByte,
    UInt16,
    Int16,
    UInt32,
    Int32,
    UInt64,
    Int64,
}

/// <summary>One body field, in wire order.</summary>
/// <param name="Name">The field's name.</param>
/// <param name="Kind">What the field is on the wire.</param>
/// <param name="Integer">The integer type (integers and enums).</param>
/// <param name="EnumType">The enum's fully qualified name (with <c>global::</c>), or null for a plain integer.</param>
/// <param name="EnumMembers">The enum's member names whose values are valid on the wire; empty for [Flags] enums and plain integers.</param>
/// <param name="MinLength">The smallest length of a byte field.</param>
/// <param name="MaxLength">The largest length of a byte field, or -1 when bounded only by the datagram.</param>
/// <param name="MinValue">The smallest value of a plain integer field, or null when the type's own bound applies.</param>
/// <param name="MaxValue">The largest value of a plain integer field, or null when the type's own bound applies.</param>
/// <param name="Summary">The field's XML doc <c>&lt;summary&gt;</c> as plain text, or empty (for the dissector's descriptions).</param>
/// <param name="EnumValues">An enum's members with their values (checked and [Flags] enums alike); empty for other fields.</param>
/// <param name="IsFlags">Whether the enum is a [Flags] enum (any combination of bits is valid on the wire).</param>
/// <param name="IsText">Whether a byte field holds UTF-8 text (<c>[VcspField(Text = true)]</c>), which the dissector shows as text.</param>
internal sealed record FieldModel(
    string Name,
    FieldKind Kind,
    IntegerType Integer,
    string? EnumType,
    EquatableArray<string> EnumMembers,
    int MinLength,
    int MaxLength,
    long? MinValue = null,
    long? MaxValue = null,
    string Summary = "",
    EquatableArray<EnumMemberModel> EnumValues = default,
    bool IsFlags = false,
    bool IsText = false);

/// <summary>One member of an enum field's type.</summary>
/// <param name="Name">The member's name.</param>
/// <param name="Value">Its value (a <c>ulong</c> above <see cref="long.MaxValue"/> wraps to a negative number).</param>
internal sealed record EnumMemberModel(string Name, long Value);

/// <summary>Everything the emitter needs to write one packet's codec. Holds no symbols or syntax.</summary>
/// <param name="Namespace">The struct's namespace, or empty for the global namespace.</param>
/// <param name="Name">The struct's name.</param>
/// <param name="IsPublic">Whether the struct is public (otherwise internal).</param>
/// <param name="IsRefStruct">Whether the struct is a <c>ref struct</c>.</param>
/// <param name="Flag">The packet's flag.</param>
/// <param name="Layout">The header layout.</param>
/// <param name="Direction">Who sends it to whom.</param>
/// <param name="Challenge">The challenge rule.</param>
/// <param name="Fragmentable">Whether the packet carries a fragmentation offset other than 0.</param>
/// <param name="Fields">The body fields in wire order.</param>
/// <param name="OnlyWireFields">
/// Whether the struct's instance fields are exactly the header and body fields (no auto-property or event backing
/// fields), so a decoder may assign each of them instead of clearing the whole struct first.
/// </param>
internal sealed record PacketModel(
    string Namespace,
    string Name,
    bool IsPublic,
    bool IsRefStruct,
    byte Flag,
    Layout Layout,
    Direction Direction,
    ChallengeRule Challenge,
    bool Fragmentable,
    EquatableArray<FieldModel> Fields,
    bool OnlyWireFields = false)
{
    public string FullyQualifiedName => Namespace.Length == 0 ? "global::" + Name : "global::" + Namespace + "." + Name;

    public int HeaderSize => Layout == Layout.Text ? 10 : 5;

    public int DatagramLimit => Layout == Layout.Text ? 128 : 240;

    /// <summary>The smallest body: every field at its smallest.</summary>
    public int MinBodySize
    {
        get
        {
            var size = 0;
            foreach (var f in Fields)
            {
                size += WireSizes.Min(f);
            }

            return size;
        }
    }

    /// <summary>The largest body, or -1 when a rest field has no bound.</summary>
    public int MaxBodySize
    {
        get
        {
            var size = 0;
            foreach (var f in Fields)
            {
                var max = WireSizes.Max(f);
                if (max < 0)
                {
                    return -1;
                }

                size += max;
            }

            return size;
        }
    }
}

/// <summary>Wire sizes of field kinds.</summary>
internal static class WireSizes
{
    public const int AddressMin = 8;
    public const int AddressMax = 20;

    public static int Of(IntegerType type) => type switch
    {
        IntegerType.Byte or IntegerType.SByte => 1,
        IntegerType.UInt16 or IntegerType.Int16 => 2,
        IntegerType.UInt32 or IntegerType.Int32 => 4,
        _ => 8,
    };

    /// <summary>The range of an integer type, clamped to what a <c>long</c> attribute argument can name.</summary>
    public static (long Min, long Max) Range(IntegerType type) => type switch
    {
        IntegerType.Byte => (byte.MinValue, byte.MaxValue),
        IntegerType.SByte => (sbyte.MinValue, sbyte.MaxValue),
        IntegerType.UInt16 => (ushort.MinValue, ushort.MaxValue),
        IntegerType.Int16 => (short.MinValue, short.MaxValue),
        IntegerType.UInt32 => (uint.MinValue, uint.MaxValue),
        IntegerType.Int32 => (int.MinValue, int.MaxValue),
        IntegerType.UInt64 => (0, long.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    public static int Min(FieldModel field) => field.Kind switch
    {
        FieldKind.Integer => Of(field.Integer),
        FieldKind.Address => AddressMin,
        FieldKind.PrefixedBytes => 1 + field.MinLength,
        _ => field.MinLength,
    };

    public static int Max(FieldModel field) => field.Kind switch
    {
        FieldKind.Integer => Of(field.Integer),
        FieldKind.Address => AddressMax,
        FieldKind.PrefixedBytes => 1 + (field.MaxLength < 0 ? 255 : field.MaxLength),
        _ => field.MaxLength,
    };
}
