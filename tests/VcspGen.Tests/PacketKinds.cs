using System;
using System.Collections.Generic;
using VcspGen.Spec;

namespace VcspGen.Tests;

/// <summary>Decodes a datagram as one packet kind and discards the packet.</summary>
internal delegate VcspDecodeStatus Decoder(ReadOnlySpan<byte> datagram);

/// <summary>A packet kind as the refusal tests see it: a valid vector and what its layout promises.</summary>
/// <param name="Name">The packet's name.</param>
/// <param name="Vector">A valid datagram (the golden vector).</param>
/// <param name="Decode">Its decoder.</param>
/// <param name="RestStart">Where a trailing rest field starts in <paramref name="Vector"/>, or -1 when it has none.</param>
/// <param name="RestMin">The rest field's minimum length.</param>
/// <param name="Rule">The challenge rule.</param>
/// <param name="Fragmentable">Whether it may carry a fragment offset.</param>
/// <param name="IsMedia">Whether it uses the media layout.</param>
internal sealed record PacketKind(
    string Name,
    byte[] Vector,
    Decoder Decode,
    int RestStart,
    int RestMin,
    VcspChallengeRule Rule,
    bool Fragmentable,
    bool IsMedia)
{
    public int HeaderSize => IsMedia ? VcspWire.MediaHeaderSize : VcspWire.TextHeaderSize;

    public int Limit => IsMedia ? VcspWire.MediaDatagramLimit : VcspWire.TextDatagramLimit;

    public int LengthOffset => IsMedia ? VcspWire.MediaPayloadLengthOffset : VcspWire.TextPayloadLengthOffset;

    /// <summary>A copy of <paramref name="datagram"/> with its payload-length byte made to agree with its length.</summary>
    public byte[] WithLengthFixed(byte[] datagram)
    {
        var copy = (byte[])datagram.Clone();
        copy[LengthOffset] = (byte)(copy.Length - HeaderSize);
        return copy;
    }

    public override string ToString() => Name;

    /// <summary>Every packet kind of VcspGen.Spec, with its golden vector from <see cref="GoldenVectorTests"/>.</summary>
    public static readonly IReadOnlyList<PacketKind> All =
    [
        new("JoinRequest", Hex.Bytes("011F00FF12345678000E0400C4FD7F00000105616C696365"), d => JoinRequest.TryDecode(d, out _), 24, 0, VcspChallengeRule.FirstContact, false, false),
        new("Response", Hex.Bytes("012F123412345678000F1F0400C4FD7F000001056C6F626279"), d => Response.TryDecode(d, out _), -1, 0, VcspChallengeRule.Member, false, false),
        new("Reject", Hex.Bytes("01 C9 FFFF 12345678 00 08  01 76657273696F6E"), d => Reject.TryDecode(d, out _), 11, 0, VcspChallengeRule.None, false, false),
        new("Syn", Hex.Bytes("012E12340000001000026869"), d => Syn.TryDecode(d, out _), 10, 1, VcspChallengeRule.Member, true, false),
        new("Msg", Hex.Bytes("013FFFFF00000010000805616C6963656869"), d => Msg.TryDecode(d, out _), 16, 1, VcspChallengeRule.None, true, false),
        new("Error", Hex.Bytes("01E012340000001200080100000010676170"), d => Error.TryDecode(d, out _), 15, 0, VcspChallengeRule.Member, false, false),
        new("ResendRequest", Hex.Bytes("013A123400000011000103"), d => ResendRequest.TryDecode(d, out _), -1, 0, VcspChallengeRule.Member, false, false),
        new("Ack", Hex.Bytes("01 3B 1234 00000010 00 07  00000200 0100 01"), d => Ack.TryDecode(d, out _), -1, 0, VcspChallengeRule.Member, false, false),
        new("Fin", Hex.Bytes("01 FF 1234 00000013 00 00"), d => Fin.TryDecode(d, out _), -1, 0, VcspChallengeRule.Member, false, false),
        new("DirectMessage", Hex.Bytes("01D3FFFF0000ABCD000603626F62796F"), d => DirectMessage.TryDecode(d, out _), 14, 1, VcspChallengeRule.NoneOrMember, true, false),
        new("Silent", Hex.Bytes("012A56780000ABCD00140600C4FE00000000000000000000000000000001"), d => Silent.TryDecode(d, out _), -1, 0, VcspChallengeRule.Member, false, false),
        new("Kick", Hex.Bytes("01 2D 1234 00000020 00 0C  04 00 D431 C0000201 7370616D"), d => Kick.TryDecode(d, out _), 18, 0, VcspChallengeRule.Member, false, false),
        new("Command", Hex.Bytes("01 4C 1234 00000007 00 04  03 626F62"), d => Command.TryDecode(d, out _), 11, 0, VcspChallengeRule.Member, false, false),
        new("CommandReply", Hex.Bytes("014D123400000007000C0100616C6963650A626F620A"), d => CommandReply.TryDecode(d, out _), 12, 0, VcspChallengeRule.Member, true, false),
        new("Ping", Hex.Bytes("01 50 1234 00000009 00 08  0000000000003039"), d => Ping.TryDecode(d, out _), -1, 0, VcspChallengeRule.Member, false, false),
        new("Pong", Hex.Bytes("015112340000000900080000000000003039"), d => Pong.TryDecode(d, out _), -1, 0, VcspChallengeRule.Member, false, false),
        new("VoiceJoin", Hex.Bytes("01 25 1234 00000000 00 06  13C4 00 00086F"), d => VoiceJoin.TryDecode(d, out _), 13, 1, VcspChallengeRule.Member, false, false),
        new("CodecReject", Hex.Bytes("01 CA 1234 00000000 00 03  01 2160"), d => CodecReject.TryDecode(d, out _), 11, 0, VcspChallengeRule.Member, false, false),
        new("VoiceFin", Hex.Bytes("01EF9ABC00"), d => VoiceFin.TryDecode(d, out _), -1, 0, VcspChallengeRule.Member, false, true),
        new("Media", Hex.Bytes("013E9ABC0B00015F9000002147000010"), d => Media.TryDecode(d, out _), 12, 1, VcspChallengeRule.Member, false, true),
    ];
}
