namespace VcspGen.Spec;

/// <summary>Which request a <see cref="Response"/> answers (PROTOCOL.md §8.2).</summary>
public enum ResponseTo : byte
{
    /// <summary>A <see cref="JoinRequest"/>: the Response assigns the member's challenge.</summary>
    JoinRequest = 0x1F,

    /// <summary>A <see cref="Fin"/>: the member has left the group.</summary>
    Fin = 0xFF,
}

/// <summary>Why a server rejected a join request (PROTOCOL.md §8.3).</summary>
public enum RejectReason : byte
{
    /// <summary>The request's version is not the server's.</summary>
    VersionMismatch = 1,

    /// <summary>The request names an address or port that is not this group's.</summary>
    AddressMismatch = 2,

    /// <summary>The group has as many members as it allows.</summary>
    GroupFull = 3,

    /// <summary>Another member already uses the requested name.</summary>
    NameInUse = 4,

    /// <summary>The requested name is not valid UTF-8 or breaks the member name rule: a control or format character or a space (its length is checked by the decoder).</summary>
    BadName = 5,

    /// <summary>
    /// The JoinRequest was shorter than the Response it would get: it must be padded to
    /// <see cref="JoinRequest.PaddedSize"/> bytes (PROTOCOL.md §8.1, §13.3).
    /// </summary>
    NotPadded = 6,
}

/// <summary>What an <see cref="Error"/> reports (PROTOCOL.md §8.6).</summary>
public enum ErrorCode : byte
{
    /// <summary>A message arrived out of order: its sequence number is not the next one expected.</summary>
    OutOfOrder = 1,

    /// <summary>A Syn carried more than 117 - N bytes of data (N = the sender's name length), so it cannot be relayed as one Msg.</summary>
    MessageTooLong = 2,

    /// <summary>A fragmented message was not completed in time and was abandoned.</summary>
    ReassemblyTimeout = 3,

    /// <summary>The command is not one the server knows.</summary>
    UnknownCommand = 4,

    /// <summary>The sender may not do this (for example KICK from a member who is not the administrator).</summary>
    NotPermitted = 5,

    /// <summary>No member has the name given.</summary>
    NoSuchMember = 6,

    /// <summary>The sender is not in the group's call.</summary>
    NotInCall = 7,

    /// <summary>
    /// Relayed datagrams that can no longer be delivered to this member: the relay numbers from the Error's Sequence up
    /// to Expected (not included). The member reports them lost and goes on from Expected (PROTOCOL.md §7.5).
    /// </summary>
    Skipped = 8,

    /// <summary>
    /// To a sender: some of its messages could not be delivered to a member, whose name is the Text. The messages are the
    /// ones whose datagrams lie from the Error's Sequence up to Expected (not included), in the sender's numbering
    /// (PROTOCOL.md §7.5).
    /// </summary>
    Undelivered = 9,

    /// <summary>
    /// The server does not know the address and challenge of an Ack (it restarted, or dropped the member): the client is
    /// no longer a member and joins again (PROTOCOL.md §7.7).
    /// </summary>
    NotMember = 10,
}

/// <summary>The flags of an <see cref="Ack"/> (PROTOCOL.md §8.20).</summary>
public enum AckFlags : byte
{
    /// <summary>No answer wanted.</summary>
    None = 0,

    /// <summary>The receiver is asked to answer with an Ack.</summary>
    ReplyRequested = 1,
}

/// <summary>The commands that travel in a <see cref="Command"/> (PROTOCOL.md §11).</summary>
public enum CommandCode : byte
{
    /// <summary>LIST: the members' names (and addresses, for the administrator).</summary>
    List = 1,

    /// <summary>INFO: the server's address, name, owner and member count.</summary>
    Info = 2,

    /// <summary>KICK: remove a member (administrator only).</summary>
    Kick = 3,

    /// <summary>WHOIS: a member's address, so a DM can be sent by name.</summary>
    Whois = 4,
}

/// <summary>The outcome of a command, in a <see cref="CommandReply"/>.</summary>
public enum CommandStatus : byte
{
    /// <summary>The command succeeded; the reply's data holds its result.</summary>
    Ok = 0,

    /// <summary>The sender may not run this command.</summary>
    NotPermitted = 1,

    /// <summary>No member has the name given.</summary>
    NoSuchMember = 2,

    /// <summary>The command's argument is missing or malformed.</summary>
    BadArgument = 3,
}

/// <summary>The SIP transport a client listens on (PROTOCOL.md §12).</summary>
public enum SipTransport : byte
{
    /// <summary>SIP over UDP.</summary>
    Udp = 0,

    /// <summary>SIP over TCP.</summary>
    Tcp = 1,
}

/// <summary>Why a server refused a voice-join request (PROTOCOL.md §8.17).</summary>
public enum CodecRejectReason : byte
{
    /// <summary>The server shares no codec with the client; the rejection lists the server's codecs.</summary>
    NoCommonCodec = 1,

    /// <summary>The call has as many members as it allows.</summary>
    CallFull = 2,
}

/// <summary>Codec identifiers: RTP payload type numbers (PROTOCOL.md §12).</summary>
public enum VcspCodec : byte
{
    /// <summary>G.711 µ-law, 8 kHz (PCMU/8000).</summary>
    Pcmu = 0,

    /// <summary>G.711 A-law, 8 kHz (PCMA/8000).</summary>
    Pcma = 8,

    /// <summary>G.722 (G722/8000).</summary>
    G722 = 9,

    /// <summary>MPEG-2 transport stream (MP2T/90000, RFC 2250).</summary>
    Mp2t = 33,

    /// <summary>H.264 video (H264/90000).</summary>
    H264 = 96,

    /// <summary>Opus (opus/48000/2).</summary>
    Opus = 111,
}
