using System;
using System.Buffers.Binary;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>The join family: JoinRequest, Response, Reject, Fin, Kick (PROTOCOL.md §8).</summary>
public static partial class HandWritten
{
    /// <summary>JoinRequest's flag.</summary>
    public const byte JoinRequestFlag = 0x1F;

    /// <summary>Response's flag.</summary>
    public const byte ResponseFlag = 0x2F;

    /// <summary>Reject's flag.</summary>
    public const byte RejectFlag = 0xC9;

    /// <summary>Fin's flag.</summary>
    public const byte FinFlag = 0xFF;

    /// <summary>Kick's flag.</summary>
    public const byte KickFlag = 0x2D;

    /// <summary>The longest name or group name.</summary>
    public const int MaxNameLength = 32;

    /// <summary>A join request: the server's address, a name, padding.</summary>
    public ref struct JoinRequestPacket
    {
        /// <summary>Always 0x00FF.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>The server's address as the client sees it.</summary>
        public Address Server;

        /// <summary>1 to 32 bytes.</summary>
        public ReadOnlySpan<byte> Name;

        /// <summary>The rest of the datagram.</summary>
        public ReadOnlySpan<byte> Padding;
    }

    /// <summary>The answer to a join request or a FIN.</summary>
    public ref struct ResponsePacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>JoinRequest or Fin.</summary>
        public ResponseTo InReplyTo;

        /// <summary>The server's address.</summary>
        public Address Server;

