using System;

namespace VcspGen;

/// <summary>
/// What every generated packet struct implements, so code can be generic over packet kinds without boxing or
/// allocating (for example a runtime's "encode into a pooled buffer and send"). Use it as a constraint with
/// <c>allows ref struct</c>, since packets with byte fields are ref structs.
/// </summary>
/// <typeparam name="TSelf">The packet struct itself.</typeparam>
public interface IVcspPacket<TSelf>
    where TSelf : IVcspPacket<TSelf>, allows ref struct
{
    /// <summary>The flag that identifies the packet kind on the wire.</summary>
    static abstract byte Flag { get; }

    /// <summary>The largest datagram of this kind, in bytes: a buffer this long always fits it.</summary>
    static abstract int MaxDatagramSize { get; }

    /// <summary>Bytes this packet takes when encoded, header included.</summary>
    int EncodedSize { get; }

    /// <summary>Decodes one datagram as this packet kind. Never throws and never allocates.</summary>
    /// <param name="datagram">The whole datagram.</param>
    /// <param name="packet">The packet, or the default value when the datagram is refused.</param>
    /// <returns><see cref="VcspDecodeStatus.Ok"/>, or why the datagram was refused.</returns>
    static abstract VcspDecodeStatus TryDecode(ReadOnlySpan<byte> datagram, out TSelf packet);

    /// <summary>Encodes this packet. Never throws and never allocates; writes nothing unless it returns Ok.</summary>
    /// <param name="destination">Where to write the datagram.</param>
    /// <param name="bytesWritten">The datagram's length, or 0.</param>
    /// <returns><see cref="VcspEncodeStatus.Ok"/>, or why the packet was not written.</returns>
    VcspEncodeStatus TryEncode(scoped Span<byte> destination, out int bytesWritten);
}
