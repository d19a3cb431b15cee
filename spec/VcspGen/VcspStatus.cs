namespace VcspGen;

/// <summary>Why a datagram was refused by a generated decoder (or <see cref="Ok"/>). Decoders never throw.</summary>
public enum VcspDecodeStatus : byte
{
    /// <summary>The datagram decoded.</summary>
    Ok = 0,

    /// <summary>The datagram ends before its header or a field does.</summary>
    Truncated,

    /// <summary>The datagram is longer than its layout's limit (128 bytes for text, 240 for media).</summary>
    Oversize,

    /// <summary>No packet kind of the dispatch table has this flag.</summary>
    UnknownFlag,

    /// <summary>The datagram's flag is not the flag of the packet kind it was decoded as.</summary>
    WrongFlag,

    /// <summary>The version byte is not <see cref="VcspWire.Version"/>.</summary>
    BadVersion,

    /// <summary>The header's payload length disagrees with the datagram's length.</summary>
    BadLength,

    /// <summary>Bytes remain after the last field.</summary>
    TrailingBytes,

    /// <summary>The challenge number is not allowed for this packet kind (a reserved value where a member's is needed, or the reverse).</summary>
    ReservedChallenge,

    /// <summary>A packet kind that cannot be fragmented carries a fragmentation offset other than 0.</summary>
    BadFragmentOffset,

    /// <summary>A field holds a value its type does not define (an unknown enum value, address family, or a non-zero reserved byte).</summary>
    InvalidValue,

    /// <summary>A variable-length field's length is outside its declared bounds.</summary>
    FieldLength,
}

/// <summary>Why a generated encoder did not write a packet (or <see cref="Ok"/>). Encoders never throw.</summary>
public enum VcspEncodeStatus : byte
{
    /// <summary>The packet was written.</summary>
    Ok = 0,

    /// <summary>The destination span is smaller than the packet; nothing was written.</summary>
    DestinationTooSmall,

    /// <summary>The packet would be longer than its layout's datagram limit.</summary>
    Oversize,

    /// <summary>A variable-length field's length is outside its declared bounds.</summary>
    FieldLength,

    /// <summary>The challenge number is not allowed for this packet kind.</summary>
    ReservedChallenge,

    /// <summary>A field holds a value its type does not define (an unknown enum value or an address with no family).</summary>
    InvalidValue,
}
