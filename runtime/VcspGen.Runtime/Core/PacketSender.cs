using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The one encode-and-send path of a state machine: a packet is encoded into this sender's buffer and handed to the
/// sink. An encoding the codec refuses sends nothing (the caller checked its arguments, so it is a bug, reported by
/// the result). A server's sender also counts what it sends (on <c>vcsp.server.datagrams.sent</c>).
/// </summary>
internal sealed class PacketSender
{
    private readonly IDatagramSink _sink;
    private readonly byte[] _buffer;
    private readonly Counter<long>? _counter;
    private readonly KeyValuePair<string, object?> _tag;

    /// <summary>Creates a sender.</summary>
    /// <param name="sink">Where datagrams go.</param>
    /// <param name="bufferSize">The largest datagram: <see cref="VcspWire.TextDatagramLimit"/> or <see cref="VcspWire.MediaDatagramLimit"/>.</param>
    /// <param name="counter">Where sent datagrams are counted (a server's), or null not to count them.</param>
    /// <param name="metricTag">The tag to count them under (a server's group).</param>
    public PacketSender(IDatagramSink sink, int bufferSize = VcspWire.TextDatagramLimit, Counter<long>? counter = null, KeyValuePair<string, object?> metricTag = default)
    {
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _buffer = new byte[bufferSize];
        _counter = counter;
        _tag = metricTag;
    }

    /// <summary>Encodes <paramref name="packet"/> and sends it to <paramref name="destination"/>.</summary>
    /// <typeparam name="T">The packet kind.</typeparam>
    /// <param name="packet">The packet.</param>
    /// <param name="destination">Where to.</param>
    /// <returns>False when the codec refused the packet: nothing was sent.</returns>
    public bool Send<T>(in T packet, in VcspAddress destination)
        where T : IVcspPacket<T>, allows ref struct
    {
        if (!TryEncode(packet, out var datagram))
        {
            return false;
        }

        Forward(datagram, destination);
        return true;
    }

    /// <summary>Encodes <paramref name="packet"/> into this sender's buffer, to be sent to several destinations with <see cref="Forward"/>.</summary>
    /// <typeparam name="T">The packet kind.</typeparam>
    /// <param name="packet">The packet.</param>
    /// <param name="datagram">The encoded datagram, valid until the next encoding.</param>
    /// <returns>False when the codec refused the packet.</returns>
    public bool TryEncode<T>(in T packet, out Span<byte> datagram)
        where T : IVcspPacket<T>, allows ref struct
    {
        if (packet.TryEncode(_buffer, out var written) != VcspEncodeStatus.Ok)
        {
            datagram = default;
            return false;
        }

        datagram = _buffer.AsSpan(0, written);
        return true;
    }

    /// <summary>Sends an encoded datagram (one just encoded, a held copy, a cached relay).</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="destination">Where to.</param>
    public void Forward(ReadOnlySpan<byte> datagram, in VcspAddress destination)
    {
        _sink.Send(datagram, destination);
        _counter?.Add(1, _tag);
    }
}
