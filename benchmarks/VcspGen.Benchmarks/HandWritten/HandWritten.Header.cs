using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VcspGen.Benchmarks;

/// <summary>
/// The like-for-like baseline (issue 15): every packet kind of spec/PROTOCOL.md §8 decoded and encoded by hand with
/// <see cref="BinaryPrimitives"/>, doing exactly the checks the generated codecs do, but answering only yes or no (no
/// refusal reason). Free of BenchmarkDotNet, so tests/VcspGen.Tests compiles these files too and proves them equal to
/// the generated code (HandWrittenBaselineTests). This file: the two headers, the challenge rules and addresses.
/// </summary>
public static partial class HandWritten
{
    /// <summary>The protocol version, header byte 0.</summary>
    public const byte Version = 1;

    /// <summary>The text header: version, flag, challenge (2), sequence (4), fragment offset, payload length.</summary>
    public const int TextHeaderSize = 10;

    /// <summary>The largest text datagram, header included.</summary>
    public const int TextDatagramLimit = 128;

    /// <summary>The media header: version, flag, challenge (2), payload length.</summary>
    public const int MediaHeaderSize = 5;

    /// <summary>The largest media datagram, header included.</summary>
    public const int MediaDatagramLimit = 240;

    /// <summary>An IPv4 address on the wire: family, reserved byte, port, 4 address bytes.</summary>
    public const int IPv4AddressSize = 8;

    /// <summary>An IPv6 address on the wire: family, reserved byte, port, 16 address bytes.</summary>
    public const int IPv6AddressSize = 20;

    /// <summary>Address family byte of an IPv4 address.</summary>
    public const byte FamilyIPv4 = 4;

    /// <summary>Address family byte of an IPv6 address.</summary>
    public const byte FamilyIPv6 = 6;

    /// <summary>A member's challenge: neither reserved value.</summary>
    /// <param name="challenge">The challenge.</param>
    /// <returns>Whether it is 0x00FF or 0xFFFF.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsReserved(ushort challenge) => challenge is VcspChallenge.FirstContact or VcspChallenge.None;

