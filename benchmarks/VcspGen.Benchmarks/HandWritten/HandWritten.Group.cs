using System;
using System.Buffers.Binary;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>The group-message family: Syn, Msg, Error, ResendRequest, Ack (PROTOCOL.md §8).</summary>
public static partial class HandWritten
{
    /// <summary>Syn's flag.</summary>
    public const byte SynFlag = 0x2E;

    /// <summary>Msg's flag.</summary>
    public const byte MsgFlag = 0x3F;

    /// <summary>Error's flag.</summary>
    public const byte ErrorFlag = 0xE0;

    /// <summary>ResendRequest's flag.</summary>
    public const byte ResendRequestFlag = 0x3A;

    /// <summary>Ack's flag.</summary>
    public const byte AckFlag = 0x3B;

    /// <summary>A message to the group (or a fragment of one).</summary>
    public ref struct SynPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>0, 1 to 254, or 0xFF.</summary>
        public byte FragmentOffset;

        /// <summary>At least one byte: the rest of the datagram.</summary>
        public ReadOnlySpan<byte> Data;
    }

    /// <summary>A message relayed to a member.</summary>
    public ref struct MsgPacket
    {
        /// <summary>Always 0xFFFF.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>0, 1 to 254, or 0xFF.</summary>
        public byte FragmentOffset;

        /// <summary>1 to 32 bytes.</summary>
        public ReadOnlySpan<byte> Sender;

        /// <summary>At least one byte: the rest of the datagram.</summary>
        public ReadOnlySpan<byte> Data;
    }

    /// <summary>An error report.</summary>
    public ref struct ErrorPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>What went wrong.</summary>
        public ErrorCode Code;

        /// <summary>The sequence number expected.</summary>
        public uint Expected;

        /// <summary>The rest of the datagram.</summary>
        public ReadOnlySpan<byte> Text;
    }

    /// <summary>A request to resend packets.</summary>
    public struct ResendRequestPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>1 to 255.</summary>
        public byte Count;
    }

    /// <summary>An acknowledgement.</summary>
    public struct AckPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>The next sequence number the relay expects.</summary>
        public uint RelayNext;

        /// <summary>The window.</summary>
        public ushort Window;

        /// <summary>None or ReplyRequested.</summary>
        public AckFlags Flags;
    }

    /// <summary>Decodes a Syn.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Syn.</returns>
    public static bool TryDecodeSyn(ReadOnlySpan<byte> datagram, out SynPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, SynFlag, out var challenge, out var sequence)
            || IsReserved(challenge) || datagram.Length < TextHeaderSize + 1)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.FragmentOffset = datagram[8];
        packet.Data = datagram.Slice(TextHeaderSize);
        return true;
    }

    /// <summary>Encodes a Syn.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeSyn(Span<byte> destination, in SynPacket packet)
    {
        var size = TextHeaderSize + packet.Data.Length;
        if (IsReserved(packet.Challenge) || packet.Data.Length < 1 || size > TextDatagramLimit || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, SynFlag, packet.Challenge, packet.Sequence, packet.FragmentOffset, size);
        packet.Data.CopyTo(destination.Slice(TextHeaderSize));
        return size;
    }

    /// <summary>Decodes a Msg.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Msg.</returns>
    public static bool TryDecodeMsg(ReadOnlySpan<byte> datagram, out MsgPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, MsgFlag, out var challenge, out var sequence)
            || challenge != VcspChallenge.None || datagram.Length < TextHeaderSize + 1)
        {
            return false;
        }

        int senderLength = datagram[TextHeaderSize];
        const int SenderOffset = TextHeaderSize + 1;

        // The sender and at least one byte of data.
        if (senderLength is < 1 or > MaxNameLength || datagram.Length - SenderOffset <= senderLength)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.FragmentOffset = datagram[8];
        packet.Sender = datagram.Slice(SenderOffset, senderLength);
        packet.Data = datagram.Slice(SenderOffset + senderLength);
        return true;
    }

    /// <summary>Encodes a Msg.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeMsg(Span<byte> destination, in MsgPacket packet)
    {
        var size = TextHeaderSize + 1 + packet.Sender.Length + packet.Data.Length;
        if (packet.Challenge != VcspChallenge.None || packet.Sender.Length is < 1 or > MaxNameLength || packet.Data.Length < 1
            || size > TextDatagramLimit || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, MsgFlag, packet.Challenge, packet.Sequence, packet.FragmentOffset, size);
        destination[TextHeaderSize] = (byte)packet.Sender.Length;
        packet.Sender.CopyTo(destination.Slice(TextHeaderSize + 1));
        packet.Data.CopyTo(destination.Slice(TextHeaderSize + 1 + packet.Sender.Length));
        return size;
    }

    /// <summary>Decodes an Error.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Error.</returns>
    public static bool TryDecodeError(ReadOnlySpan<byte> datagram, out ErrorPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, ErrorFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge) || datagram.Length < TextHeaderSize + 5)
        {
            return false;
        }

        var code = (ErrorCode)datagram[TextHeaderSize];
        if (code is < ErrorCode.OutOfOrder or > ErrorCode.NotMember)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.Code = code;
        packet.Expected = BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(TextHeaderSize + 1));
        packet.Text = datagram.Slice(TextHeaderSize + 5);
        return true;
    }

    /// <summary>Encodes an Error.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeError(Span<byte> destination, in ErrorPacket packet)
    {
        var size = TextHeaderSize + 5 + packet.Text.Length;
        if (IsReserved(packet.Challenge) || packet.Code is < ErrorCode.OutOfOrder or > ErrorCode.NotMember
            || size > TextDatagramLimit || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, ErrorFlag, packet.Challenge, packet.Sequence, 0, size);
        destination[TextHeaderSize] = (byte)packet.Code;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(TextHeaderSize + 1), packet.Expected);
        packet.Text.CopyTo(destination.Slice(TextHeaderSize + 5));
        return size;
    }

    /// <summary>Decodes a ResendRequest.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid ResendRequest.</returns>
    public static bool TryDecodeResendRequest(ReadOnlySpan<byte> datagram, out ResendRequestPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, ResendRequestFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge) || datagram.Length != TextHeaderSize + 1 || datagram[TextHeaderSize] == 0)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.Count = datagram[TextHeaderSize];
        return true;
    }

    /// <summary>Encodes a ResendRequest.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeResendRequest(Span<byte> destination, in ResendRequestPacket packet)
    {
        const int Size = TextHeaderSize + 1;
        if (IsReserved(packet.Challenge) || packet.Count == 0 || destination.Length < Size)
        {
            return 0;
        }

        WriteTextHeader(destination, ResendRequestFlag, packet.Challenge, packet.Sequence, 0, Size);
        destination[TextHeaderSize] = packet.Count;
        return Size;
    }

    /// <summary>Decodes an Ack.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Ack.</returns>
    public static bool TryDecodeAck(ReadOnlySpan<byte> datagram, out AckPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, AckFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge) || datagram.Length != TextHeaderSize + 7)
        {
            return false;
        }

        var flags = (AckFlags)datagram[TextHeaderSize + 6];
        if (flags is not (AckFlags.None or AckFlags.ReplyRequested))
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.RelayNext = BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(TextHeaderSize));
        packet.Window = BinaryPrimitives.ReadUInt16BigEndian(datagram.Slice(TextHeaderSize + 4));
        packet.Flags = flags;
        return true;
    }

    /// <summary>Encodes an Ack.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeAck(Span<byte> destination, in AckPacket packet)
    {
        const int Size = TextHeaderSize + 7;
        if (IsReserved(packet.Challenge) || packet.Flags is not (AckFlags.None or AckFlags.ReplyRequested) || destination.Length < Size)
        {
            return 0;
        }

        WriteTextHeader(destination, AckFlag, packet.Challenge, packet.Sequence, 0, Size);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(TextHeaderSize), packet.RelayNext);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(TextHeaderSize + 4), packet.Window);
        destination[TextHeaderSize + 6] = (byte)packet.Flags;
        return Size;
    }
}
