using System;
using System.Buffers.Binary;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>The command family: Command, CommandReply, Ping, Pong (PROTOCOL.md §8).</summary>
public static partial class HandWritten
{
    /// <summary>Command's flag.</summary>
    public const byte CommandFlag = 0x4C;

    /// <summary>CommandReply's flag.</summary>
    public const byte CommandReplyFlag = 0x4D;

    /// <summary>Ping's flag.</summary>
    public const byte PingFlag = 0x50;

    /// <summary>Pong's flag.</summary>
    public const byte PongFlag = 0x51;

    /// <summary>The longest command argument.</summary>
    public const int MaxArgumentLength = 32;

    /// <summary>A command to the server.</summary>
    public ref struct CommandPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>Which command.</summary>
        public CommandCode Code;

        /// <summary>0 to 32 bytes: the rest of the datagram.</summary>
        public ReadOnlySpan<byte> Argument;
    }

    /// <summary>The server's reply to a command.</summary>
    public ref struct CommandReplyPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>0, 1 to 254, or 0xFF.</summary>
        public byte FragmentOffset;

        /// <summary>Which command.</summary>
        public CommandCode Code;

        /// <summary>How it went.</summary>
        public CommandStatus Status;

        /// <summary>The rest of the datagram.</summary>
        public ReadOnlySpan<byte> Data;
    }

    /// <summary>A ping: a timestamp.</summary>
    public struct PingPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>The sender's timestamp.</summary>
        public ulong Timestamp;
    }

    /// <summary>A pong: the ping's timestamp echoed.</summary>
    public struct PongPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>The ping's timestamp.</summary>
        public ulong Timestamp;
    }

    /// <summary>Decodes a Command.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Command.</returns>
    public static bool TryDecodeCommand(ReadOnlySpan<byte> datagram, out CommandPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, CommandFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge)
            || datagram.Length < TextHeaderSize + 1 || datagram.Length > TextHeaderSize + 1 + MaxArgumentLength)
        {
            return false;
        }

        var code = (CommandCode)datagram[TextHeaderSize];
        if (code is < CommandCode.List or > CommandCode.Whois)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.Code = code;
        packet.Argument = datagram.Slice(TextHeaderSize + 1);
        return true;
    }

    /// <summary>Encodes a Command.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeCommand(Span<byte> destination, in CommandPacket packet)
    {
        var size = TextHeaderSize + 1 + packet.Argument.Length;
        if (IsReserved(packet.Challenge) || packet.Code is < CommandCode.List or > CommandCode.Whois
            || packet.Argument.Length > MaxArgumentLength || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, CommandFlag, packet.Challenge, packet.Sequence, 0, size);
        destination[TextHeaderSize] = (byte)packet.Code;
        packet.Argument.CopyTo(destination.Slice(TextHeaderSize + 1));
        return size;
    }

    /// <summary>Decodes a CommandReply.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid CommandReply.</returns>
    public static bool TryDecodeCommandReply(ReadOnlySpan<byte> datagram, out CommandReplyPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, CommandReplyFlag, out var challenge, out var sequence)
            || IsReserved(challenge) || datagram.Length < TextHeaderSize + 2)
        {
            return false;
        }

        var code = (CommandCode)datagram[TextHeaderSize];
        var status = (CommandStatus)datagram[TextHeaderSize + 1];
        if (code is < CommandCode.List or > CommandCode.Whois || status > CommandStatus.BadArgument)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.FragmentOffset = datagram[8];
        packet.Code = code;
        packet.Status = status;
        packet.Data = datagram.Slice(TextHeaderSize + 2);
        return true;
    }

    /// <summary>Encodes a CommandReply.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeCommandReply(Span<byte> destination, in CommandReplyPacket packet)
    {
        var size = TextHeaderSize + 2 + packet.Data.Length;
        if (IsReserved(packet.Challenge) || packet.Code is < CommandCode.List or > CommandCode.Whois
            || packet.Status > CommandStatus.BadArgument || size > TextDatagramLimit || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, CommandReplyFlag, packet.Challenge, packet.Sequence, packet.FragmentOffset, size);
        destination[TextHeaderSize] = (byte)packet.Code;
        destination[TextHeaderSize + 1] = (byte)packet.Status;
        packet.Data.CopyTo(destination.Slice(TextHeaderSize + 2));
        return size;
    }

    /// <summary>Decodes a Ping.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Ping.</returns>
    public static bool TryDecodePing(ReadOnlySpan<byte> datagram, out PingPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, PingFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge) || datagram.Length != TextHeaderSize + 8)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.Timestamp = BinaryPrimitives.ReadUInt64BigEndian(datagram.Slice(TextHeaderSize));
        return true;
    }

    /// <summary>Encodes a Ping.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodePing(Span<byte> destination, in PingPacket packet)
    {
        const int Size = TextHeaderSize + 8;
        if (IsReserved(packet.Challenge) || destination.Length < Size)
        {
            return 0;
        }

        WriteTextHeader(destination, PingFlag, packet.Challenge, packet.Sequence, 0, Size);
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(TextHeaderSize), packet.Timestamp);
        return Size;
    }

    /// <summary>Decodes a Pong.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Pong.</returns>
    public static bool TryDecodePong(ReadOnlySpan<byte> datagram, out PongPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, PongFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge) || datagram.Length != TextHeaderSize + 8)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.Timestamp = BinaryPrimitives.ReadUInt64BigEndian(datagram.Slice(TextHeaderSize));
        return true;
    }

    /// <summary>Encodes a Pong.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodePong(Span<byte> destination, in PongPacket packet)
    {
        const int Size = TextHeaderSize + 8;
        if (IsReserved(packet.Challenge) || destination.Length < Size)
        {
            return 0;
        }

        WriteTextHeader(destination, PongFlag, packet.Challenge, packet.Sequence, 0, Size);
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(TextHeaderSize), packet.Timestamp);
        return Size;
    }
}