    /// <summary>
    /// Reads a text header for <paramref name="flag"/>: at least the header and at most the text limit, version 1, the
    /// flag, and a payload length byte that matches the datagram. Challenge rules and the fragment offset are the
    /// caller's, as they differ by kind.
    /// </summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="flag">The expected flag.</param>
    /// <param name="challenge">Header bytes 2-3.</param>
    /// <param name="sequence">Header bytes 4-7.</param>
    /// <returns>Whether the header is acceptable.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadTextHeader(ReadOnlySpan<byte> datagram, byte flag, out ushort challenge, out uint sequence)
    {
        if (datagram.Length < TextHeaderSize || datagram.Length > TextDatagramLimit
            || datagram[0] != Version || datagram[1] != flag || datagram[9] != datagram.Length - TextHeaderSize)
        {
            challenge = 0;
            sequence = 0;
            return false;
        }

        challenge = BinaryPrimitives.ReadUInt16BigEndian(datagram.Slice(2));
        sequence = BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(4));
        return true;
    }

    /// <summary>Reads a media header for <paramref name="flag"/>, with a member's challenge.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="flag">The expected flag.</param>
    /// <param name="challenge">Header bytes 2-3.</param>
    /// <returns>Whether the header is acceptable.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadMediaHeader(ReadOnlySpan<byte> datagram, byte flag, out ushort challenge)
    {
        if (datagram.Length < MediaHeaderSize || datagram.Length > MediaDatagramLimit
            || datagram[0] != Version || datagram[1] != flag || datagram[4] != datagram.Length - MediaHeaderSize)
        {
            challenge = 0;
            return false;
        }

        challenge = BinaryPrimitives.ReadUInt16BigEndian(datagram.Slice(2));
        return !IsReserved(challenge);
    }

    /// <summary>Writes a text header; the caller has checked that <paramref name="destination"/> holds it.</summary>
    /// <param name="destination">Where the datagram starts.</param>
    /// <param name="flag">The flag.</param>
    /// <param name="challenge">The challenge.</param>
    /// <param name="sequence">The sequence number.</param>
    /// <param name="fragmentOffset">The fragment offset (0 for kinds that are never fragmented).</param>
    /// <param name="size">The whole datagram's size.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteTextHeader(Span<byte> destination, byte flag, ushort challenge, uint sequence, byte fragmentOffset, int size)
    {
        destination[0] = Version;
        destination[1] = flag;
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2), challenge);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4), sequence);
        destination[8] = fragmentOffset;
        destination[9] = (byte)(size - TextHeaderSize);
    }

    /// <summary>Writes a media header; the caller has checked that <paramref name="destination"/> holds it.</summary>
    /// <param name="destination">Where the datagram starts.</param>
    /// <param name="flag">The flag.</param>
    /// <param name="challenge">The challenge.</param>
    /// <param name="size">The whole datagram's size.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteMediaHeader(Span<byte> destination, byte flag, ushort challenge, int size)
    {
        destination[0] = Version;
        destination[1] = flag;
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2), challenge);
        destination[4] = (byte)(size - MediaHeaderSize);
    }

    /// <summary>
    /// An address field (PROTOCOL.md §3): family 4 or 6, a reserved zero byte, the port, then 4 or 16 address bytes.
    /// The 16 address bytes are kept as two big-endian halves; an IPv4 address is the low 32 bits of <see cref="Low"/>.
    /// </summary>
    public struct Address
    {
        /// <summary>4, 6, or 0 for none.</summary>
        public byte Family;

        /// <summary>The port.</summary>
        public ushort Port;

        /// <summary>Address bytes 0-7 (IPv6 only).</summary>
        public ulong High;

        /// <summary>Address bytes 8-15; an IPv4 address is the low 32 bits.</summary>
        public ulong Low;

        /// <summary>Gets the bytes this address takes on the wire, or 0 when it has no family.</summary>
        public readonly int Size => Family switch
        {
            FamilyIPv4 => IPv4AddressSize,
            FamilyIPv6 => IPv6AddressSize,
            _ => 0,
        };
    }

    /// <summary>Reads an address at the start of <paramref name="source"/>.</summary>
    /// <param name="source">The bytes from the address on.</param>
    /// <param name="address">The address.</param>
    /// <param name="size">Bytes read: 8 or 20.</param>
    /// <returns>Whether there is a valid address.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadAddress(ReadOnlySpan<byte> source, out Address address, out int size)
    {
        address = default;
        size = 0;
        if (source.Length < IPv4AddressSize || source[1] != 0)
        {
            return false;
        }

        var family = source[0];
        if (family == FamilyIPv4)
        {
            address.Family = FamilyIPv4;
            address.Port = BinaryPrimitives.ReadUInt16BigEndian(source.Slice(2));
            address.Low = BinaryPrimitives.ReadUInt32BigEndian(source.Slice(4));
            size = IPv4AddressSize;
            return true;
        }

        if (family == FamilyIPv6 && source.Length >= IPv6AddressSize)
        {
            address.Family = FamilyIPv6;
            address.Port = BinaryPrimitives.ReadUInt16BigEndian(source.Slice(2));
            address.High = BinaryPrimitives.ReadUInt64BigEndian(source.Slice(4));
            address.Low = BinaryPrimitives.ReadUInt64BigEndian(source.Slice(12));
            size = IPv6AddressSize;
            return true;
        }

        return false;
    }

    /// <summary>Writes an address whose family is 4 or 6; the caller has checked the room.</summary>
    /// <param name="destination">Where the address starts.</param>
    /// <param name="address">The address.</param>
    /// <returns>Bytes written.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteAddress(Span<byte> destination, in Address address)
    {
        destination[0] = address.Family;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2), address.Port);
        if (address.Family == FamilyIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4), (uint)address.Low);
            return IPv4AddressSize;
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(4), address.High);
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(12), address.Low);
        return IPv6AddressSize;
    }
}
