using System;
using System.Collections.Generic;
using System.Text;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>
/// One valid datagram per packet kind (20), each built with the generated encoder from typical field values: the
/// inputs of <c>KindCodec</c>, and of HandWrittenBaselineTests in tests/VcspGen.Tests, which compiles
/// this file too. Free of BenchmarkDotNet.
/// </summary>
public static class CodecVectors
{
    /// <summary>A member's challenge.</summary>
    public const ushort Challenge = 0x1234;

    /// <summary>The sequence number of the vectors.</summary>
    public const uint Sequence = 0x12345678;

    private static readonly byte[] Loopback4 = [127, 0, 0, 1];

    private static readonly byte[] Documentation6 = [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

    /// <summary>Gets a JoinRequest from alice, padded to 64 bytes as PROTOCOL.md asks.</summary>
    public static byte[] JoinRequest { get; } = Encode(new JoinRequest
    {
        Challenge = VcspChallenge.FirstContact,
        Sequence = Sequence,
        Server = VcspAddress.IPv4(Loopback4, 50429),
        Name = Ascii("alice"),
        Padding = new byte[Spec.JoinRequest.PaddedSize - 10 - 8 - 1 - 5],
    });

    /// <summary>Gets a Response to a join (IPv6 server address).</summary>
    public static byte[] Response { get; } = Encode(new Response
    {
        Challenge = Challenge,
        Sequence = Sequence,
        InReplyTo = ResponseTo.JoinRequest,
        Server = VcspAddress.IPv6(Documentation6, 50429),
        GroupName = Ascii("lobby"),
    });

    /// <summary>Gets a Reject (name in use).</summary>
    public static byte[] Reject { get; } = Encode(new Reject
    {
        Challenge = VcspChallenge.None,
        Sequence = Sequence,
        Reason = RejectReason.NameInUse,
        Text = Ascii("name in use"),
    });

    /// <summary>Gets a Fin.</summary>
    public static byte[] Fin { get; } = Encode(new Fin { Challenge = Challenge, Sequence = Sequence });

    /// <summary>Gets a Kick with a reason.</summary>
    public static byte[] Kick { get; } = Encode(new Kick
    {
        Challenge = Challenge,
        Sequence = Sequence,
        Member = VcspAddress.IPv4([192, 0, 2, 7], 40001),
        Reason = Ascii("spam"),
    });

    /// <summary>Gets a Syn with a 64-byte message.</summary>
    public static byte[] Syn { get; } = Encode(new Syn
    {
        Challenge = Challenge,
        Sequence = Sequence,
        Data = Ascii("The quick brown fox jumps over the lazy dog, then naps. 0123456"),
    });

    /// <summary>Gets a Msg from alice with a 32-byte message, a middle fragment.</summary>
    public static byte[] Msg { get; } = Encode(new Msg
    {
        Challenge = VcspChallenge.None,
        Sequence = Sequence,
        FragmentOffset = 3,
        Sender = Ascii("alice"),
        Data = Ascii("hello, everyone in the lobby!!!!"),
    });

    /// <summary>Gets an Error (out of order).</summary>
    public static byte[] Error { get; } = Encode(new Error
    {
        Challenge = Challenge,
        Sequence = Sequence,
        Code = ErrorCode.OutOfOrder,
        Expected = 0x10,
        Text = Ascii("gap"),
    });

    /// <summary>Gets a ResendRequest.</summary>
    public static byte[] ResendRequest { get; } = Encode(new ResendRequest { Challenge = Challenge, Sequence = Sequence, Count = 3 });

    /// <summary>Gets an Ack asking for a reply.</summary>
    public static byte[] Ack { get; } = Encode(new Ack
    {
        Challenge = Challenge,
        Sequence = Sequence,
        RelayNext = 0x11,
        Window = 64,
        Flags = AckFlags.ReplyRequested,
    });

    /// <summary>Gets a DirectMessage to bob.</summary>
    public static byte[] DirectMessage { get; } = Encode(new DirectMessage
    {
        Challenge = VcspChallenge.None,
        Sequence = Sequence,
        Sender = Ascii("bob"),
        Data = Ascii("yo, are you there?"),
    });

    /// <summary>Gets a Silent with an IPv6 peer.</summary>
    public static byte[] Silent { get; } = Encode(new Silent
    {
        Challenge = Challenge,
        Sequence = Sequence,
        Peer = VcspAddress.IPv6(Documentation6, 50430),
    });

    /// <summary>Gets a Command (kick bob).</summary>
    public static byte[] Command { get; } = Encode(new Command
    {
        Challenge = Challenge,
        Sequence = Sequence,
        Code = CommandCode.Kick,
        Argument = Ascii("bob"),
    });

    /// <summary>Gets a CommandReply (the member list).</summary>
    public static byte[] CommandReply { get; } = Encode(new CommandReply
    {
        Challenge = Challenge,
        Sequence = Sequence,
        Code = CommandCode.List,
        Status = CommandStatus.Ok,
        Data = Ascii("alice\nbob\ncarol\n"),
    });

    /// <summary>Gets a Ping.</summary>
    public static byte[] Ping { get; } = Encode(new Ping { Challenge = Challenge, Sequence = Sequence, Timestamp = 12345 });

    /// <summary>Gets a Pong.</summary>
    public static byte[] Pong { get; } = Encode(new Pong { Challenge = Challenge, Sequence = Sequence, Timestamp = 12345 });

    /// <summary>Gets a VoiceJoin offering Opus, G.722 and PCMU.</summary>
    public static byte[] VoiceJoin { get; } = Encode(new VoiceJoin
    {
        Challenge = Challenge,
        Sequence = Sequence,
        SipPort = 5060,
        SipTransport = SipTransport.Udp,
        Codecs = new byte[] { (byte)VcspCodec.Opus, (byte)VcspCodec.G722, (byte)VcspCodec.Pcmu },
    });

    /// <summary>Gets a CodecReject offering PCMA and MPEG-TS.</summary>
    public static byte[] CodecReject { get; } = Encode(new CodecReject
    {
        Challenge = Challenge,
        Sequence = Sequence,
        Reason = CodecRejectReason.NoCommonCodec,
        Codecs = new byte[] { (byte)VcspCodec.Pcma, (byte)VcspCodec.Mp2t },
    });

    /// <summary>Gets a VoiceFin.</summary>
    public static byte[] VoiceFin { get; } = Encode(new VoiceFin { Challenge = 0x9ABC });

    /// <summary>Gets a Media datagram carrying one 188-byte MPEG-TS packet.</summary>
    public static byte[] Media { get; } = Encode(new Media
    {
        Challenge = 0x9ABC,
        Timestamp = 90000,
        Source = 0x2147,
        Codec = (byte)VcspCodec.Mp2t,
        Data = TransportStreamPacket(),
    });

    /// <summary>Gets every vector by kind name, in flag order.</summary>
    public static IReadOnlyList<KeyValuePair<string, byte[]>> All { get; } =
    [
        new("JoinRequest", JoinRequest),
        new("VoiceJoin", VoiceJoin),
        new("Silent", Silent),
        new("Kick", Kick),
        new("Syn", Syn),
        new("Response", Response),
        new("ResendRequest", ResendRequest),
        new("Ack", Ack),
        new("Media", Media),
        new("Msg", Msg),
        new("Command", Command),
        new("CommandReply", CommandReply),
        new("Ping", Ping),
        new("Pong", Pong),
        new("Reject", Reject),
        new("CodecReject", CodecReject),
        new("DirectMessage", DirectMessage),
        new("Error", Error),
        new("VoiceFin", VoiceFin),
        new("Fin", Fin),
    ];

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] TransportStreamPacket()
    {
        var ts = new byte[188];
        ts[0] = 0x47;
        for (var i = 1; i < ts.Length; i++)
        {
            ts[i] = (byte)(i * 7);
        }

        return ts;
    }

    // Each kind's generated encoder, into a buffer large enough for any datagram; throws if it refuses.
    private static byte[] Encode(in JoinRequest packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Response packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Reject packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Fin packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Kick packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Syn packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Msg packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Error packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in ResendRequest packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Ack packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in DirectMessage packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Silent packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Command packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in CommandReply packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Ping packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Pong packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in VoiceJoin packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in CodecReject packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in VoiceFin packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Encode(in Media packet)
    {
        var buffer = new byte[256];
        return Written(packet.TryEncode(buffer, out var written), buffer, written);
    }

    private static byte[] Written(VcspEncodeStatus status, byte[] buffer, int written) =>
        status == VcspEncodeStatus.Ok
            ? buffer.AsSpan(0, written).ToArray()
            : throw new InvalidOperationException($"A codec vector did not encode: {status}.");
}
