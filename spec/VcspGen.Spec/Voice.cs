using System;

namespace VcspGen.Spec;

/// <summary>
/// Voice-join request (0x25, PROTOCOL.md §8.16): a member asks to join the group's call, listing its codecs
/// (memo §9/8.2). Carries the member's text challenge; the server answers with a SIP INVITE or a <see cref="CodecReject"/>.
/// </summary>
[VcspPacket(0x25, Direction = VcspDirection.ClientToServer)]
public ref partial struct VoiceJoin
{
    /// <summary>The UDP or TCP port of the client's SIP endpoint.</summary>
    public ushort SipPort;

    /// <summary>The transport the client's SIP endpoint listens on.</summary>
    public SipTransport SipTransport;

    /// <summary>The client's codecs, one byte each (<see cref="VcspCodec"/> values): 1 to 32.</summary>
    [VcspField(MinLength = 1, MaxLength = 32)]
    public ReadOnlySpan<byte> Codecs;
}

/// <summary>
/// Codec rejection (0xCA, PROTOCOL.md §8.17): the server refuses a voice-join request and lists its own codecs
/// (memo §9/8.3).
/// </summary>
[VcspPacket(0xCA, Direction = VcspDirection.ServerToClient)]
public ref partial struct CodecReject
{
    /// <summary>Why the request was refused.</summary>
    public CodecRejectReason Reason;

    /// <summary>The server's codecs, one byte each: 0 to 32.</summary>
    [VcspField(MaxLength = 32)]
    public ReadOnlySpan<byte> Codecs;
}

/// <summary>
/// Voice FIN (0xEF, PROTOCOL.md §8.18): a call member leaves the call but stays in the group; the server answers
/// with the same flag (memo §7.4). Media layout: no sequence number. Carries the call challenge.
/// </summary>
[VcspPacket(0xEF, Layout = VcspLayout.Media, Direction = VcspDirection.Both)]
public partial struct VoiceFin
{
}

/// <summary>
/// Media (0x3E, PROTOCOL.md §8.19, the memo's Figure 3): audio or video data, relayed by the server at once to
/// every other call member. At most 228 bytes of data; no sequence number, no fragmentation.
/// </summary>
[VcspPacket(0x3E, Layout = VcspLayout.Media, Direction = VcspDirection.Both)]
public ref partial struct Media
{
    /// <summary>The sender's media clock (90 kHz) when the data was captured.</summary>
    public uint Timestamp;

    /// <summary>0 from a client; the sender's call-member id when relayed by the server.</summary>
    public ushort Source;

    /// <summary>The codec of <see cref="Data"/> (a <see cref="VcspCodec"/> value).</summary>
    public byte Codec;

    /// <summary>The media data: 1 to 228 bytes, typically one 188-byte MPEG-TS packet.</summary>
    [VcspField(MinLength = 1)]
    public ReadOnlySpan<byte> Data;
}
