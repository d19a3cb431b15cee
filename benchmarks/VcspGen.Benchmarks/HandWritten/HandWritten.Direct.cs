using System;

namespace VcspGen.Benchmarks;

/// <summary>The peer-to-peer family: DirectMessage, Silent (PROTOCOL.md §8).</summary>
public static partial class HandWritten
{
    /// <summary>DirectMessage's flag.</summary>
    public const byte DirectMessageFlag = 0xD3;

    /// <summary>Silent's flag.</summary>
    public const byte SilentFlag = 0x2A;

    /// <summary>A message from one peer to another.</summary>
    public ref struct DirectMessagePacket
    {
        /// <summary>0xFFFF or a member's challenge; never 0x00FF.</summary>
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

    /// <summary>A peer that went silent.</summary>
    public struct SilentPacket
    {
        /// <summary>A member's challenge.</summary>
        public ushort Challenge;

        /// <summary>The sequence number.</summary>
        public uint Sequence;

        /// <summary>The silent peer's address.</summary>
        public Address Peer;
    }

    /// <summary>Decodes a DirectMessage.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid DirectMessage.</returns>
    public static bool TryDecodeDirectMessage(ReadOnlySpan<byte> datagram, out DirectMessagePacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, DirectMessageFlag, out var challenge, out var sequence)
            || challenge == VcspChallenge.FirstContact || datagram.Length < TextHeaderSize + 1)
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

    /// <summary>Encodes a DirectMessage.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeDirectMessage(Span<byte> destination, in DirectMessagePacket packet)
    {
        var size = TextHeaderSize + 1 + packet.Sender.Length + packet.Data.Length;
        if (packet.Challenge == VcspChallenge.FirstContact || packet.Sender.Length is < 1 or > MaxNameLength || packet.Data.Length < 1
            || size > TextDatagramLimit || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, DirectMessageFlag, packet.Challenge, packet.Sequence, packet.FragmentOffset, size);
        destination[TextHeaderSize] = (byte)packet.Sender.Length;
        packet.Sender.CopyTo(destination.Slice(TextHeaderSize + 1));
        packet.Data.CopyTo(destination.Slice(TextHeaderSize + 1 + packet.Sender.Length));
        return size;
    }

    /// <summary>Decodes a Silent.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="packet">The packet, or default.</param>
    /// <returns>Whether it is a valid Silent.</returns>
    public static bool TryDecodeSilent(ReadOnlySpan<byte> datagram, out SilentPacket packet)
    {
        packet = default;
        if (!TryReadTextHeader(datagram, SilentFlag, out var challenge, out var sequence)
            || datagram[8] != 0 || IsReserved(challenge)
            || !TryReadAddress(datagram.Slice(TextHeaderSize), out var peer, out var peerSize)
            || datagram.Length != TextHeaderSize + peerSize)
        {
            return false;
        }

        packet.Challenge = challenge;
        packet.Sequence = sequence;
        packet.Peer = peer;
        return true;
    }

    /// <summary>Encodes a Silent.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written, or 0 when refused.</returns>
    public static int EncodeSilent(Span<byte> destination, in SilentPacket packet)
    {
        var peerSize = packet.Peer.Size;
        var size = TextHeaderSize + peerSize;
        if (IsReserved(packet.Challenge) || peerSize == 0 || destination.Length < size)
        {
            return 0;
        }

        WriteTextHeader(destination, SilentFlag, packet.Challenge, packet.Sequence, 0, size);
        WriteAddress(destination.Slice(TextHeaderSize), in packet.Peer);
        return size;
    }
}
