using System;
using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;

namespace VcspGen;

/// <summary>The address family of a <see cref="VcspAddress"/>, as its first wire byte.</summary>
public enum VcspAddressFamily : byte
{
    /// <summary>No address (the default value); cannot be encoded.</summary>
    Unspecified = 0,

    /// <summary>IPv4: 4 address bytes, 8 bytes on the wire.</summary>
    IPv4 = 4,

    /// <summary>IPv6: 16 address bytes, 20 bytes on the wire.</summary>
    IPv6 = 6,
}

/// <summary>
/// An IP address and UDP port as VCSP carries it (spec/PROTOCOL.md §4): family (1 byte), reserved (1 byte, 0),
/// port (2 bytes), then 4 (IPv4) or 16 (IPv6) address bytes: 8 or 20 bytes in all. The value holds its bytes
/// inline, so reading and writing one allocates nothing.
/// </summary>
public readonly struct VcspAddress : IEquatable<VcspAddress>
{
    /// <summary>Bytes an IPv4 address takes on the wire.</summary>
    public const int IPv4Size = 8;

    /// <summary>Bytes an IPv6 address takes on the wire.</summary>
    public const int IPv6Size = 20;

    /// <summary>The fewest bytes an address takes on the wire.</summary>
    public const int MinSize = IPv4Size;

    /// <summary>The most bytes an address takes on the wire.</summary>
    public const int MaxSize = IPv6Size;

    // The 16 address bytes in network order: _high holds bytes 0-7, _low bytes 8-15.
    // An IPv4 address sits in the last four bytes (the low 32 bits of _low).
    private readonly ulong _high;
    private readonly ulong _low;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private VcspAddress(VcspAddressFamily family, ushort port, ulong high, ulong low)
    {
        Family = family;
        Port = port;
        _high = high;
        _low = low;
    }

    /// <summary>The address family; <see cref="VcspAddressFamily.Unspecified"/> for the default value.</summary>
    public VcspAddressFamily Family { get; }

    /// <summary>The UDP port.</summary>
    public ushort Port { get; }

    /// <summary>Bytes this address takes on the wire: 8, 20, or 0 when <see cref="Family"/> is unspecified.</summary>
    public int EncodedSize => Family switch
    {
        VcspAddressFamily.IPv4 => IPv4Size,
        VcspAddressFamily.IPv6 => IPv6Size,
        _ => 0,
    };

    /// <summary>Creates an IPv4 address from its four bytes in network order.</summary>
    /// <param name="address">Exactly four bytes.</param>
    /// <param name="port">The UDP port.</param>
    /// <returns>The address.</returns>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not four bytes long.</exception>
    public static VcspAddress IPv4(ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length != 4)
        {
            throw new ArgumentException("An IPv4 address is 4 bytes.", nameof(address));
        }

        return new VcspAddress(VcspAddressFamily.IPv4, port, 0, BinaryPrimitives.ReadUInt32BigEndian(address));
    }

    /// <summary>Creates an IPv6 address from its sixteen bytes in network order.</summary>
    /// <param name="address">Exactly sixteen bytes.</param>
    /// <param name="port">The UDP port.</param>
    /// <returns>The address.</returns>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not sixteen bytes long.</exception>
    public static VcspAddress IPv6(ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length != 16)
        {
            throw new ArgumentException("An IPv6 address is 16 bytes.", nameof(address));
        }

        return new VcspAddress(
            VcspAddressFamily.IPv6,
            port,
            BinaryPrimitives.ReadUInt64BigEndian(address),
            BinaryPrimitives.ReadUInt64BigEndian(address.Slice(8)));
    }

    /// <summary>
    /// Creates an address from an endpoint without allocating. An IPv4-mapped IPv6 address (as dual-mode
    /// sockets report IPv4 peers) becomes the IPv4 address it maps.
    /// </summary>
    /// <param name="endPoint">An IPv4 or IPv6 endpoint.</param>
    /// <returns>The address.</returns>
    /// <exception cref="ArgumentException">The endpoint is neither IPv4 nor IPv6.</exception>
    public static VcspAddress FromEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[16];
        var ip = endPoint.Address;
        if (!ip.TryWriteBytes(bytes, out var written))
        {
            throw new ArgumentException("The endpoint's address could not be read.", nameof(endPoint));
        }

        var port = (ushort)endPoint.Port;
        return written switch
        {
            4 => IPv4(bytes.Slice(0, 4), port),
            16 when ip.IsIPv4MappedToIPv6 => IPv4(bytes.Slice(12, 4), port),
            16 => IPv6(bytes, port),
            _ => throw new ArgumentException("Only IPv4 and IPv6 endpoints are supported.", nameof(endPoint)),
        };
    }

    /// <summary>Writes the address bytes (4 or 16, without family or port) in network order.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="bytesWritten">4, 16, or 0 when nothing was written.</param>
    /// <returns><see langword="false"/> when the family is unspecified or <paramref name="destination"/> is too small.</returns>
    public bool TryWriteAddressBytes(Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        switch (Family)
        {
            case VcspAddressFamily.IPv4 when destination.Length >= 4:
                BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
                bytesWritten = 4;
                return true;
            case VcspAddressFamily.IPv6 when destination.Length >= 16:
                BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
                BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(8), _low);
                bytesWritten = 16;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Converts to an <see cref="IPEndPoint"/> (allocates).</summary>
    /// <returns>The endpoint.</returns>
    /// <exception cref="InvalidOperationException">The family is unspecified.</exception>
    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!TryWriteAddressBytes(bytes, out var written))
        {
            throw new InvalidOperationException("An unspecified VcspAddress has no endpoint.");
        }

        return new IPEndPoint(new IPAddress(bytes.Slice(0, written)), Port);
    }

    /// <summary>Reads an address from the start of <paramref name="source"/>.</summary>
    /// <param name="source">Bytes starting with an encoded address.</param>
    /// <param name="address">The address read, or the default value.</param>
    /// <param name="bytesRead">8, 20, or 0 when the status is not <see cref="VcspDecodeStatus.Ok"/>.</param>
    /// <returns>
    /// <see cref="VcspDecodeStatus.Ok"/>, <see cref="VcspDecodeStatus.Truncated"/>, or
    /// <see cref="VcspDecodeStatus.InvalidValue"/> for an unknown family or a non-zero reserved byte.
    /// </returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VcspDecodeStatus TryRead(ReadOnlySpan<byte> source, out VcspAddress address, out int bytesRead)
    {
        address = default;
        bytesRead = 0;
        if (source.Length < IPv4Size)
        {
            return VcspDecodeStatus.Truncated;
        }

        // Family, reserved byte, port and (for IPv4) the address are one big-endian load.
        var head = BinaryPrimitives.ReadUInt64BigEndian(source);
        if ((byte)(head >> 48) != 0)
        {
            return VcspDecodeStatus.InvalidValue;
        }

        var port = (ushort)(head >> 32);
        switch ((VcspAddressFamily)(head >> 56))
        {
            case VcspAddressFamily.IPv4:
                address = new VcspAddress(VcspAddressFamily.IPv4, port, 0, (uint)head);
                bytesRead = IPv4Size;
                return VcspDecodeStatus.Ok;
            case VcspAddressFamily.IPv6:
                if (source.Length < IPv6Size)
                {
                    return VcspDecodeStatus.Truncated;
                }

                address = new VcspAddress(
                    VcspAddressFamily.IPv6,
                    port,
                    BinaryPrimitives.ReadUInt64BigEndian(source.Slice(4, 8)),
                    BinaryPrimitives.ReadUInt64BigEndian(source.Slice(12, 8)));
                bytesRead = IPv6Size;
                return VcspDecodeStatus.Ok;
            default:
                return VcspDecodeStatus.InvalidValue;
        }
    }

    /// <summary>Writes the address to the start of <paramref name="destination"/>.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="bytesWritten">8, 20, or 0 when the status is not <see cref="VcspEncodeStatus.Ok"/>.</param>
    /// <returns>
    /// <see cref="VcspEncodeStatus.Ok"/>, <see cref="VcspEncodeStatus.InvalidValue"/> for an unspecified family, or
    /// <see cref="VcspEncodeStatus.DestinationTooSmall"/>.
    /// </returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VcspEncodeStatus TryWrite(Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        switch (Family)
        {
            case VcspAddressFamily.IPv4:
                if (destination.Length < IPv4Size)
                {
                    return VcspEncodeStatus.DestinationTooSmall;
                }

                // Family, reserved byte, port and address in one big-endian store.
                BinaryPrimitives.WriteUInt64BigEndian(destination, ((ulong)VcspAddressFamily.IPv4 << 56) | ((ulong)Port << 32) | (uint)_low);
                bytesWritten = IPv4Size;
                return VcspEncodeStatus.Ok;
            case VcspAddressFamily.IPv6:
                if (destination.Length < IPv6Size)
                {
                    return VcspEncodeStatus.DestinationTooSmall;
                }

                BinaryPrimitives.WriteUInt32BigEndian(destination, ((uint)VcspAddressFamily.IPv6 << 24) | Port);
                BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(4, 8), _high);
                BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(12, 8), _low);
                bytesWritten = IPv6Size;
                return VcspEncodeStatus.Ok;
            default:
                return VcspEncodeStatus.InvalidValue;
        }
    }

    /// <inheritdoc/>
    public bool Equals(VcspAddress other) =>
        Family == other.Family && Port == other.Port && _high == other._high && _low == other._low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is VcspAddress other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Family, Port, _high, _low);

    /// <summary>Formats as <c>192.0.2.1:50429</c> or <c>[2001:db8::1]:50429</c> (allocates).</summary>
    /// <returns>The text form, or <c>unspecified</c>.</returns>
    public override string ToString() => Family == VcspAddressFamily.Unspecified ? "unspecified" : ToIPEndPoint().ToString();

    /// <summary>Whether two addresses are equal.</summary>
    /// <param name="left">An address.</param>
    /// <param name="right">Another address.</param>
    /// <returns><see langword="true"/> when family, port and address bytes are equal.</returns>
    public static bool operator ==(VcspAddress left, VcspAddress right) => left.Equals(right);

    /// <summary>Whether two addresses differ.</summary>
    /// <param name="left">An address.</param>
    /// <param name="right">Another address.</param>
    /// <returns><see langword="true"/> when family, port or address bytes differ.</returns>
    public static bool operator !=(VcspAddress left, VcspAddress right) => !left.Equals(right);
}
