using System;
using System.Buffers.Binary;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>The voice family: VoiceJoin, CodecReject (text layout), VoiceFin, Media (media layout); PROTOCOL.md §8.</summary>
public static partial class HandWritten
{
    /// <summary>VoiceJoin's flag.</summary>
    public const byte VoiceJoinFlag = 0x25;

    /// <summary>CodecReject's flag.</summary>
    public const byte CodecRejectFlag = 0xCA;

    /// <summary>VoiceFin's flag (media layout).</summary>
    public const byte VoiceFinFlag = 0xEF;

    /// <summary>Media's flag (media layout).</summary>
    public const byte MediaFlag = 0x3E;

    /// <summary>The longest codec list.</summary>
    public const int MaxCodecsLength = 32;

    /// <summary>Joining the group's call.</summary>
    public ref struct VoiceJoinPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>The client's SIP port.</summary>
        public ushort SipPort;

        /// <summary>Udp or Tcp.</summary>
        public SipTransport SipTransport;

        /// <summary>1 to 32 codec numbers: the rest of the datagram.</summary>
        public ReadOnlySpan<byte> Codecs;
    }

    /// <summary>A refused call join.</summary>
    public ref struct CodecRejectPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>Why.</summary>
        public CodecRejectReason Reason;

        /// <summary>0 to 32 codec numbers the server offers: the rest of the datagram.</summary>
        public ReadOnlySpan<byte> Codecs;
    }

    /// <summary>Leaving the call: the media header only.</summary>
    public struct VoiceFinPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;
    }

    /// <summary>One media frame.</summary>
    public ref struct MediaPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The media timestamp.</summary>
        public uint Timestamp;

        /// <summary>The source.</summary>
        public ushort Source;

        /// <summary>The codec number.</summary>
        public byte Codec;

        /// <summary>At least one byte: the rest of the datagram.</summary>
        public ReadOnlySpan<byte> Data;
    }

    /// <summary>Decodes a VoiceJoin.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid VoiceJoin.</returns>
    public static bool TryDecodeVoiceJoin(ReadOnlySpan<byte> datagram, out VoiceJoinPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, VoiceJoinFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge)
            || datagram.Length < TextHeaderSize + 3 + 1 || datagram.Length > TextHeaderSize + 3 + MaxCodecsLength)
        {
            return false;
        }

        var transport = (SipTransport)datagram[TextHeaderSize + 2];
        if (transport > SipTransport.Tcp)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.SipPort = BinaryPrimitives.ReadUInt16BigEndian(datagram.Slice(TextHeaderSize));
        packet.SipTransport = transport;
        packet.Codecs = datagram.Slice(TextHeaderSize + 3);
        return true;
    }

    /// <summary>Encodes a VoiceJoin.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeVoiceJoin(Span<byte> destination, in VoiceJoinPacket packet)
    {
        var size = TextHeaderSize + 3 + packet.Codecs.Length;
        if (IsReserved(packet.Challenge) || packet.SipTransport > SipTransport.Tcp
            || packet.Codecs.Length is < 1 or > MaxCodecsLength || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, VoiceJoinFlag, packet.Challenge, packet.Sequence, 0, size);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(TextHeaderSize), packet.SipPort);
        destination[TextHeaderSize + 2] = (byte)packet.SipTransport;
        packet.Codecs.CopyTo(destination.Slice(TextHeaderSize + 3));
        return size;
    }

    /// <summary>Decodes a CodecReject.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid CodecReject.</returns>
    public static bool TryDecodeCodecReject(ReadOnlySpan<byte> datagram, out CodecRejectPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, CodecRejectFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge)
            || datagram.Length < TextHeaderSize + 1 || datagram.Length > TextHeaderSize + 1 + MaxCodecsLength)
        {
            return false;
        }

        var reason = (CodecRejectReason)datagram[TextHeaderSize];
        if (reason is not (CodecRejectReason.NoCommonCodec or CodecRejectReason.CallFull))
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.Reason = reason;
        packet.Codecs = datagram.Slice(TextHeaderSize + 1);
        return true;
    }

    /// <summary>Encodes a CodecReject.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeCodecReject(Span<byte> destination, in CodecRejectPacket packet)
    {
        var size = TextHeaderSize + 1 + packet.Codecs.Length;
        if (IsReserved(packet.Challenge) || packet.Reason is not (CodecRejectReason.NoCommonCodec or CodecRejectReason.CallFull)
            || packet.Codecs.Length > MaxCodecsLength || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, CodecRejectFlag, packet.Challenge, packet.Sequence, 0, size);
        destination[TextHeaderSize] = (byte)packet.Reason;
        packet.Codecs.CopyTo(destination.Slice(TextHeaderSize + 1));
        return size;
    }

    /// <summary>Decodes a VoiceFin.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid VoiceFin.</returns>
    public static bool TryDecodeVoiceFin(ReadOnlySpan<byte> datagram, out VoiceFinPacket packet)
    {
        packet = default;
        if (!TryReadMediaHeader(datagram, VoiceFinFlag, out var challenge) || datagram.Length != MediaHeaderSize)
        {
            return false;
        }

        packet.Challenge = challenge;
        return true;
    }

    /// <summary>Encodes a VoiceFin.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeVoiceFin(Span<byte> destination, in VoiceFinPacket packet)
    {
        if (IsReserved(packet.Challenge) || destination.Length < MediaHeaderSize)
        {
            return 0;
        }

        WriteMediaHeader(destination, VoiceFinFlag, packet.Challenge, MediaHeaderSize);
        return MediaHeaderSize;
    }

    /// <summary>Decodes a Media.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Media.</returns>
    public static bool TryDecodeMedia(ReadOnlySpan<byte> datagram, out MediaPacket packet)
    {
        packet = default;
        if (!TryReadMediaHeader(datagram, MediaFlag, out var challenge) || datagram.Length < MediaHeaderSize + 7 + 1)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Timestamp = BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(MediaHeaderSize));
        packet.Source = BinaryPrimitives.ReadUInt16BigEndian(datagram.Slice(MediaHeaderSize + 4));
        packet.Codec = datagram[MediaHeaderSize + 6];
        packet.Data = datagram.Slice(MediaHeaderSize + 7);
        return true;
    }

    /// <summary>Encodes a Media.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeMedia(Span<byte> destination, in MediaPacket packet)
    {
        var size = MediaHeaderSize + 7 + packet.Data.Length;
        if (IsReserved(packet.Challenge) || packet.Data.Length < 1 || size > MediaDatagramLimit || destination.Length < size)
        {
            return 0;
        }

        WriteMediaHeader(destination, MediaFlag, packet.Challenge, size);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(MediaHeaderSize), packet.Timestamp);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(MediaHeaderSize + 4), packet.Source);
        destination[MediaHeaderSize + 6] = packet.Codec;
        packet.Data.CopyTo(destination.Slice(MediaHeaderSize + 7));
        return size;
    }
}
