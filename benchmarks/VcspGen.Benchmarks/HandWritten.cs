using System;
using System.Buffers.Binary;

namespace VcspGen.Benchmarks;

/// <summary>
/// The baseline: the same packets decoded and encoded by hand with <see cref="BinaryPrimitives"/>, doing the same
/// checks as the generated code (PROTOCOL.md §3 and §8), written the way one would without a generator.
/// </summary>
public static class HandWritten
{
    /// <summary>The text header's fields.</summary>
    public struct TextHeader
    {
        /// <summary>Flag.</summary>
        public byte Flag;

        /// <summary>Challenge.</summary>
        public ushort Challenge;

        /// <summary>Sequence.</summary>
        public uint Sequence;

        /// <summary>Fragment offset.</summary>
        public byte FragmentOffset;
    }

    /// <summary>Reads and checks a text header; returns the payload or false.</summary>
    public static bool TryReadTextHeader(ReadOnlySpan<byte> datagram, byte flag, out TextHeader header, out ReadOnlySpan<byte> payload)
    {
        header = default;
        payload = default;
        if (datagram.Length < 10 || datagram.Length > 128 || datagram[0] != 1 || datagram[1] != flag || datagram[9] != datagram.Length - 10)
        {
            return false;
        }

        header.Flag = flag;
        header.Challenge = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        header.Sequence = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        header.FragmentOffset = datagram[8];
        payload = datagram[10..];
        return true;
    }

    /// <summary>Writes a text header for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static void WriteTextHeader(Span<byte> destination, in TextHeader header, int payloadLength)
    {
        destination[0] = 1;
        destination[1] = header.Flag;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], header.Challenge);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], header.Sequence);
        destination[8] = header.FragmentOffset;
        destination[9] = (byte)payloadLength;
    }

    private static bool IsReserved(ushort challenge) => challenge is VcspChallenge.FirstContact or VcspChallenge.None;

    /// <summary>FIN: header only.</summary>
    public static bool TryDecodeFin(ReadOnlySpan<byte> datagram, out TextHeader header) =>
        TryReadTextHeader(datagram, 0xFF, out header, out var payload)
        && header.FragmentOffset == 0 && !IsReserved(header.Challenge) && payload.IsEmpty;

    /// <summary>FIN.</summary>
    public static int EncodeFin(Span<byte> destination, in TextHeader header)
    {
        if (IsReserved(header.Challenge) || destination.Length < 10)
        {
            return -1;
        }

        WriteTextHeader(destination, header, 0);
        return 10;
    }

    /// <summary>SYN: header, then the message to the end.</summary>
    public static bool TryDecodeSyn(ReadOnlySpan<byte> datagram, out TextHeader header, out ReadOnlySpan<byte> data)
    {
        if (!TryReadTextHeader(datagram, 0x2E, out header, out data) || IsReserved(header.Challenge) || data.Length < 1)
        {
            data = default;
            return false;
        }

        return true;
    }

    /// <summary>SYN.</summary>
    public static int EncodeSyn(Span<byte> destination, in TextHeader header, ReadOnlySpan<byte> data)
    {
        var size = 10 + data.Length;
        if (IsReserved(header.Challenge) || data.Length < 1 || size > 128 || destination.Length < size)
        {
            return -1;
        }

        WriteTextHeader(destination, header, data.Length);
        data.CopyTo(destination[10..]);
        return size;
    }

    /// <summary>Request: header, address (family, reserved, port, 4 or 16 bytes), length-prefixed name.</summary>
    public static bool TryDecodeJoinRequest(ReadOnlySpan<byte> datagram, out TextHeader header, out ushort port, out ulong addressHigh, out ulong addressLow, out ReadOnlySpan<byte> name)
    {
        port = 0;
        addressHigh = addressLow = 0;
        name = default;
        if (!TryReadTextHeader(datagram, 0x1F, out header, out var payload) || header.FragmentOffset != 0 || header.Challenge != VcspChallenge.FirstContact)
        {
            return false;
        }

        if (payload.Length < 8 || payload[1] != 0)
        {
            return false;
        }

        port = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
        int offset;
        switch (payload[0])
        {
            case 4:
                addressLow = BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
                offset = 8;
                break;
            case 6 when payload.Length >= 20:
                addressHigh = BinaryPrimitives.ReadUInt64BigEndian(payload[4..]);
                addressLow = BinaryPrimitives.ReadUInt64BigEndian(payload[12..]);
                offset = 20;
                break;
            default:
                return false;
        }

        if (payload.Length - offset < 1)
        {
            return false;
        }

        int length = payload[offset++];
        if (length is < 1 or > 32 || payload.Length - offset != length)
        {
            return false;
        }

        name = payload.Slice(offset, length);
        return true;
    }

    /// <summary>Request (IPv4 only, as in the benchmark).</summary>
    public static int EncodeJoinRequest(Span<byte> destination, in TextHeader header, ushort port, uint address, ReadOnlySpan<byte> name)
    {
        var size = 10 + 8 + 1 + name.Length;
        if (header.Challenge != VcspChallenge.FirstContact || name.Length is < 1 or > 32 || destination.Length < size)
        {
            return -1;
        }

        WriteTextHeader(destination, header, size - 10);
        destination[10] = 4;
        destination[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], port);
        BinaryPrimitives.WriteUInt32BigEndian(destination[14..], address);
        destination[18] = (byte)name.Length;
        name.CopyTo(destination[19..]);
        return size;
    }

    /// <summary>Media: 5-byte media header, timestamp, source, codec, data.</summary>
    public static bool TryDecodeMedia(ReadOnlySpan<byte> datagram, out ushort challenge, out uint timestamp, out ushort source, out byte codec, out ReadOnlySpan<byte> data)
    {
        challenge = 0;
        timestamp = 0;
        source = 0;
        codec = 0;
        data = default;
        if (datagram.Length < 5 || datagram.Length > 240 || datagram[0] != 1 || datagram[1] != 0x3E || datagram[4] != datagram.Length - 5)
        {
            return false;
        }

        challenge = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if (IsReserved(challenge) || datagram.Length < 13)
        {
            return false;
        }

        timestamp = BinaryPrimitives.ReadUInt32BigEndian(datagram[5..]);
        source = BinaryPrimitives.ReadUInt16BigEndian(datagram[9..]);
        codec = datagram[11];
        data = datagram[12..];
        return true;
    }

    /// <summary>Media.</summary>
    public static int EncodeMedia(Span<byte> destination, ushort challenge, uint timestamp, ushort source, byte codec, ReadOnlySpan<byte> data)
    {
        var size = 12 + data.Length;
        if (IsReserved(challenge) || data.Length < 1 || size > 240 || destination.Length < size)
        {
            return -1;
        }

        destination[0] = 1;
        destination[1] = 0x3E;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], challenge);
        destination[4] = (byte)(size - 5);
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], timestamp);
        BinaryPrimitives.WriteUInt16BigEndian(destination[9..], source);
        destination[11] = codec;
        data.CopyTo(destination[12..]);
        return size;
    }
}
