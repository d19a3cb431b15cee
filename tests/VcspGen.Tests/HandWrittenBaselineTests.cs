using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CsCheck;
using VcspGen.Benchmarks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// The benchmarks' hand-written baseline (benchmarks/VcspGen.Benchmarks/HandWritten/, compiled into this project) is
/// like for like with the generated code, which is the reference: for every packet kind the hand-written decoder
/// accepts exactly the datagrams the generated decoder accepts (the kind's vector, every single-byte mutation of it,
/// every truncation, extensions, random datagrams) with the same field values; the hand-written encoder writes the
/// same bytes and refuses (returns 0, writing nothing) exactly where the generated one refuses; and the hand-written
/// dispatch routes and refuses every one of those datagrams as the generated dispatcher does.
/// </summary>
public sealed class HandWrittenBaselineTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly Kind[] All =
    [
        new("JoinRequest", CodecVectors.JoinRequest, GeneratedJoinRequest, HandWrittenJoinRequest, GeneratedEncodeJoinRequest, HandWrittenEncodeJoinRequest, GeneratedReencodeJoinRequest, HandWrittenReencodeJoinRequest),
        new("VoiceJoin", CodecVectors.VoiceJoin, GeneratedVoiceJoin, HandWrittenVoiceJoin, GeneratedEncodeVoiceJoin, HandWrittenEncodeVoiceJoin, GeneratedReencodeVoiceJoin, HandWrittenReencodeVoiceJoin),
        new("Silent", CodecVectors.Silent, GeneratedSilent, HandWrittenSilent, GeneratedEncodeSilent, HandWrittenEncodeSilent, GeneratedReencodeSilent, HandWrittenReencodeSilent),
        new("Kick", CodecVectors.Kick, GeneratedKick, HandWrittenKick, GeneratedEncodeKick, HandWrittenEncodeKick, GeneratedReencodeKick, HandWrittenReencodeKick),
        new("Syn", CodecVectors.Syn, GeneratedSyn, HandWrittenSyn, GeneratedEncodeSyn, HandWrittenEncodeSyn, GeneratedReencodeSyn, HandWrittenReencodeSyn),
        new("Response", CodecVectors.Response, GeneratedResponse, HandWrittenResponse, GeneratedEncodeResponse, HandWrittenEncodeResponse, GeneratedReencodeResponse, HandWrittenReencodeResponse),
        new("ResendRequest", CodecVectors.ResendRequest, GeneratedResendRequest, HandWrittenResendRequest, GeneratedEncodeResendRequest, HandWrittenEncodeResendRequest, GeneratedReencodeResendRequest, HandWrittenReencodeResendRequest),
        new("Ack", CodecVectors.Ack, GeneratedAck, HandWrittenAck, GeneratedEncodeAck, HandWrittenEncodeAck, GeneratedReencodeAck, HandWrittenReencodeAck),
        new("Media", CodecVectors.Media, GeneratedMedia, HandWrittenMedia, GeneratedEncodeMedia, HandWrittenEncodeMedia, GeneratedReencodeMedia, HandWrittenReencodeMedia),
        new("Msg", CodecVectors.Msg, GeneratedMsg, HandWrittenMsg, GeneratedEncodeMsg, HandWrittenEncodeMsg, GeneratedReencodeMsg, HandWrittenReencodeMsg),
        new("Command", CodecVectors.Command, GeneratedCommand, HandWrittenCommand, GeneratedEncodeCommand, HandWrittenEncodeCommand, GeneratedReencodeCommand, HandWrittenReencodeCommand),
        new("CommandReply", CodecVectors.CommandReply, GeneratedCommandReply, HandWrittenCommandReply, GeneratedEncodeCommandReply, HandWrittenEncodeCommandReply, GeneratedReencodeCommandReply, HandWrittenReencodeCommandReply),
        new("Ping", CodecVectors.Ping, GeneratedPing, HandWrittenPing, GeneratedEncodePing, HandWrittenEncodePing, GeneratedReencodePing, HandWrittenReencodePing),
        new("Pong", CodecVectors.Pong, GeneratedPong, HandWrittenPong, GeneratedEncodePong, HandWrittenEncodePong, GeneratedReencodePong, HandWrittenReencodePong),
        new("Reject", CodecVectors.Reject, GeneratedReject, HandWrittenReject, GeneratedEncodeReject, HandWrittenEncodeReject, GeneratedReencodeReject, HandWrittenReencodeReject),
        new("CodecReject", CodecVectors.CodecReject, GeneratedCodecReject, HandWrittenCodecReject, GeneratedEncodeCodecReject, HandWrittenEncodeCodecReject, GeneratedReencodeCodecReject, HandWrittenReencodeCodecReject),
        new("DirectMessage", CodecVectors.DirectMessage, GeneratedDirectMessage, HandWrittenDirectMessage, GeneratedEncodeDirectMessage, HandWrittenEncodeDirectMessage, GeneratedReencodeDirectMessage, HandWrittenReencodeDirectMessage),
        new("Error", CodecVectors.Error, GeneratedError, HandWrittenError, GeneratedEncodeError, HandWrittenEncodeError, GeneratedReencodeError, HandWrittenReencodeError),
        new("VoiceFin", CodecVectors.VoiceFin, GeneratedVoiceFin, HandWrittenVoiceFin, GeneratedEncodeVoiceFin, HandWrittenEncodeVoiceFin, GeneratedReencodeVoiceFin, HandWrittenReencodeVoiceFin),
        new("Fin", CodecVectors.Fin, GeneratedFin, HandWrittenFin, GeneratedEncodeFin, HandWrittenEncodeFin, GeneratedReencodeFin, HandWrittenReencodeFin),
    ];

    private delegate string? Decoder(byte[] datagram);

    private delegate int Encoder(EncodeInput input, byte[] destination);

    private delegate int Reencoder(byte[] vector, byte[] destination);

    public static TheoryData<string> Kinds => new(All.Select(k => k.Name));

    [Fact]
    public void EveryKindHasAVectorAndADispatchCase()
    {
        Assert.Equal(20, All.Length);
        Assert.Equal(All.Select(k => k.Name).Order(), CodecVectors.All.Select(v => v.Key).Order());
        Assert.Equal(VcspPacketDispatcher.Flags.ToArray().Order(), All.Select(k => k.Vector[1]).Order());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheVectorDecodesToTheSameFields(string name)
    {
        var kind = Find(name);
        var generated = kind.Generated(kind.Vector);
        Assert.NotNull(generated);
        Assert.Equal(generated, kind.HandWritten(kind.Vector));
        Assert.Equal(name + "|" + generated, DispatchGenerated(kind.Vector));
        Assert.Equal(name + "|" + generated, DispatchHandWritten(kind.Vector));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EverySingleByteMutationIsAcceptedOrRefusedAlike(string name)
    {
        var kind = Find(name);
        var failures = new List<string>();
        var accepted = 0;
        for (var position = 0; position < kind.Vector.Length; position++)
        {
            var original = kind.Vector[position];
            foreach (var value in new[] { (byte)0x00, (byte)0xFF, (byte)(original ^ 0x01), (byte)(original ^ 0x80), (byte)(original + 1), (byte)(original - 1) })
            {
                var mutated = (byte[])kind.Vector.Clone();
                mutated[position] = value;
                accepted += Compare(kind, mutated, $"byte {position} = 0x{value:X2}", failures);
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
        Assert.True(accepted > 0, "no mutation was accepted, so fields were never compared after a mutation");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryTruncationAndSomeExtensionsAreAcceptedOrRefusedAlike(string name)
    {
        var kind = Find(name);
        var failures = new List<string>();
        for (var length = 0; length < kind.Vector.Length; length++)
        {
            var cut = kind.Vector.AsSpan(0, length).ToArray();
            Compare(kind, cut, $"cut to {length}", failures);
            Compare(kind, WithLengthByte(cut), $"cut to {length}, length byte fixed", failures);
        }

        for (var extra = 1; extra <= 240; extra++)
        {
            foreach (var fill in extra is 1 or 2 or 5 or 32 or 33 or 120 or 240 ? new byte[] { 0x00, 0x41, 0xFF } : [0x41])
            {
                var longer = kind.Vector.Concat(Enumerable.Repeat(fill, extra)).ToArray();
                Compare(kind, longer, $"{extra} bytes 0x{fill:X2} appended", failures);
                Compare(kind, WithLengthByte(longer), $"{extra} bytes 0x{fill:X2} appended, length byte fixed", failures);
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryLengthPrefixAtEveryPositionIsAcceptedOrRefusedAlike(string name)
    {
        // Byte p becomes a length v, and the datagram is cut or padded so that exactly v (or v + 1) bytes follow it,
        // with the header's length byte kept right: a length-prefixed field at p is then read to its limits.
        var kind = Find(name);
        var failures = new List<string>();
        for (var position = 2; position < kind.Vector.Length; position++)
        {
            foreach (var length in new[] { 0, 1, 2, 31, 32, 33, 34, 35 })
            {
                for (var after = 0; after <= 1; after++)
                {
                    var datagram = kind.Vector.Take(position).Append((byte)length).Concat(Enumerable.Repeat((byte)0x61, length + after)).ToArray();
                    Compare(kind, WithLengthByte(datagram), $"byte {position} = {length}, {length + after} bytes after it", failures);
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
    }

    [Fact]
    public void RandomDatagramsAreAcceptedOrRefusedAlikeByEveryKindAndTheDispatch()
    {
        var flags = All.Select(k => k.Vector[1]).ToArray();
        var picks = new byte[] { 0, 1, 2, 3, 4, 5, 6, 8, 10, 11, 0x1F, 0x20, 0x21, 0xFF };
        var genDatagram =
            from length in Gen.OneOf(Gen.Int[0, 20], Gen.Int[0, 260])
            from bytes in Gen.Byte.Array[length]
            from flag in Gen.OneOf(Gen.OneOf(flags), Gen.Byte)
            from tidy in Gen.Int[0, 7]
            from challenge in Gen.OneOf(Gen.OneOf<ushort>(0x00FF, 0xFFFF, 0x1234, 0x0000), Gen.UShort)
            from small in Gen.OneOf(picks).Array[6]
            select Shape(bytes, flag, tidy, challenge, small);
        genDatagram.Sample(
            datagram =>
            {
                var failures = new List<string>();
                foreach (var kind in All)
                {
                    Compare(kind, datagram, Convert.ToHexString(datagram), failures);
                }

                Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(5)));
            },
            iter: 200_000);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheEncodersWriteTheVectorAndRefuseATooSmallDestinationAlike(string name)
    {
        var kind = Find(name);
        for (var length = 0; length <= kind.Vector.Length + 1; length++)
        {
            var generated = Fresh(length);
            var handWritten = Fresh(length);
            var generatedWritten = kind.GeneratedReencode(kind.Vector, generated);
            var handWrittenWritten = kind.HandWrittenReencode(kind.Vector, handWritten);
            Assert.True(generatedWritten == handWrittenWritten, $"{name} into {length} bytes: generated wrote {generatedWritten}, hand-written {handWrittenWritten}");
            Assert.Equal(generated, handWritten);
            Assert.Equal(length >= kind.Vector.Length ? kind.Vector.Length : 0, generatedWritten);
            if (generatedWritten > 0)
            {
                Assert.Equal(kind.Vector, generated.AsSpan(0, generatedWritten).ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheEncodersRefuseAlike(string name)
    {
        var kind = Find(name);
        var challenges = new ushort[] { 0x00FF, 0xFFFF, 0x1234, 0x0000, 0xFF00, 0x00FE };
        var bytes = new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 0x1F, 0x20, 0x80, 0xFF };
        var genInput =
            from challenge in Gen.OneOf(Gen.OneOf(challenges), Gen.UShort)
            from sequence in Gen.UInt
            from fragment in Gen.Byte
            from byte1 in Gen.OneOf(Gen.OneOf(bytes), Gen.Byte)
            from byte2 in Gen.OneOf(Gen.OneOf(bytes), Gen.Byte)
            from ushort1 in Gen.UShort
            from uint1 in Gen.UInt
            from ulong1 in Gen.ULong
            from family in Gen.Int[0, 2]
            from address in Gen.Byte.Array[16]
            from port in Gen.UShort
            from text1 in Gen.OneOf(Gen.Byte.Array[0, 3], Gen.Byte.Array[30, 35], Gen.Byte.Array[0, 250])
            from text2 in Gen.OneOf(Gen.Byte.Array[0, 3], Gen.Byte.Array[30, 35], Gen.Byte.Array[0, 250])
            from destination in Gen.OneOf(Gen.Int[0, 30], Gen.Int[0, 260], Gen.OneOf(256))
            select new EncodeInput(
                challenge,
                sequence,
                fragment,
                byte1,
                byte2,
                ushort1,
                uint1,
                ulong1,
                family switch { 0 => default, 1 => VcspAddress.IPv4(address.AsSpan(0, 4), port), _ => VcspAddress.IPv6(address, port) },
                text1,
                text2,
                destination);
        var written = 0;
        genInput.Sample(
            input =>
            {
                var generated = Fresh(input.DestinationLength);
                var handWritten = Fresh(input.DestinationLength);
                var generatedWritten = kind.GeneratedEncode(input, generated);
                var handWrittenWritten = kind.HandWrittenEncode(input, handWritten);
                Assert.True(generatedWritten == handWrittenWritten, $"{name} {input}: generated wrote {generatedWritten}, hand-written {handWrittenWritten}");
                Assert.Equal(generated, handWritten);
                if (generatedWritten > 0)
                {
                    System.Threading.Interlocked.Increment(ref written);
                    Assert.Equal(kind.Generated(generated.AsSpan(0, generatedWritten).ToArray()), kind.HandWritten(handWritten.AsSpan(0, handWrittenWritten).ToArray()));
                }
            },
            iter: 20_000);
        Assert.True(written > 0, "no random input encoded, so the bytes were never compared");
    }

    [Fact]
    public void TheDispatchRefusesAShortOrUnknownDatagramAlike()
    {
        foreach (var datagram in new byte[][] { [], [1], [1, 0x00], [1, 0x01, 0, 0, 0, 0, 0, 0, 0, 0], [2, 0xFF, 0x12, 0x34, 0, 0, 0, 0, 0, 0] })
        {
            Assert.Null(DispatchGenerated(datagram));
            Assert.Null(DispatchHandWritten(datagram));
        }
    }

    private static Kind Find(string name) => All.Single(k => k.Name == name);

    /// <summary>Both decoders of <paramref name="kind"/> and both dispatches on one datagram; a difference is a failure.</summary>
    private static int Compare(Kind kind, byte[] datagram, string what, List<string> failures)
    {
        var generated = kind.Generated(datagram);
        var handWritten = kind.HandWritten(datagram);
        if (generated != handWritten)
        {
            failures.Add($"{kind.Name}, {what}: generated {generated ?? "refused"}, hand-written {handWritten ?? "refused"}");
        }

        var generatedDispatch = DispatchGenerated(datagram);
        var handWrittenDispatch = DispatchHandWritten(datagram);
        if (generatedDispatch != handWrittenDispatch)
        {
            failures.Add($"dispatch of {kind.Name}, {what}: generated {generatedDispatch ?? "refused"}, hand-written {handWrittenDispatch ?? "refused"}");
        }

        return generated is null ? 0 : 1;
    }

    private static string? DispatchGenerated(byte[] datagram)
    {
        var handler = new GeneratedRecorder();
        var status = VcspPacketDispatcher.Dispatch(datagram, ref handler);
        Assert.Equal(status == VcspDecodeStatus.Ok, handler.Result is not null);
        return handler.Result;
    }

    private static string? DispatchHandWritten(byte[] datagram)
    {
        var handler = new HandWrittenRecorder();
        var handled = HandWritten.Dispatch(datagram, ref handler);
        Assert.Equal(handled, handler.Result is not null);
        Assert.Equal(!handled, handler.Refused == 1);
        return handler.Result;
    }

    /// <summary>Shapes random bytes so that more of them get past the header: version, flag, length byte, challenge, small values in the first payload bytes.</summary>
    private static byte[] Shape(byte[] bytes, byte flag, int tidy, ushort challenge, byte[] small)
    {
        var d = (byte[])bytes.Clone();
        if (tidy == 0)
        {
            return d;
        }

        if (d.Length > 0 && tidy != 1)
        {
            d[0] = 1;
        }

        if (d.Length > 1)
        {
            d[1] = flag;
        }

        if (d.Length > 3 && tidy != 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(2), challenge);
        }

        if (d.Length > 8 && tidy >= 5)
        {
            d[8] = 0;
        }

        if (tidy >= 4)
        {
            for (var i = 0; i < small.Length && 10 + i < d.Length; i++)
            {
                d[10 + i] = small[i];
            }
        }

        return tidy == 3 ? d : WithLengthByte(d);
    }

    /// <summary>Sets the payload length byte to match the datagram's length (text layout at byte 9, media at byte 4).</summary>
    private static byte[] WithLengthByte(byte[] datagram)
    {
        var d = (byte[])datagram.Clone();
        var media = d.Length > 1 && (d[1] == Media.Flag || d[1] == VoiceFin.Flag);
        if (media && d.Length > 4)
        {
            d[4] = (byte)(d.Length - 5);
        }
        else if (!media && d.Length > 9)
        {
            d[9] = (byte)(d.Length - 10);
        }

        return d;
    }

    private static byte[] Fresh(int length)
    {
        var buffer = new byte[length];
        buffer.AsSpan().Fill(0xCC);
        return buffer;
    }

    /// <summary>The generated encoder's bytes written, 0 on any refusal (when it must have written nothing).</summary>
    private static int Written(VcspEncodeStatus status, int written)
    {
        if (status == VcspEncodeStatus.Ok)
        {
            Assert.True(written > 0);
            return written;
        }

        Assert.Equal(0, written);
        return 0;
    }

    private static string A(VcspAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteAddressBytes(bytes, out var written);
        return $"{(int)address.Family}:{address.Port}:{Convert.ToHexString(bytes[..written])}";
    }

    private static string A(HandWritten.Address address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, address.High);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], address.Low);
        var used = address.Family switch
        {
            HandWritten.FamilyIPv4 => bytes[12..],
            HandWritten.FamilyIPv6 => bytes,
            _ => bytes[..0],
        };
        return $"{address.Family}:{address.Port}:{Convert.ToHexString(used)}";
    }

    private static HandWritten.Address ToHandWritten(VcspAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        address.TryWriteAddressBytes(bytes, out var written);
        return written switch
        {
            4 => new HandWritten.Address { Family = HandWritten.FamilyIPv4, Port = address.Port, Low = BinaryPrimitives.ReadUInt32BigEndian(bytes) },
            16 => new HandWritten.Address
            {
                Family = HandWritten.FamilyIPv6,
                Port = address.Port,
                High = BinaryPrimitives.ReadUInt64BigEndian(bytes),
                Low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            },
            _ => default,
        };
    }

    private static string Describe(in JoinRequest p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + A(p.Server) + "|" + Convert.ToHexString(p.Name) + "|" + Convert.ToHexString(p.Padding);

    private static string Describe(in HandWritten.JoinRequestPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + A(p.Server) + "|" + Convert.ToHexString(p.Name) + "|" + Convert.ToHexString(p.Padding);

    private static string? GeneratedJoinRequest(byte[] d) => JoinRequest.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenJoinRequest(byte[] d) => HandWritten.TryDecodeJoinRequest(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeJoinRequest(EncodeInput i, byte[] destination)
    {
        var p = new JoinRequest { Challenge = i.Challenge, Sequence = i.Sequence, Server = i.Address, Name = i.Text1, Padding = i.Text2 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeJoinRequest(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.JoinRequestPacket { Challenge = i.Challenge, Sequence = i.Sequence, Server = ToHandWritten(i.Address), Name = i.Text1, Padding = i.Text2 };
        return HandWritten.EncodeJoinRequest(destination, in p);
    }

    private static int GeneratedReencodeJoinRequest(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, JoinRequest.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeJoinRequest(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeJoinRequest(vector, out var p));
        return HandWritten.EncodeJoinRequest(destination, in p);
    }

    private static string Describe(in VoiceJoin p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.SipPort.ToString(Inv) + "|" + ((int)p.SipTransport).ToString(Inv) + "|" + Convert.ToHexString(p.Codecs);

    private static string Describe(in HandWritten.VoiceJoinPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.SipPort.ToString(Inv) + "|" + ((int)p.SipTransport).ToString(Inv) + "|" + Convert.ToHexString(p.Codecs);

    private static string? GeneratedVoiceJoin(byte[] d) => VoiceJoin.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenVoiceJoin(byte[] d) => HandWritten.TryDecodeVoiceJoin(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeVoiceJoin(EncodeInput i, byte[] destination)
    {
        var p = new VoiceJoin { Challenge = i.Challenge, Sequence = i.Sequence, SipPort = i.UShort, SipTransport = (SipTransport)i.Byte1, Codecs = i.Text1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeVoiceJoin(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.VoiceJoinPacket { Challenge = i.Challenge, Sequence = i.Sequence, SipPort = i.UShort, SipTransport = (SipTransport)i.Byte1, Codecs = i.Text1 };
        return HandWritten.EncodeVoiceJoin(destination, in p);
    }

    private static int GeneratedReencodeVoiceJoin(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, VoiceJoin.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeVoiceJoin(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeVoiceJoin(vector, out var p));
        return HandWritten.EncodeVoiceJoin(destination, in p);
    }

    private static string Describe(in Silent p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + A(p.Peer);

    private static string Describe(in HandWritten.SilentPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + A(p.Peer);

    private static string? GeneratedSilent(byte[] d) => Silent.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenSilent(byte[] d) => HandWritten.TryDecodeSilent(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeSilent(EncodeInput i, byte[] destination)
    {
        var p = new Silent { Challenge = i.Challenge, Sequence = i.Sequence, Peer = i.Address };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeSilent(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.SilentPacket { Challenge = i.Challenge, Sequence = i.Sequence, Peer = ToHandWritten(i.Address) };
        return HandWritten.EncodeSilent(destination, in p);
    }

    private static int GeneratedReencodeSilent(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Silent.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeSilent(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeSilent(vector, out var p));
        return HandWritten.EncodeSilent(destination, in p);
    }

    private static string Describe(in Kick p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + A(p.Member) + "|" + Convert.ToHexString(p.Reason);

    private static string Describe(in HandWritten.KickPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + A(p.Member) + "|" + Convert.ToHexString(p.Reason);

    private static string? GeneratedKick(byte[] d) => Kick.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenKick(byte[] d) => HandWritten.TryDecodeKick(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeKick(EncodeInput i, byte[] destination)
    {
        var p = new Kick { Challenge = i.Challenge, Sequence = i.Sequence, Member = i.Address, Reason = i.Text1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeKick(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.KickPacket { Challenge = i.Challenge, Sequence = i.Sequence, Member = ToHandWritten(i.Address), Reason = i.Text1 };
        return HandWritten.EncodeKick(destination, in p);
    }

    private static int GeneratedReencodeKick(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Kick.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeKick(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeKick(vector, out var p));
        return HandWritten.EncodeKick(destination, in p);
    }

    private static string Describe(in Syn p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.FragmentOffset.ToString(Inv) + "|" + Convert.ToHexString(p.Data);

    private static string Describe(in HandWritten.SynPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.FragmentOffset.ToString(Inv) + "|" + Convert.ToHexString(p.Data);

    private static string? GeneratedSyn(byte[] d) => Syn.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenSyn(byte[] d) => HandWritten.TryDecodeSyn(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeSyn(EncodeInput i, byte[] destination)
    {
        var p = new Syn { Challenge = i.Challenge, Sequence = i.Sequence, FragmentOffset = i.Fragment, Data = i.Text1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeSyn(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.SynPacket { Challenge = i.Challenge, Sequence = i.Sequence, FragmentOffset = i.Fragment, Data = i.Text1 };
        return HandWritten.EncodeSyn(destination, in p);
    }

    private static int GeneratedReencodeSyn(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Syn.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeSyn(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeSyn(vector, out var p));
        return HandWritten.EncodeSyn(destination, in p);
    }

    private static string Describe(in Response p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + ((int)p.InReplyTo).ToString(Inv) + "|" + A(p.Server) + "|" + Convert.ToHexString(p.GroupName);

    private static string Describe(in HandWritten.ResponsePacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + ((int)p.InReplyTo).ToString(Inv) + "|" + A(p.Server) + "|" + Convert.ToHexString(p.GroupName);

    private static string? GeneratedResponse(byte[] d) => Response.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenResponse(byte[] d) => HandWritten.TryDecodeResponse(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeResponse(EncodeInput i, byte[] destination)
    {
        var p = new Response { Challenge = i.Challenge, Sequence = i.Sequence, InReplyTo = (ResponseTo)i.Byte1, Server = i.Address, GroupName = i.Text1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeResponse(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.ResponsePacket { Challenge = i.Challenge, Sequence = i.Sequence, InReplyTo = (ResponseTo)i.Byte1, Server = ToHandWritten(i.Address), GroupName = i.Text1 };
        return HandWritten.EncodeResponse(destination, in p);
    }

    private static int GeneratedReencodeResponse(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeResponse(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeResponse(vector, out var p));
        return HandWritten.EncodeResponse(destination, in p);
    }

    private static string Describe(in ResendRequest p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.Count.ToString(Inv);

    private static string Describe(in HandWritten.ResendRequestPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.Count.ToString(Inv);

    private static string? GeneratedResendRequest(byte[] d) => ResendRequest.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenResendRequest(byte[] d) => HandWritten.TryDecodeResendRequest(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeResendRequest(EncodeInput i, byte[] destination)
    {
        var p = new ResendRequest { Challenge = i.Challenge, Sequence = i.Sequence, Count = i.Byte1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeResendRequest(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.ResendRequestPacket { Challenge = i.Challenge, Sequence = i.Sequence, Count = i.Byte1 };
        return HandWritten.EncodeResendRequest(destination, in p);
    }

    private static int GeneratedReencodeResendRequest(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, ResendRequest.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeResendRequest(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeResendRequest(vector, out var p));
        return HandWritten.EncodeResendRequest(destination, in p);
    }

    private static string Describe(in Ack p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.RelayNext.ToString(Inv) + "|" + p.Window.ToString(Inv) + "|" + ((int)p.Flags).ToString(Inv);

    private static string Describe(in HandWritten.AckPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.RelayNext.ToString(Inv) + "|" + p.Window.ToString(Inv) + "|" + ((int)p.Flags).ToString(Inv);

    private static string? GeneratedAck(byte[] d) => Ack.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenAck(byte[] d) => HandWritten.TryDecodeAck(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeAck(EncodeInput i, byte[] destination)
    {
        var p = new Ack { Challenge = i.Challenge, Sequence = i.Sequence, RelayNext = i.UInt, Window = i.UShort, Flags = (AckFlags)i.Byte1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeAck(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.AckPacket { Challenge = i.Challenge, Sequence = i.Sequence, RelayNext = i.UInt, Window = i.UShort, Flags = (AckFlags)i.Byte1 };
        return HandWritten.EncodeAck(destination, in p);
    }

    private static int GeneratedReencodeAck(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeAck(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeAck(vector, out var p));
        return HandWritten.EncodeAck(destination, in p);
    }

    private static string Describe(in Media p) => p.Challenge.ToString(Inv) + "|" + p.Timestamp.ToString(Inv) + "|" + p.Source.ToString(Inv) + "|" + p.Codec.ToString(Inv) + "|" + Convert.ToHexString(p.Data);

    private static string Describe(in HandWritten.MediaPacket p) => p.Challenge.ToString(Inv) + "|" + p.Timestamp.ToString(Inv) + "|" + p.Source.ToString(Inv) + "|" + p.Codec.ToString(Inv) + "|" + Convert.ToHexString(p.Data);

    private static string? GeneratedMedia(byte[] d) => Media.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenMedia(byte[] d) => HandWritten.TryDecodeMedia(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeMedia(EncodeInput i, byte[] destination)
    {
        var p = new Media { Challenge = i.Challenge, Timestamp = i.UInt, Source = i.UShort, Codec = i.Byte1, Data = i.Text1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeMedia(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.MediaPacket { Challenge = i.Challenge, Timestamp = i.UInt, Source = i.UShort, Codec = i.Byte1, Data = i.Text1 };
        return HandWritten.EncodeMedia(destination, in p);
    }

    private static int GeneratedReencodeMedia(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Media.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeMedia(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeMedia(vector, out var p));
        return HandWritten.EncodeMedia(destination, in p);
    }

    private static string Describe(in Msg p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.FragmentOffset.ToString(Inv) + "|" + Convert.ToHexString(p.Sender) + "|" + Convert.ToHexString(p.Data);

    private static string Describe(in HandWritten.MsgPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.FragmentOffset.ToString(Inv) + "|" + Convert.ToHexString(p.Sender) + "|" + Convert.ToHexString(p.Data);

    private static string? GeneratedMsg(byte[] d) => Msg.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenMsg(byte[] d) => HandWritten.TryDecodeMsg(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeMsg(EncodeInput i, byte[] destination)
    {
        var p = new Msg { Challenge = i.Challenge, Sequence = i.Sequence, FragmentOffset = i.Fragment, Sender = i.Text1, Data = i.Text2 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeMsg(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.MsgPacket { Challenge = i.Challenge, Sequence = i.Sequence, FragmentOffset = i.Fragment, Sender = i.Text1, Data = i.Text2 };
        return HandWritten.EncodeMsg(destination, in p);
    }

    private static int GeneratedReencodeMsg(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeMsg(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeMsg(vector, out var p));
        return HandWritten.EncodeMsg(destination, in p);
    }

    private static string Describe(in Command p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + ((int)p.Code).ToString(Inv) + "|" + Convert.ToHexString(p.Argument);

    private static string Describe(in HandWritten.CommandPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + ((int)p.Code).ToString(Inv) + "|" + Convert.ToHexString(p.Argument);

    private static string? GeneratedCommand(byte[] d) => Command.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenCommand(byte[] d) => HandWritten.TryDecodeCommand(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeCommand(EncodeInput i, byte[] destination)
    {
        var p = new Command { Challenge = i.Challenge, Sequence = i.Sequence, Code = (CommandCode)i.Byte1, Argument = i.Text1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeCommand(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.CommandPacket { Challenge = i.Challenge, Sequence = i.Sequence, Code = (CommandCode)i.Byte1, Argument = i.Text1 };
        return HandWritten.EncodeCommand(destination, in p);
    }

    private static int GeneratedReencodeCommand(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Command.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeCommand(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeCommand(vector, out var p));
        return HandWritten.EncodeCommand(destination, in p);
    }

    private static string Describe(in CommandReply p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.FragmentOffset.ToString(Inv) + "|" + ((int)p.Code).ToString(Inv) + "|" + ((int)p.Status).ToString(Inv) + "|" + Convert.ToHexString(p.Data);

    private static string Describe(in HandWritten.CommandReplyPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.FragmentOffset.ToString(Inv) + "|" + ((int)p.Code).ToString(Inv) + "|" + ((int)p.Status).ToString(Inv) + "|" + Convert.ToHexString(p.Data);

    private static string? GeneratedCommandReply(byte[] d) => CommandReply.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenCommandReply(byte[] d) => HandWritten.TryDecodeCommandReply(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeCommandReply(EncodeInput i, byte[] destination)
    {
        var p = new CommandReply { Challenge = i.Challenge, Sequence = i.Sequence, FragmentOffset = i.Fragment, Code = (CommandCode)i.Byte1, Status = (CommandStatus)i.Byte2, Data = i.Text1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeCommandReply(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.CommandReplyPacket { Challenge = i.Challenge, Sequence = i.Sequence, FragmentOffset = i.Fragment, Code = (CommandCode)i.Byte1, Status = (CommandStatus)i.Byte2, Data = i.Text1 };
        return HandWritten.EncodeCommandReply(destination, in p);
    }

    private static int GeneratedReencodeCommandReply(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, CommandReply.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeCommandReply(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeCommandReply(vector, out var p));
        return HandWritten.EncodeCommandReply(destination, in p);
    }

    private static string Describe(in Ping p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.Timestamp.ToString(Inv);

    private static string Describe(in HandWritten.PingPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.Timestamp.ToString(Inv);

    private static string? GeneratedPing(byte[] d) => Ping.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenPing(byte[] d) => HandWritten.TryDecodePing(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodePing(EncodeInput i, byte[] destination)
    {
        var p = new Ping { Challenge = i.Challenge, Sequence = i.Sequence, Timestamp = i.ULong };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodePing(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.PingPacket { Challenge = i.Challenge, Sequence = i.Sequence, Timestamp = i.ULong };
        return HandWritten.EncodePing(destination, in p);
    }

    private static int GeneratedReencodePing(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Ping.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodePing(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodePing(vector, out var p));
        return HandWritten.EncodePing(destination, in p);
    }

    private static string Describe(in Pong p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.Timestamp.ToString(Inv);

    private static string Describe(in HandWritten.PongPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.Timestamp.ToString(Inv);

    private static string? GeneratedPong(byte[] d) => Pong.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenPong(byte[] d) => HandWritten.TryDecodePong(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodePong(EncodeInput i, byte[] destination)
    {
        var p = new Pong { Challenge = i.Challenge, Sequence = i.Sequence, Timestamp = i.ULong };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodePong(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.PongPacket { Challenge = i.Challenge, Sequence = i.Sequence, Timestamp = i.ULong };
        return HandWritten.EncodePong(destination, in p);
    }

    private static int GeneratedReencodePong(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Pong.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodePong(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodePong(vector, out var p));
        return HandWritten.EncodePong(destination, in p);
    }

    private static string Describe(in Reject p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + ((int)p.Reason).ToString(Inv) + "|" + Convert.ToHexString(p.Text);

    private static string Describe(in HandWritten.RejectPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + ((int)p.Reason).ToString(Inv) + "|" + Convert.ToHexString(p.Text);

    private static string? GeneratedReject(byte[] d) => Reject.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenReject(byte[] d) => HandWritten.TryDecodeReject(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeReject(EncodeInput i, byte[] destination)
    {
        var p = new Reject { Challenge = i.Challenge, Sequence = i.Sequence, Reason = (RejectReason)i.Byte1, Text = i.Text1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeReject(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.RejectPacket { Challenge = i.Challenge, Sequence = i.Sequence, Reason = (RejectReason)i.Byte1, Text = i.Text1 };
        return HandWritten.EncodeReject(destination, in p);
    }

    private static int GeneratedReencodeReject(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeReject(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeReject(vector, out var p));
        return HandWritten.EncodeReject(destination, in p);
    }

    private static string Describe(in CodecReject p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + ((int)p.Reason).ToString(Inv) + "|" + Convert.ToHexString(p.Codecs);

    private static string Describe(in HandWritten.CodecRejectPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + ((int)p.Reason).ToString(Inv) + "|" + Convert.ToHexString(p.Codecs);

    private static string? GeneratedCodecReject(byte[] d) => CodecReject.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenCodecReject(byte[] d) => HandWritten.TryDecodeCodecReject(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeCodecReject(EncodeInput i, byte[] destination)
    {
        var p = new CodecReject { Challenge = i.Challenge, Sequence = i.Sequence, Reason = (CodecRejectReason)i.Byte1, Codecs = i.Text1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeCodecReject(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.CodecRejectPacket { Challenge = i.Challenge, Sequence = i.Sequence, Reason = (CodecRejectReason)i.Byte1, Codecs = i.Text1 };
        return HandWritten.EncodeCodecReject(destination, in p);
    }

    private static int GeneratedReencodeCodecReject(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, CodecReject.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeCodecReject(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeCodecReject(vector, out var p));
        return HandWritten.EncodeCodecReject(destination, in p);
    }

    private static string Describe(in DirectMessage p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.FragmentOffset.ToString(Inv) + "|" + Convert.ToHexString(p.Sender) + "|" + Convert.ToHexString(p.Data);

    private static string Describe(in HandWritten.DirectMessagePacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + p.FragmentOffset.ToString(Inv) + "|" + Convert.ToHexString(p.Sender) + "|" + Convert.ToHexString(p.Data);

    private static string? GeneratedDirectMessage(byte[] d) => DirectMessage.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenDirectMessage(byte[] d) => HandWritten.TryDecodeDirectMessage(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeDirectMessage(EncodeInput i, byte[] destination)
    {
        var p = new DirectMessage { Challenge = i.Challenge, Sequence = i.Sequence, FragmentOffset = i.Fragment, Sender = i.Text1, Data = i.Text2 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeDirectMessage(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.DirectMessagePacket { Challenge = i.Challenge, Sequence = i.Sequence, FragmentOffset = i.Fragment, Sender = i.Text1, Data = i.Text2 };
        return HandWritten.EncodeDirectMessage(destination, in p);
    }

    private static int GeneratedReencodeDirectMessage(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, DirectMessage.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeDirectMessage(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeDirectMessage(vector, out var p));
        return HandWritten.EncodeDirectMessage(destination, in p);
    }

    private static string Describe(in Error p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + ((int)p.Code).ToString(Inv) + "|" + p.Expected.ToString(Inv) + "|" + Convert.ToHexString(p.Text);

    private static string Describe(in HandWritten.ErrorPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv) + "|" + ((int)p.Code).ToString(Inv) + "|" + p.Expected.ToString(Inv) + "|" + Convert.ToHexString(p.Text);

    private static string? GeneratedError(byte[] d) => Error.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenError(byte[] d) => HandWritten.TryDecodeError(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeError(EncodeInput i, byte[] destination)
    {
        var p = new Error { Challenge = i.Challenge, Sequence = i.Sequence, Code = (ErrorCode)i.Byte1, Expected = i.UInt, Text = i.Text1 };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeError(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.ErrorPacket { Challenge = i.Challenge, Sequence = i.Sequence, Code = (ErrorCode)i.Byte1, Expected = i.UInt, Text = i.Text1 };
        return HandWritten.EncodeError(destination, in p);
    }

    private static int GeneratedReencodeError(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeError(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeError(vector, out var p));
        return HandWritten.EncodeError(destination, in p);
    }

    private static string Describe(in VoiceFin p) => p.Challenge.ToString(Inv);

    private static string Describe(in HandWritten.VoiceFinPacket p) => p.Challenge.ToString(Inv);

    private static string? GeneratedVoiceFin(byte[] d) => VoiceFin.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenVoiceFin(byte[] d) => HandWritten.TryDecodeVoiceFin(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeVoiceFin(EncodeInput i, byte[] destination)
    {
        var p = new VoiceFin { Challenge = i.Challenge };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeVoiceFin(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.VoiceFinPacket { Challenge = i.Challenge };
        return HandWritten.EncodeVoiceFin(destination, in p);
    }

    private static int GeneratedReencodeVoiceFin(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, VoiceFin.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeVoiceFin(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeVoiceFin(vector, out var p));
        return HandWritten.EncodeVoiceFin(destination, in p);
    }

    private static string Describe(in Fin p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv);

    private static string Describe(in HandWritten.FinPacket p) => p.Challenge.ToString(Inv) + "|" + p.Sequence.ToString(Inv);

    private static string? GeneratedFin(byte[] d) => Fin.TryDecode(d, out var p) == VcspDecodeStatus.Ok ? Describe(in p) : null;

    private static string? HandWrittenFin(byte[] d) => HandWritten.TryDecodeFin(d, out var p) ? Describe(in p) : null;

    private static int GeneratedEncodeFin(EncodeInput i, byte[] destination)
    {
        var p = new Fin { Challenge = i.Challenge, Sequence = i.Sequence };
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenEncodeFin(EncodeInput i, byte[] destination)
    {
        var p = new HandWritten.FinPacket { Challenge = i.Challenge, Sequence = i.Sequence };
        return HandWritten.EncodeFin(destination, in p);
    }

    private static int GeneratedReencodeFin(byte[] vector, byte[] destination)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Fin.TryDecode(vector, out var p));
        return Written(p.TryEncode(destination, out var n), n);
    }

    private static int HandWrittenReencodeFin(byte[] vector, byte[] destination)
    {
        Assert.True(HandWritten.TryDecodeFin(vector, out var p));
        return HandWritten.EncodeFin(destination, in p);
    }

    /// <summary>Field values for any kind's encoder; each kind takes the slots it has fields for.</summary>
    private sealed record EncodeInput(
        ushort Challenge,
        uint Sequence,
        byte Fragment,
        byte Byte1,
        byte Byte2,
        ushort UShort,
        uint UInt,
        ulong ULong,
        VcspAddress Address,
        byte[] Text1,
        byte[] Text2,
        int DestinationLength)
    {
        public override string ToString() =>
            $"challenge {Challenge:X4}, fragment {Fragment}, bytes {Byte1}/{Byte2}, address {Address.Family}, texts {Text1.Length}/{Text2.Length}, destination {DestinationLength}";
    }

    private sealed record Kind(
        string Name,
        byte[] Vector,
        Decoder Generated,
        Decoder HandWritten,
        Encoder GeneratedEncode,
        Encoder HandWrittenEncode,
        Reencoder GeneratedReencode,
        Reencoder HandWrittenReencode);

    private struct GeneratedRecorder : IVcspPacketHandler
    {
        public string? Result;

        public void OnJoinRequest(in JoinRequest packet) => Result = "JoinRequest|" + Describe(in packet);

        public void OnVoiceJoin(in VoiceJoin packet) => Result = "VoiceJoin|" + Describe(in packet);

        public void OnSilent(in Silent packet) => Result = "Silent|" + Describe(in packet);

        public void OnKick(in Kick packet) => Result = "Kick|" + Describe(in packet);

        public void OnSyn(in Syn packet) => Result = "Syn|" + Describe(in packet);

        public void OnResponse(in Response packet) => Result = "Response|" + Describe(in packet);

        public void OnResendRequest(in ResendRequest packet) => Result = "ResendRequest|" + Describe(in packet);

        public void OnAck(in Ack packet) => Result = "Ack|" + Describe(in packet);

        public void OnMedia(in Media packet) => Result = "Media|" + Describe(in packet);

        public void OnMsg(in Msg packet) => Result = "Msg|" + Describe(in packet);

        public void OnCommand(in Command packet) => Result = "Command|" + Describe(in packet);

        public void OnCommandReply(in CommandReply packet) => Result = "CommandReply|" + Describe(in packet);

        public void OnPing(in Ping packet) => Result = "Ping|" + Describe(in packet);

        public void OnPong(in Pong packet) => Result = "Pong|" + Describe(in packet);

        public void OnReject(in Reject packet) => Result = "Reject|" + Describe(in packet);

        public void OnCodecReject(in CodecReject packet) => Result = "CodecReject|" + Describe(in packet);

        public void OnDirectMessage(in DirectMessage packet) => Result = "DirectMessage|" + Describe(in packet);

        public void OnError(in Error packet) => Result = "Error|" + Describe(in packet);

        public void OnVoiceFin(in VoiceFin packet) => Result = "VoiceFin|" + Describe(in packet);

        public void OnFin(in Fin packet) => Result = "Fin|" + Describe(in packet);
    }

    private struct HandWrittenRecorder : IHandWrittenHandler
    {
        public string? Result;

        public int Refused;

        public void OnJoinRequest(in HandWritten.JoinRequestPacket packet) => Result = "JoinRequest|" + Describe(in packet);

        public void OnVoiceJoin(in HandWritten.VoiceJoinPacket packet) => Result = "VoiceJoin|" + Describe(in packet);

        public void OnSilent(in HandWritten.SilentPacket packet) => Result = "Silent|" + Describe(in packet);

        public void OnKick(in HandWritten.KickPacket packet) => Result = "Kick|" + Describe(in packet);

        public void OnSyn(in HandWritten.SynPacket packet) => Result = "Syn|" + Describe(in packet);

        public void OnResponse(in HandWritten.ResponsePacket packet) => Result = "Response|" + Describe(in packet);

        public void OnResendRequest(in HandWritten.ResendRequestPacket packet) => Result = "ResendRequest|" + Describe(in packet);

        public void OnAck(in HandWritten.AckPacket packet) => Result = "Ack|" + Describe(in packet);

        public void OnMedia(in HandWritten.MediaPacket packet) => Result = "Media|" + Describe(in packet);

        public void OnMsg(in HandWritten.MsgPacket packet) => Result = "Msg|" + Describe(in packet);

        public void OnCommand(in HandWritten.CommandPacket packet) => Result = "Command|" + Describe(in packet);

        public void OnCommandReply(in HandWritten.CommandReplyPacket packet) => Result = "CommandReply|" + Describe(in packet);

        public void OnPing(in HandWritten.PingPacket packet) => Result = "Ping|" + Describe(in packet);

        public void OnPong(in HandWritten.PongPacket packet) => Result = "Pong|" + Describe(in packet);

        public void OnReject(in HandWritten.RejectPacket packet) => Result = "Reject|" + Describe(in packet);

        public void OnCodecReject(in HandWritten.CodecRejectPacket packet) => Result = "CodecReject|" + Describe(in packet);

        public void OnDirectMessage(in HandWritten.DirectMessagePacket packet) => Result = "DirectMessage|" + Describe(in packet);

        public void OnError(in HandWritten.ErrorPacket packet) => Result = "Error|" + Describe(in packet);

        public void OnVoiceFin(in HandWritten.VoiceFinPacket packet) => Result = "VoiceFin|" + Describe(in packet);

        public void OnFin(in HandWritten.FinPacket packet) => Result = "Fin|" + Describe(in packet);

        public void OnRefused(ReadOnlySpan<byte> datagram) => Refused++;
    }
}
