using System;

namespace VcspGen.Spec;

/// <summary>
/// Request (0x1F, PROTOCOL.md §8.1): a client asks to join a group. Carries challenge 0x00FF (first contact)
/// and the client's random initial sequence number (memo §4.2).
/// </summary>
[VcspPacket(0x1F, Direction = VcspDirection.ClientToServer, Challenge = VcspChallengeRule.FirstContact)]
public ref partial struct JoinRequest
{
    /// <summary>The group's address and port as the client addressed it; the server checks it is its own.</summary>
    public VcspAddress Server;

    /// <summary>The client's display name: UTF-8, 1 to 32 bytes.</summary>
    [VcspField(LengthPrefixed = true, MinLength = 1, MaxLength = 32, Text = true)]
    public ReadOnlySpan<byte> Name;

    /// <summary>
    /// Zero bytes that make the datagram at least <see cref="PaddedSize"/> long, so that the server's answer is never
    /// larger than the request (PROTOCOL.md §8.1, §13.3); ignored by the server.
    /// </summary>
    public ReadOnlySpan<byte> Padding;

    /// <summary>How long a JoinRequest is padded to: the largest Response (PROTOCOL.md §8.1).</summary>
    public const int PaddedSize = 64;
}

/// <summary>
/// Response (0x2F, PROTOCOL.md §8.2): the server accepts a join request (assigning the member's challenge in the
/// header) or confirms a FIN. Its sequence number echoes the request's (memo §4.3, §7.3).
/// </summary>
[VcspPacket(0x2F, Direction = VcspDirection.ServerToClient)]
public ref partial struct Response
{
    /// <summary>Which request this answers.</summary>
    public ResponseTo InReplyTo;

    /// <summary>The group's own address and port.</summary>
    public VcspAddress Server;

    /// <summary>The group's name: UTF-8, 1 to 32 bytes.</summary>
    [VcspField(LengthPrefixed = true, MinLength = 1, MaxLength = 32, Text = true)]
    public ReadOnlySpan<byte> GroupName;
}

/// <summary>
/// Reject (0xC9, PROTOCOL.md §8.3): the server refuses a join request, with a reason and optional text
/// (memo §4.3). Challenge 0xFFFF: the client has none. The sequence number echoes the request's.
/// </summary>
[VcspPacket(0xC9, Direction = VcspDirection.ServerToClient, Challenge = VcspChallengeRule.None)]
public ref partial struct Reject
{
    /// <summary>Why the request was refused.</summary>
    public RejectReason Reason;

    /// <summary>A human-readable reason, UTF-8; may be empty.</summary>
    [VcspField(Text = true)]
    public ReadOnlySpan<byte> Text;
}

/// <summary>
/// FIN (0xFF, PROTOCOL.md §8.8): a member leaves the group (memo §7.2; also QUIT and RES). Empty body; the
/// server checks challenge, address and port and answers with a <see cref="Response"/>.
/// </summary>
[VcspPacket(0xFF, Direction = VcspDirection.ClientToServer)]
public partial struct Fin
{
}

/// <summary>
/// KICK (0x2D, PROTOCOL.md §8.11): the server tells a member it has been removed (VCSP Commands, KICK).
/// Carries the member's own challenge and address.
/// </summary>
[VcspPacket(0x2D, Direction = VcspDirection.ServerToClient)]
public ref partial struct Kick
{
    /// <summary>The kicked member's address and port as the server sees them.</summary>
    public VcspAddress Member;

    /// <summary>Why, UTF-8; may be empty.</summary>
    [VcspField(Text = true)]
    public ReadOnlySpan<byte> Reason;
}
