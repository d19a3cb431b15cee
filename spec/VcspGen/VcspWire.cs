namespace VcspGen;

/// <summary>Constants of the VCSP wire format (spec/PROTOCOL.md §3).</summary>
public static class VcspWire
{
    /// <summary>The protocol version this library speaks (header byte 0).</summary>
    public const byte Version = 1;

    /// <summary>Offset of the version byte in every layout.</summary>
    public const int VersionOffset = 0;

    /// <summary>Offset of the flag byte in every layout: receivers dispatch on it.</summary>
    public const int FlagOffset = 1;

    /// <summary>Offset of the 16-bit challenge number in every layout.</summary>
    public const int ChallengeOffset = 2;

    /// <summary>Bytes in the text header.</summary>
    public const int TextHeaderSize = 10;

    /// <summary>The largest text datagram, header included.</summary>
    public const int TextDatagramLimit = 128;

    /// <summary>The most bytes a text datagram carries after its header.</summary>
    public const int TextPayloadLimit = TextDatagramLimit - TextHeaderSize;

    /// <summary>Offset of the 32-bit sequence number in the text header.</summary>
    public const int TextSequenceOffset = 4;

    /// <summary>Offset of the fragmentation offset in the text header.</summary>
    public const int TextFragmentOffsetOffset = 8;

    /// <summary>Offset of the payload length in the text header.</summary>
    public const int TextPayloadLengthOffset = 9;

    /// <summary>Bytes in the media header.</summary>
    public const int MediaHeaderSize = 5;

    /// <summary>The largest media datagram, header included.</summary>
    public const int MediaDatagramLimit = 240;

    /// <summary>The most bytes a media datagram carries after its header.</summary>
    public const int MediaPayloadLimit = MediaDatagramLimit - MediaHeaderSize;

    /// <summary>Offset of the payload length in the media header.</summary>
    public const int MediaPayloadLengthOffset = 4;

    /// <summary>The fragmentation offset of a whole (unfragmented) message.</summary>
    public const byte WholeMessage = 0x00;

    /// <summary>The fragmentation offset of the final fragment of a message.</summary>
    public const byte FinalFragment = 0xFF;

    /// <summary>The most fragments one message may have: offsets 1 to 254 and the final 0xFF.</summary>
    public const int MaxFragments = 255;
}
