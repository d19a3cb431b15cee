using System;

namespace VcspGen.Spec;

/// <summary>
/// Direct message (0xD3, PROTOCOL.md §8.9): one peer to another, no server (memo §6.2). Challenge 0xFFFF until
/// the receiver answers with <see cref="Silent"/>; afterwards both use the shared challenge and one sequence counter.
/// </summary>
[VcspPacket(0xD3, Direction = VcspDirection.PeerToPeer, Challenge = VcspChallengeRule.NoneOrMember, Fragmentable = true)]
public ref partial struct DirectMessage
{
    /// <summary>The sender's name: UTF-8, 1 to 32 bytes.</summary>
    [VcspField(LengthPrefixed = true, MinLength = 1, MaxLength = 32, Text = true)]
    public ReadOnlySpan<byte> Sender;

    /// <summary>The message text (or this fragment of it), UTF-8, at least 1 byte.</summary>
    [VcspField(MinLength = 1, Text = true)]
    public ReadOnlySpan<byte> Data;
}

/// <summary>
/// Silent message (0x2A, PROTOCOL.md §8.10): the receiver of a first direct message answers with the
/// conversation's new challenge, copying the DM's sequence number (memo §6.3). Read by the client, not shown.
/// </summary>
[VcspPacket(0x2A, Direction = VcspDirection.PeerToPeer)]
public partial struct Silent
{
    /// <summary>The first DM's sender, as the receiver saw its address and port.</summary>
    public VcspAddress Peer;
}
