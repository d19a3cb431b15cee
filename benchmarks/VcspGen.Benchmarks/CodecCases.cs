using System;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>
/// One packet kind's work for <see cref="KindCodec{TCase}"/>: the generated and the hand-written decoder on the
/// kind's vector, and both encoders on the vector's field values (each call builds its packet from the same stored
/// fields, so the two sides do the same work).
/// </summary>
public interface ICodecCase
{
    /// <summary>Gets the kind's valid datagram.</summary>
    byte[] Vector { get; }

    /// <summary>Decodes the vector once and keeps its field values for the encoders.</summary>
    void Setup();

    /// <summary>The generated decoder.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <returns>The status plus the packet's fold.</returns>
    int GeneratedDecode(ReadOnlySpan<byte> datagram);

    /// <summary>The hand-written decoder.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <returns>The answer plus the packet's fold.</returns>
    int HandWrittenDecode(ReadOnlySpan<byte> datagram);

    /// <summary>The generated encoder.</summary>
    /// <param name="destination">Where to write.</param>
    /// <returns>The status plus the bytes written.</returns>
    int GeneratedEncode(Span<byte> destination);

    /// <summary>The hand-written encoder.</summary>
    /// <param name="destination">Where to write.</param>
    /// <returns>The bytes written.</returns>
    int HandWrittenEncode(Span<byte> destination);
}

