using System;

namespace VcspGen.Spec;

/// <summary>
/// SYN (0x2E, PROTOCOL.md §8.4): a member sends a group message, or one fragment of it, to the server
/// (memo §5.2). Each datagram takes the next sequence number.
/// </summary>
[VcspPacket(0x2E, Direction = VcspDirection.ClientToServer, Fragmentable = true)]
public ref partial struct Syn
{
    /// <summary>The message text (or this fragment of it), UTF-8: 1 to 118 bytes.</summary>
    [VcspField(MinLength = 1, Text = true)]
    public ReadOnlySpan<byte> Data;
}

/// <summary>
/// MSG (0x3F, PROTOCOL.md §8.5): the server relays a group message to every other member after about 100 ms
/// (memo §5.3). Challenge 0xFFFF; the sequence numbers are the original sender's.
/// </summary>
[VcspPacket(0x3F, Direction = VcspDirection.ServerToClient, Challenge = VcspChallengeRule.None, Fragmentable = true)]
public ref partial struct Msg
{
    /// <summary>The sending member's name: UTF-8, 1 to 32 bytes.</summary>
    [VcspField(LengthPrefixed = true, MinLength = 1, MaxLength = 32, Text = true)]
    public ReadOnlySpan<byte> Sender;

    /// <summary>The message text (or this fragment of it), UTF-8, at least 1 byte.</summary>
    [VcspField(MinLength = 1, Text = true)]
    public ReadOnlySpan<byte> Data;
}

/// <summary>
/// ERROR (0xE0, PROTOCOL.md §8.6): the server tells a member that a message failed, for example because its
/// sequence number was not the next expected (memo §5.3). The sequence number is the one that failed.
/// </summary>
[VcspPacket(0xE0, Direction = VcspDirection.ServerToClient)]
public ref partial struct Error
{
    /// <summary>What went wrong.</summary>
    public ErrorCode Code;

    /// <summary>The next sequence number the server expects from this member.</summary>
    public uint Expected;

    /// <summary>A human-readable explanation, UTF-8; may be empty.</summary>
    [VcspField(Text = true)]
    public ReadOnlySpan<byte> Text;
}

/// <summary>
/// Resend request (0x3A, PROTOCOL.md §8.7): the receiver of a fragmented message asks its sender to send
/// <see cref="Count"/> datagrams again, starting at the header's sequence number (memo §8.1).
/// </summary>
[VcspPacket(0x3A, Direction = VcspDirection.Both)]
public partial struct ResendRequest
{
    /// <summary>How many consecutive sequence numbers are missing, 1 to 255.</summary>
    [VcspField(MinValue = 1)]
    public byte Count;
}

/// <summary>
/// Acknowledgement (0x3B, PROTOCOL.md §7.6, §8.20): where each side of a member's link stands. From a member: the
/// Sequence its next Syn takes, and the next relay number it expects (everything before it delivered); it is also the
/// keepalive, and a join's confirmation. From the server: the next Syn expected from the member, the group's next
/// relay number, and how many Syn datagrams the member may send (its window).
/// </summary>
[VcspPacket(0x3B, Direction = VcspDirection.Both)]
public partial struct Ack
{
    /// <summary>
    /// From a member: the next relay number it expects. From the server: the group's next relay number (the next Msg
    /// datagram it will relay).
    /// </summary>
    public uint RelayNext;

    /// <summary>
    /// From the server: how many Syn datagrams, from the header's Sequence on, the member may send. From a member: how
    /// many relayed datagrams past <see cref="RelayNext"/> it can hold (informative).
    /// </summary>
    public ushort Window;

    /// <summary>Whether the receiver is asked to answer with an Ack.</summary>
    public AckFlags Flags;
}
