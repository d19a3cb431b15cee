using System;

namespace VcspGen.Runtime;

/// <summary>
/// What every part of a <see cref="ClientSession"/> shares to talk to its server: the group's address, the challenge
/// the server assigned, the clock, the request retransmission policy (PROTOCOL.md §11.1) and the one
/// <see cref="PacketSender"/> all its datagrams go through.
/// </summary>
internal sealed class ServerLink
{
    private readonly PacketSender _sender;
    private VcspAddress _server;

    /// <summary>Creates the link.</summary>
    /// <param name="options">The session's settings (the server, the retry timeout and tries).</param>
    /// <param name="sink">Where datagrams go.</param>
    /// <param name="time">The clock.</param>
    public ServerLink(ClientOptions options, IDatagramSink sink, TimeProvider time)
    {
        _sender = new PacketSender(sink);
        _server = options.Server;
        Time = time;
        Retry = RetryPolicy.Request(options.RetryTimeout, options.MaxTries);
    }

    /// <summary>The group's address and port.</summary>
    public ref readonly VcspAddress Server => ref _server;

    /// <summary>Points the link at another node of the group (PROTOCOL.md §15.4), between sessions.</summary>
    /// <param name="server">Its address and port.</param>
    public void MoveTo(in VcspAddress server) => _server = server;

    /// <summary>The challenge the server assigned (valid while a member or leaving).</summary>
    public ushort Challenge { get; set; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>How a request, Ping, Ack with ReplyRequested or ResendRequest is retried.</summary>
    public RetryPolicy Retry { get; }

    /// <summary>When the last datagram went to the server (a timestamp of <see cref="Time"/>): the keepalive counts from it (PROTOCOL.md §7.6).</summary>
    public long LastSentAt { get; private set; }

    /// <summary>Encodes <paramref name="packet"/> and sends it to the server.</summary>
    /// <typeparam name="T">The packet kind.</typeparam>
    /// <param name="packet">The packet.</param>
    /// <returns>False when the codec refused the packet: nothing was sent.</returns>
    public bool Send<T>(in T packet)
        where T : IVcspPacket<T>, allows ref struct
    {
        if (!_sender.TryEncode(packet, out var datagram))
        {
            return false;
        }

        Forward(datagram);
        return true;
    }

    /// <summary>Encodes <paramref name="packet"/>, keeps a copy in <paramref name="copy"/> (for sending again) and sends it to the server.</summary>
    /// <typeparam name="T">The packet kind.</typeparam>
    /// <param name="packet">The packet.</param>
    /// <param name="copy">Where the datagram is kept: at least <see cref="VcspWire.TextDatagramLimit"/> bytes.</param>
    /// <param name="length">The datagram's length, 0 when the codec refused it (nothing was sent).</param>
    /// <returns>False when the codec refused the packet.</returns>
    public bool SendAndKeep<T>(in T packet, byte[] copy, out int length)
        where T : IVcspPacket<T>, allows ref struct
    {
        if (!_sender.TryEncode(packet, out var datagram))
        {
            length = 0;
            return false;
        }

        datagram.CopyTo(copy);
        length = datagram.Length;
        Forward(datagram);
        return true;
    }

    /// <summary>Sends a kept datagram again, unchanged.</summary>
    /// <param name="datagram">The datagram.</param>
    public void Forward(ReadOnlySpan<byte> datagram)
    {
        LastSentAt = Time.GetTimestamp();
        _sender.Forward(datagram, _server);
    }
}
