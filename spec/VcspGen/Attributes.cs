using System;

namespace VcspGen;

/// <summary>
/// Declares a <c>partial struct</c> as a VCSP packet kind. The source generator emits its size constants,
/// an allocation-free decoder (<c>TryDecode</c>) and encoder (<c>TryEncode</c>), and adds it to the
/// assembly's flag-dispatch table. Instance fields are the packet's body, in wire order, after the header
/// that <see cref="Layout"/> names (see <c>spec/PROTOCOL.md</c> §3).
/// </summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class VcspPacketAttribute : Attribute
{
    /// <summary>Declares a packet kind identified by <paramref name="flag"/> (header byte 1).</summary>
    /// <param name="flag">The flag value that identifies this packet kind on the wire.</param>
    public VcspPacketAttribute(byte flag) => Flag = flag;

    /// <summary>The flag value that identifies this packet kind on the wire (header byte 1).</summary>
    public byte Flag { get; }

    /// <summary>The header layout and datagram limit. Defaults to <see cref="VcspLayout.Text"/>.</summary>
    public VcspLayout Layout { get; set; } = VcspLayout.Text;

    /// <summary>Who sends this packet to whom. Documentation only; the codec does not check it.</summary>
    public VcspDirection Direction { get; set; } = VcspDirection.Both;

    /// <summary>Which challenge numbers the header may carry. Defaults to <see cref="VcspChallengeRule.Member"/>.</summary>
    public VcspChallengeRule Challenge { get; set; } = VcspChallengeRule.Member;

    /// <summary>
    /// Whether a message of this kind may be split into fragments (text layout only). A packet that is not
    /// fragmentable must carry fragmentation offset 0, and its struct gets no <c>FragmentOffset</c> field.
    /// </summary>
    public bool Fragmentable { get; set; }
}

/// <summary>
/// Options for a body field: length bounds for a variable-length field (a <see cref="ReadOnlySpan{T}"/> of bytes),
/// or value bounds for an integer field.
/// </summary>
/// <remarks>
/// A byte-span field without a length prefix takes the rest of the datagram and must be the last field.
/// A value outside <see cref="MinValue"/>..<see cref="MaxValue"/> is refused with <c>InvalidValue</c> by both
/// the decoder and the encoder.
/// </remarks>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class VcspFieldAttribute : Attribute
{
    /// <summary>Whether the field is preceded on the wire by a one-byte length.</summary>
    public bool LengthPrefixed { get; set; }

    /// <summary>The smallest length the field may have, in bytes. Defaults to 0.</summary>
    public int MinLength { get; set; }

    /// <summary>The largest length the field may have, in bytes; -1 (the default) means no bound beyond the datagram limit.</summary>
    public int MaxLength { get; set; } = -1;

    /// <summary>The smallest value an integer field may hold; defaults to the type's smallest.</summary>
    public long MinValue { get; set; } = long.MinValue;

    /// <summary>The largest value an integer field may hold; defaults to the type's largest (for <c>ulong</c>, at most <see cref="long.MaxValue"/> can be named).</summary>
    public long MaxValue { get; set; } = long.MaxValue;

    /// <summary>
    /// Whether a byte-span field holds UTF-8 text. The codecs treat it as bytes either way (they do not validate
    /// text); tools built from the spec show it as text, such as the generated Wireshark dissector.
    /// </summary>
    public bool Text { get; set; }
}

/// <summary>The header layouts of VCSP (spec/PROTOCOL.md §3).</summary>
public enum VcspLayout
{
    /// <summary>The 10-byte text header: version, flag, challenge, sequence, fragmentation offset, payload length. Datagrams of at most 128 bytes.</summary>
    Text = 0,

    /// <summary>The 5-byte media header: version, flag, challenge, payload length. Datagrams of at most 240 bytes.</summary>
    Media = 1,
}

/// <summary>Who sends a packet kind to whom.</summary>
public enum VcspDirection
{
    /// <summary>Sent in either direction.</summary>
    Both = 0,

    /// <summary>Sent by a client to its server.</summary>
    ClientToServer = 1,

    /// <summary>Sent by a server to a client.</summary>
    ServerToClient = 2,

    /// <summary>Sent by one peer to another, with no server involved (direct messages).</summary>
    PeerToPeer = 3,
}

/// <summary>Which challenge numbers a packet kind may carry (spec/PROTOCOL.md §5).</summary>
public enum VcspChallengeRule
{
    /// <summary>Any value that is not reserved: a member's challenge.</summary>
    Member = 0,

    /// <summary>Exactly <see cref="VcspChallenge.FirstContact"/> (0x00FF).</summary>
    FirstContact = 1,

    /// <summary>Exactly <see cref="VcspChallenge.None"/> (0xFFFF).</summary>
    None = 2,

    /// <summary><see cref="VcspChallenge.None"/> or any value that is not reserved; never <see cref="VcspChallenge.FirstContact"/>.</summary>
    NoneOrMember = 3,

    /// <summary>Any 16-bit value.</summary>
    Any = 4,
}