/// <summary>JoinRequest: <see cref="CodecVectors.JoinRequest"/>.</summary>
public struct JoinRequestCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private VcspAddress _server;
    private HandWritten.Address _serverHandWritten;
    private byte[] _name;
    private byte[] _padding;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.JoinRequest;

    /// <inheritdoc/>
    public void Setup()
    {
        if (JoinRequest.TryDecode(CodecVectors.JoinRequest, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeJoinRequest(CodecVectors.JoinRequest, out var h))
        {
            throw new InvalidOperationException("The JoinRequest vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _server = g.Server;
        _serverHandWritten = h.Server;
        _name = g.Name.ToArray();
        _padding = g.Padding.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)JoinRequest.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeJoinRequest(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new JoinRequest { Challenge = _challenge, Sequence = _sequence, Server = _server, Name = _name, Padding = _padding };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.JoinRequestPacket { Challenge = _challenge, Sequence = _sequence, Server = _serverHandWritten, Name = _name, Padding = _padding };
        return HandWritten.EncodeJoinRequest(destination, in p);
    }
}

/// <summary>VoiceJoin: <see cref="CodecVectors.VoiceJoin"/>.</summary>
public struct VoiceJoinCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private ushort _sipPort;
    private SipTransport _sipTransport;
    private byte[] _codecs;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.VoiceJoin;

    /// <inheritdoc/>
    public void Setup()
    {
        if (VoiceJoin.TryDecode(CodecVectors.VoiceJoin, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeVoiceJoin(CodecVectors.VoiceJoin, out _))
        {
            throw new InvalidOperationException("The VoiceJoin vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _sipPort = g.SipPort;
        _sipTransport = g.SipTransport;
        _codecs = g.Codecs.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)VoiceJoin.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeVoiceJoin(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new VoiceJoin { Challenge = _challenge, Sequence = _sequence, SipPort = _sipPort, SipTransport = _sipTransport, Codecs = _codecs };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.VoiceJoinPacket { Challenge = _challenge, Sequence = _sequence, SipPort = _sipPort, SipTransport = _sipTransport, Codecs = _codecs };
        return HandWritten.EncodeVoiceJoin(destination, in p);
    }
}

/// <summary>Silent: <see cref="CodecVectors.Silent"/>.</summary>
public struct SilentCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private VcspAddress _peer;
    private HandWritten.Address _peerHandWritten;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Silent;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Silent.TryDecode(CodecVectors.Silent, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeSilent(CodecVectors.Silent, out var h))
        {
            throw new InvalidOperationException("The Silent vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _peer = g.Peer;
        _peerHandWritten = h.Peer;
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Silent.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeSilent(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Silent { Challenge = _challenge, Sequence = _sequence, Peer = _peer };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.SilentPacket { Challenge = _challenge, Sequence = _sequence, Peer = _peerHandWritten };
        return HandWritten.EncodeSilent(destination, in p);
    }
}

/// <summary>Kick: <see cref="CodecVectors.Kick"/>.</summary>
public struct KickCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private VcspAddress _member;
    private HandWritten.Address _memberHandWritten;
    private byte[] _reason;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Kick;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Kick.TryDecode(CodecVectors.Kick, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeKick(CodecVectors.Kick, out var h))
        {
            throw new InvalidOperationException("The Kick vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _member = g.Member;
        _memberHandWritten = h.Member;
        _reason = g.Reason.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Kick.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeKick(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Kick { Challenge = _challenge, Sequence = _sequence, Member = _member, Reason = _reason };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.KickPacket { Challenge = _challenge, Sequence = _sequence, Member = _memberHandWritten, Reason = _reason };
        return HandWritten.EncodeKick(destination, in p);
    }
}

/// <summary>Syn: <see cref="CodecVectors.Syn"/>.</summary>
public struct SynCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private byte _fragmentOffset;
    private byte[] _data;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Syn;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Syn.TryDecode(CodecVectors.Syn, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeSyn(CodecVectors.Syn, out _))
        {
            throw new InvalidOperationException("The Syn vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _fragmentOffset = g.FragmentOffset;
        _data = g.Data.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Syn.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeSyn(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Syn { Challenge = _challenge, Sequence = _sequence, FragmentOffset = _fragmentOffset, Data = _data };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.SynPacket { Challenge = _challenge, Sequence = _sequence, FragmentOffset = _fragmentOffset, Data = _data };
        return HandWritten.EncodeSyn(destination, in p);
    }
}

/// <summary>Response: <see cref="CodecVectors.Response"/>.</summary>
public struct ResponseCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private ResponseTo _inReplyTo;
    private VcspAddress _server;
    private HandWritten.Address _serverHandWritten;
    private byte[] _groupName;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Response;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Response.TryDecode(CodecVectors.Response, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeResponse(CodecVectors.Response, out var h))
        {
            throw new InvalidOperationException("The Response vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _inReplyTo = g.InReplyTo;
        _server = g.Server;
        _serverHandWritten = h.Server;
        _groupName = g.GroupName.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Response.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeResponse(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Response { Challenge = _challenge, Sequence = _sequence, InReplyTo = _inReplyTo, Server = _server, GroupName = _groupName };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.ResponsePacket { Challenge = _challenge, Sequence = _sequence, InReplyTo = _inReplyTo, Server = _serverHandWritten, GroupName = _groupName };
        return HandWritten.EncodeResponse(destination, in p);
    }
}

/// <summary>ResendRequest: <see cref="CodecVectors.ResendRequest"/>.</summary>
public struct ResendRequestCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private byte _count;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.ResendRequest;

    /// <inheritdoc/>
    public void Setup()
    {
        if (ResendRequest.TryDecode(CodecVectors.ResendRequest, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeResendRequest(CodecVectors.ResendRequest, out _))
        {
            throw new InvalidOperationException("The ResendRequest vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _count = g.Count;
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)ResendRequest.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeResendRequest(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new ResendRequest { Challenge = _challenge, Sequence = _sequence, Count = _count };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.ResendRequestPacket { Challenge = _challenge, Sequence = _sequence, Count = _count };
        return HandWritten.EncodeResendRequest(destination, in p);
    }
}

/// <summary>Ack: <see cref="CodecVectors.Ack"/>.</summary>
public struct AckCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private uint _relayNext;
    private ushort _window;
    private AckFlags _flags;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Ack;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Ack.TryDecode(CodecVectors.Ack, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeAck(CodecVectors.Ack, out _))
        {
            throw new InvalidOperationException("The Ack vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _relayNext = g.RelayNext;
        _window = g.Window;
        _flags = g.Flags;
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Ack.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeAck(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Ack { Challenge = _challenge, Sequence = _sequence, RelayNext = _relayNext, Window = _window, Flags = _flags };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.AckPacket { Challenge = _challenge, Sequence = _sequence, RelayNext = _relayNext, Window = _window, Flags = _flags };
        return HandWritten.EncodeAck(destination, in p);
    }
}

/// <summary>Media: <see cref="CodecVectors.Media"/>.</summary>
public struct MediaCase : ICodecCase
{
    private ushort _challenge;
    private uint _timestamp;
    private ushort _source;
    private byte _codec;
    private byte[] _data;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Media;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Media.TryDecode(CodecVectors.Media, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeMedia(CodecVectors.Media, out _))
        {
            throw new InvalidOperationException("The Media vector does not decode.");
        }

        _challenge = g.Challenge;
        _timestamp = g.Timestamp;
        _source = g.Source;
        _codec = g.Codec;
        _data = g.Data.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Media.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeMedia(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Media { Challenge = _challenge, Timestamp = _timestamp, Source = _source, Codec = _codec, Data = _data };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.MediaPacket { Challenge = _challenge, Timestamp = _timestamp, Source = _source, Codec = _codec, Data = _data };
        return HandWritten.EncodeMedia(destination, in p);
    }
}

/// <summary>Msg: <see cref="CodecVectors.Msg"/>.</summary>
public struct MsgCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private byte _fragmentOffset;
    private byte[] _sender;
    private byte[] _data;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Msg;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Msg.TryDecode(CodecVectors.Msg, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeMsg(CodecVectors.Msg, out _))
        {
            throw new InvalidOperationException("The Msg vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _fragmentOffset = g.FragmentOffset;
        _sender = g.Sender.ToArray();
        _data = g.Data.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Msg.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeMsg(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Msg { Challenge = _challenge, Sequence = _sequence, FragmentOffset = _fragmentOffset, Sender = _sender, Data = _data };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.MsgPacket { Challenge = _challenge, Sequence = _sequence, FragmentOffset = _fragmentOffset, Sender = _sender, Data = _data };
        return HandWritten.EncodeMsg(destination, in p);
    }
}

/// <summary>Command: <see cref="CodecVectors.Command"/>.</summary>
public struct CommandCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private CommandCode _code;
    private byte[] _argument;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Command;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Command.TryDecode(CodecVectors.Command, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeCommand(CodecVectors.Command, out _))
        {
            throw new InvalidOperationException("The Command vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _code = g.Code;
        _argument = g.Argument.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Command.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeCommand(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Command { Challenge = _challenge, Sequence = _sequence, Code = _code, Argument = _argument };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.CommandPacket { Challenge = _challenge, Sequence = _sequence, Code = _code, Argument = _argument };
        return HandWritten.EncodeCommand(destination, in p);
    }
}

/// <summary>CommandReply: <see cref="CodecVectors.CommandReply"/>.</summary>
public struct CommandReplyCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private byte _fragmentOffset;
    private CommandCode _code;
    private CommandStatus _status;
    private byte[] _data;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.CommandReply;

    /// <inheritdoc/>
    public void Setup()
    {
        if (CommandReply.TryDecode(CodecVectors.CommandReply, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeCommandReply(CodecVectors.CommandReply, out _))
        {
            throw new InvalidOperationException("The CommandReply vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _fragmentOffset = g.FragmentOffset;
        _code = g.Code;
        _status = g.Status;
        _data = g.Data.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)CommandReply.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeCommandReply(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new CommandReply { Challenge = _challenge, Sequence = _sequence, FragmentOffset = _fragmentOffset, Code = _code, Status = _status, Data = _data };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.CommandReplyPacket { Challenge = _challenge, Sequence = _sequence, FragmentOffset = _fragmentOffset, Code = _code, Status = _status, Data = _data };
        return HandWritten.EncodeCommandReply(destination, in p);
    }
}

/// <summary>Ping: <see cref="CodecVectors.Ping"/>.</summary>
public struct PingCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private ulong _timestamp;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Ping;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Ping.TryDecode(CodecVectors.Ping, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodePing(CodecVectors.Ping, out _))
        {
            throw new InvalidOperationException("The Ping vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _timestamp = g.Timestamp;
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Ping.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodePing(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Ping { Challenge = _challenge, Sequence = _sequence, Timestamp = _timestamp };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.PingPacket { Challenge = _challenge, Sequence = _sequence, Timestamp = _timestamp };
        return HandWritten.EncodePing(destination, in p);
    }
}

/// <summary>Pong: <see cref="CodecVectors.Pong"/>.</summary>
public struct PongCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private ulong _timestamp;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Pong;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Pong.TryDecode(CodecVectors.Pong, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodePong(CodecVectors.Pong, out _))
        {
            throw new InvalidOperationException("The Pong vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _timestamp = g.Timestamp;
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Pong.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodePong(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Pong { Challenge = _challenge, Sequence = _sequence, Timestamp = _timestamp };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.PongPacket { Challenge = _challenge, Sequence = _sequence, Timestamp = _timestamp };
        return HandWritten.EncodePong(destination, in p);
    }
}

/// <summary>Reject: <see cref="CodecVectors.Reject"/>.</summary>
public struct RejectCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private RejectReason _reason;
    private byte[] _text;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Reject;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Reject.TryDecode(CodecVectors.Reject, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeReject(CodecVectors.Reject, out _))
        {
            throw new InvalidOperationException("The Reject vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _reason = g.Reason;
        _text = g.Text.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Reject.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeReject(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Reject { Challenge = _challenge, Sequence = _sequence, Reason = _reason, Text = _text };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.RejectPacket { Challenge = _challenge, Sequence = _sequence, Reason = _reason, Text = _text };
        return HandWritten.EncodeReject(destination, in p);
    }
}

/// <summary>CodecReject: <see cref="CodecVectors.CodecReject"/>.</summary>
public struct CodecRejectCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private CodecRejectReason _reason;
    private byte[] _codecs;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.CodecReject;

    /// <inheritdoc/>
    public void Setup()
    {
        if (CodecReject.TryDecode(CodecVectors.CodecReject, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeCodecReject(CodecVectors.CodecReject, out _))
        {
            throw new InvalidOperationException("The CodecReject vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _reason = g.Reason;
        _codecs = g.Codecs.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)CodecReject.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeCodecReject(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new CodecReject { Challenge = _challenge, Sequence = _sequence, Reason = _reason, Codecs = _codecs };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.CodecRejectPacket { Challenge = _challenge, Sequence = _sequence, Reason = _reason, Codecs = _codecs };
        return HandWritten.EncodeCodecReject(destination, in p);
    }
}

/// <summary>DirectMessage: <see cref="CodecVectors.DirectMessage"/>.</summary>
public struct DirectMessageCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private byte _fragmentOffset;
    private byte[] _sender;
    private byte[] _data;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.DirectMessage;

    /// <inheritdoc/>
    public void Setup()
    {
        if (DirectMessage.TryDecode(CodecVectors.DirectMessage, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeDirectMessage(CodecVectors.DirectMessage, out _))
        {
            throw new InvalidOperationException("The DirectMessage vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _fragmentOffset = g.FragmentOffset;
        _sender = g.Sender.ToArray();
        _data = g.Data.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)DirectMessage.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeDirectMessage(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new DirectMessage { Challenge = _challenge, Sequence = _sequence, FragmentOffset = _fragmentOffset, Sender = _sender, Data = _data };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.DirectMessagePacket { Challenge = _challenge, Sequence = _sequence, FragmentOffset = _fragmentOffset, Sender = _sender, Data = _data };
        return HandWritten.EncodeDirectMessage(destination, in p);
    }
}

/// <summary>Error: <see cref="CodecVectors.Error"/>.</summary>
public struct ErrorCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;
    private ErrorCode _code;
    private uint _expected;
    private byte[] _text;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Error;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Error.TryDecode(CodecVectors.Error, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeError(CodecVectors.Error, out _))
        {
            throw new InvalidOperationException("The Error vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
        _code = g.Code;
        _expected = g.Expected;
        _text = g.Text.ToArray();
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Error.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeError(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Error { Challenge = _challenge, Sequence = _sequence, Code = _code, Expected = _expected, Text = _text };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.ErrorPacket { Challenge = _challenge, Sequence = _sequence, Code = _code, Expected = _expected, Text = _text };
        return HandWritten.EncodeError(destination, in p);
    }
}

/// <summary>VoiceFin: <see cref="CodecVectors.VoiceFin"/>.</summary>
public struct VoiceFinCase : ICodecCase
{
    private ushort _challenge;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.VoiceFin;

    /// <inheritdoc/>
    public void Setup()
    {
        if (VoiceFin.TryDecode(CodecVectors.VoiceFin, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeVoiceFin(CodecVectors.VoiceFin, out _))
        {
            throw new InvalidOperationException("The VoiceFin vector does not decode.");
        }

        _challenge = g.Challenge;
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)VoiceFin.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeVoiceFin(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new VoiceFin { Challenge = _challenge };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.VoiceFinPacket { Challenge = _challenge };
        return HandWritten.EncodeVoiceFin(destination, in p);
    }
}

/// <summary>Fin: <see cref="CodecVectors.Fin"/>.</summary>
public struct FinCase : ICodecCase
{
    private ushort _challenge;
    private uint _sequence;

    /// <inheritdoc/>
    public readonly byte[] Vector => CodecVectors.Fin;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Fin.TryDecode(CodecVectors.Fin, out var g) != VcspDecodeStatus.Ok || !HandWritten.TryDecodeFin(CodecVectors.Fin, out _))
        {
            throw new InvalidOperationException("The Fin vector does not decode.");
        }

        _challenge = g.Challenge;
        _sequence = g.Sequence;
    }

    /// <inheritdoc/>
    public readonly int GeneratedDecode(ReadOnlySpan<byte> datagram) => (int)Fin.TryDecode(datagram, out var p) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int HandWrittenDecode(ReadOnlySpan<byte> datagram) => (HandWritten.TryDecodeFin(datagram, out var p) ? 1 : 0) + CodecConsume.Of(in p);

    /// <inheritdoc/>
    public readonly int GeneratedEncode(Span<byte> destination)
    {
        var p = new Fin { Challenge = _challenge, Sequence = _sequence };
        return (int)p.TryEncode(destination, out var written) + written;
    }

    /// <inheritdoc/>
    public readonly int HandWrittenEncode(Span<byte> destination)
    {
        var p = new HandWritten.FinPacket { Challenge = _challenge, Sequence = _sequence };
        return HandWritten.EncodeFin(destination, in p);
    }
}