        /// <summary>1 to 32 bytes.</summary>
        public ReadOnlySpan<byte> GroupName;
    }

    /// <summary>A refused join.</summary>
    public ref struct RejectPacket
    {
        /// <summary>Always 0xFFFF.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>Why.</summary>
        public RejectReason Reason;

        /// <summary>The rest of the datagram.</summary>
        public ReadOnlySpan<byte> Text;
    }

    /// <summary>Leaving the group: the header only.</summary>
    public struct FinPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;
    }

    /// <summary>A member removed from the group.</summary>
    public ref struct KickPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>The member's address.</summary>
        public Address Member;

        /// <summary>The rest of the datagram.</summary>
        public ReadOnlySpan<byte> Reason;
    }

    /// <summary>Decodes a JoinRequest.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid JoinRequest.</returns>
    public static bool TryDecodeJoinRequest(ReadOnlySpan<byte> datagram, out JoinRequestPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, JoinRequestFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || challenge != VcspChallenge.FirstContact
            || !TryReadAddress(datagram.Slice(TextHeaderSize), out var server, out var serverSize))
        {
            return false;
        }

        var offset = TextHeaderSize + serverSize;
        if (offset >= datagram.Length)
        {
            return false;
        }

        int nameLength = datagram[offset++];
        if (nameLength is < 1 or > MaxNameLength || datagram.Length - offset < nameLength)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.Server = server;
        packet.Name = datagram.Slice(offset, nameLength);
        packet.Padding = datagram.Slice(offset + nameLength);
        return true;
    }

    /// <summary>Encodes a JoinRequest.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeJoinRequest(Span<byte> destination, in JoinRequestPacket packet)
    {
        var serverSize = packet.Server.Size;
        var size = TextHeaderSize + serverSize + 1 + packet.Name.Length + packet.Padding.Length;
        if (packet.Challenge != VcspChallenge.FirstContact || serverSize == 0 || packet.Name.Length is < 1 or > MaxNameLength
            || size > TextDatagramLimit || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, JoinRequestFlag, packet.Challenge, packet.Sequence, 0, size);
        var offset = TextHeaderSize + WriteAddress(destination.Slice(TextHeaderSize), in packet.Server);
        destination[offset++] = (byte)packet.Name.Length;
        packet.Name.CopyTo(destination.Slice(offset));
        packet.Padding.CopyTo(destination.Slice(offset + packet.Name.Length));
        return size;
    }

    /// <summary>Decodes a Response.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Response.</returns>
    public static bool TryDecodeResponse(ReadOnlySpan<byte> datagram, out ResponsePacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, ResponseFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge) || datagram.Length < TextHeaderSize + 1)
        {
            return false;
        }

        var inReplyTo = (ResponseTo)datagram[TextHeaderSize];
        if (inReplyTo is not (ResponseTo.JoinRequest or ResponseTo.Fin)
            || !TryReadAddress(datagram.Slice(TextHeaderSize + 1), out var server, out var serverSize))
        {
            return false;
        }

        var offset = TextHeaderSize + 1 + serverSize;
        if (offset >= datagram.Length)
        {
            return false;
        }

        int nameLength = datagram[offset++];
        if (nameLength is < 1 or > MaxNameLength || datagram.Length - offset != nameLength)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.InReplyTo = inReplyTo;
        packet.Server = server;
        packet.GroupName = datagram.Slice(offset, nameLength);
        return true;
    }

    /// <summary>Encodes a Response.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeResponse(Span<byte> destination, in ResponsePacket packet)
    {
        var serverSize = packet.Server.Size;
        var size = TextHeaderSize + 1 + serverSize + 1 + packet.GroupName.Length;
        if (IsReserved(packet.Challenge) || packet.InReplyTo is not (ResponseTo.JoinRequest or ResponseTo.Fin)
            || serverSize == 0 || packet.GroupName.Length is < 1 or > MaxNameLength || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, ResponseFlag, packet.Challenge, packet.Sequence, 0, size);
        destination[TextHeaderSize] = (byte)packet.InReplyTo;
        var offset = TextHeaderSize + 1 + WriteAddress(destination.Slice(TextHeaderSize + 1), in packet.Server);
        destination[offset++] = (byte)packet.GroupName.Length;
        packet.GroupName.CopyTo(destination.Slice(offset));
        return size;
    }

    /// <summary>Decodes a Reject.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Reject.</returns>
    public static bool TryDecodeReject(ReadOnlySpan<byte> datagram, out RejectPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, RejectFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || challenge != VcspChallenge.None || datagram.Length < TextHeaderSize + 1)
        {
            return false;
        }

        var reason = (RejectReason)datagram[TextHeaderSize];
        if (reason is < RejectReason.VersionMismatch or > RejectReason.NotPadded)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.Reason = reason;
        packet.Text = datagram.Slice(TextHeaderSize + 1);
        return true;
    }

    /// <summary>Encodes a Reject.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeReject(Span<byte> destination, in RejectPacket packet)
    {
        var size = TextHeaderSize + 1 + packet.Text.Length;
        if (packet.Challenge != VcspChallenge.None || packet.Reason is < RejectReason.VersionMismatch or > RejectReason.NotPadded
            || size > TextDatagramLimit || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, RejectFlag, packet.Challenge, packet.Sequence, 0, size);
        destination[TextHeaderSize] = (byte)packet.Reason;
        packet.Text.CopyTo(destination.Slice(TextHeaderSize + 1));
        return size;
    }

    /// <summary>Decodes a Fin.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Fin.</returns>
    public static bool TryDecodeFin(ReadOnlySpan<byte> datagram, out FinPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, FinFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge) || datagram.Length != TextHeaderSize)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        return true;
    }

    /// <summary>Encodes a Fin.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeFin(Span<byte> destination, in FinPacket packet)
    {
        if (IsReserved(packet.Challenge) || destination.Length < TextHeaderSize)
        {
            return 0;
        }

        WriteTextHeader(destination, FinFlag, packet.Challenge, packet.Sequence, 0, TextHeaderSize);
        return TextHeaderSize;
    }

    /// <summary>Decodes a Kick.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Kick.</returns>
    public static bool TryDecodeKick(ReadOnlySpan<byte> datagram, out KickPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, KickFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge)
            || !TryReadAddress(datagram.Slice(TextHeaderSize), out var member, out var memberSize))
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.Member = member;
        packet.Reason = datagram.Slice(TextHeaderSize + memberSize);
        return true;
    }

    /// <summary>Encodes a Kick.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeKick(Span<byte> destination, in KickPacket packet)
    {
        var memberSize = packet.Member.Size;
        var size = TextHeaderSize + memberSize + packet.Reason.Length;
        if (IsReserved(packet.Challenge) || memberSize == 0 || size > TextDatagramLimit || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, KickFlag, packet.Challenge, packet.Sequence, 0, size);
        WriteAddress(destination.Slice(TextHeaderSize), in packet.Member);
        packet.Reason.CopyTo(destination.Slice(TextHeaderSize + memberSize));
        return size;
    }
}
