using System;
using CsCheck;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// Randomized round trips over field values (CsCheck, which shrinks a failure to a small case): every packet
/// built from valid field values encodes to exactly <c>EncodedSize</c> bytes and decodes back to the same fields.
/// </summary>
public sealed class RoundTripTests
{
    private const int Iterations = 2_000;

    private static readonly Gen<ushort> MemberChallenge = Gen.UShort.Where(c => !VcspChallenge.IsReserved(c));

    private static readonly Gen<VcspAddress> Address = Gen.Bool.SelectMany(ipv6 => ipv6
        ? Gen.Select(Gen.Byte.Array[16], Gen.UShort, (bytes, port) => VcspAddress.IPv6(bytes, port))
        : Gen.Select(Gen.Byte.Array[4], Gen.UShort, (bytes, port) => VcspAddress.IPv4(bytes, port)));

    private static Gen<byte[]> Bytes(int min, int max) => Gen.Byte.Array[min, max];

    private static Gen<T> OneOf<T>()
        where T : struct, Enum => Gen.OneOf(Enum.GetValues<T>());

    private static byte[] Encode(VcspEncodeStatus status, int written, int encodedSize, Span<byte> buffer)
    {
        Assert.Equal(VcspEncodeStatus.Ok, status);
        Assert.Equal(encodedSize, written);
        return buffer[..written].ToArray();
    }

    [Fact]
    public void JoinRequest() =>
        Gen.Select(Gen.UInt, Address, Bytes(1, 32)).Sample(
            t =>
            {
                var (sequence, server, name) = t;
                var p = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = sequence, Server = server, Name = name };
                Span<byte> buffer = stackalloc byte[128];
                var bytes = Encode(p.TryEncode(buffer, out var n), n, p.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.JoinRequest.TryDecode(bytes, out var d));
                Assert.Equal(sequence, d.Sequence);
                Assert.Equal(server, d.Server);
                Assert.Equal(name, d.Name.ToArray());
            },
            iter: Iterations);

    [Fact]
    public void Response() =>
        Gen.Select(MemberChallenge, Gen.UInt, OneOf<ResponseTo>(), Address, Bytes(1, 32)).Sample(
            t =>
            {
                var (challenge, sequence, to, server, group) = t;
                var p = new Response { Challenge = challenge, Sequence = sequence, InReplyTo = to, Server = server, GroupName = group };
                Span<byte> buffer = stackalloc byte[128];
                var bytes = Encode(p.TryEncode(buffer, out var n), n, p.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Response.TryDecode(bytes, out var d));
                Assert.Equal((challenge, sequence, to, server), (d.Challenge, d.Sequence, d.InReplyTo, d.Server));
                Assert.Equal(group, d.GroupName.ToArray());
            },
            iter: Iterations);

    [Fact]
    public void Reject() =>
        Gen.Select(Gen.UInt, OneOf<RejectReason>(), Bytes(0, 117)).Sample(
            t =>
            {
                var (sequence, reason, text) = t;
                var p = new Reject { Challenge = VcspChallenge.None, Sequence = sequence, Reason = reason, Text = text };
                Span<byte> buffer = stackalloc byte[128];
                var bytes = Encode(p.TryEncode(buffer, out var n), n, p.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Reject.TryDecode(bytes, out var d));
                Assert.Equal((sequence, reason), (d.Sequence, d.Reason));
                Assert.Equal(text, d.Text.ToArray());
            },
            iter: Iterations);

    [Fact]
    public void Syn() =>
        Gen.Select(MemberChallenge, Gen.UInt, Gen.Byte, Bytes(1, 118)).Sample(
            t =>
            {
                var (challenge, sequence, fragment, data) = t;
                var p = new Syn { Challenge = challenge, Sequence = sequence, FragmentOffset = fragment, Data = data };
                Span<byte> buffer = stackalloc byte[128];
                var bytes = Encode(p.TryEncode(buffer, out var n), n, p.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Syn.TryDecode(bytes, out var d));
                Assert.Equal((challenge, sequence, fragment), (d.Challenge, d.Sequence, d.FragmentOffset));
                Assert.Equal(data, d.Data.ToArray());
            },
            iter: Iterations);

    [Fact]
    public void Msg() =>
        Gen.Select(Gen.UInt, Gen.Byte, Bytes(1, 32), Gen.Int[1, 85]).Sample(
            t =>
            {
                var (sequence, fragment, sender, dataLength) = t;
                var data = new byte[dataLength];
                new Random(dataLength).NextBytes(data);
                var p = new Msg { Challenge = VcspChallenge.None, Sequence = sequence, FragmentOffset = fragment, Sender = sender, Data = data };
                Span<byte> buffer = stackalloc byte[128];
                var bytes = Encode(p.TryEncode(buffer, out var n), n, p.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Msg.TryDecode(bytes, out var d));
                Assert.Equal((sequence, fragment), (d.Sequence, d.FragmentOffset));
                Assert.Equal(sender, d.Sender.ToArray());
                Assert.Equal(data, d.Data.ToArray());
            },
            iter: Iterations);

    [Fact]
    public void Error() =>
        Gen.Select(MemberChallenge, Gen.UInt, OneOf<ErrorCode>(), Gen.UInt, Bytes(0, 113)).Sample(
            t =>
            {
                var (challenge, sequence, code, expected, text) = t;
                var p = new Error { Challenge = challenge, Sequence = sequence, Code = code, Expected = expected, Text = text };
                Span<byte> buffer = stackalloc byte[128];
                var bytes = Encode(p.TryEncode(buffer, out var n), n, p.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Error.TryDecode(bytes, out var d));
                Assert.Equal((challenge, sequence, code, expected), (d.Challenge, d.Sequence, d.Code, d.Expected));
                Assert.Equal(text, d.Text.ToArray());
            },
            iter: Iterations);

    [Fact]
    public void ResendRequestAndFinAndPingAndPong() =>
        Gen.Select(MemberChallenge, Gen.UInt, Gen.Byte[1, 255], Gen.ULong).Sample(
            t =>
            {
                var (challenge, sequence, count, timestamp) = t;
                Span<byte> buffer = stackalloc byte[128];

                var resend = new ResendRequest { Challenge = challenge, Sequence = sequence, Count = count };
                var bytes = Encode(resend.TryEncode(buffer, out var n), n, resend.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.ResendRequest.TryDecode(bytes, out var r));
                Assert.Equal((challenge, sequence, count), (r.Challenge, r.Sequence, r.Count));

                var fin = new Fin { Challenge = challenge, Sequence = sequence };
                bytes = Encode(fin.TryEncode(buffer, out n), n, fin.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Fin.TryDecode(bytes, out var f));
                Assert.Equal((challenge, sequence), (f.Challenge, f.Sequence));

                var ping = new Ping { Challenge = challenge, Sequence = sequence, Timestamp = timestamp };
                bytes = Encode(ping.TryEncode(buffer, out n), n, ping.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Ping.TryDecode(bytes, out var pi));
                Assert.Equal((challenge, sequence, timestamp), (pi.Challenge, pi.Sequence, pi.Timestamp));

                var pong = new Pong { Challenge = challenge, Sequence = sequence, Timestamp = timestamp };
                bytes = Encode(pong.TryEncode(buffer, out n), n, pong.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Pong.TryDecode(bytes, out var po));
                Assert.Equal((challenge, sequence, timestamp), (po.Challenge, po.Sequence, po.Timestamp));
            },
            iter: Iterations);

    [Fact]
    public void DirectMessage() =>
        Gen.Select(Gen.OneOf(MemberChallenge, Gen.Const(VcspChallenge.None)), Gen.UInt, Gen.Byte, Bytes(1, 32), Gen.Int[1, 85]).Sample(
            t =>
            {
                var (challenge, sequence, fragment, sender, dataLength) = t;
                var data = new byte[dataLength];
                new Random(dataLength).NextBytes(data);
                var p = new DirectMessage { Challenge = challenge, Sequence = sequence, FragmentOffset = fragment, Sender = sender, Data = data };
                Span<byte> buffer = stackalloc byte[128];
                var bytes = Encode(p.TryEncode(buffer, out var n), n, p.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.DirectMessage.TryDecode(bytes, out var d));
                Assert.Equal((challenge, sequence, fragment), (d.Challenge, d.Sequence, d.FragmentOffset));
                Assert.Equal(sender, d.Sender.ToArray());
                Assert.Equal(data, d.Data.ToArray());
            },
            iter: Iterations);

    [Fact]
    public void SilentAndKick() =>
        Gen.Select(MemberChallenge, Gen.UInt, Address, Bytes(0, 98)).Sample(
            t =>
            {
                var (challenge, sequence, address, reason) = t;
                Span<byte> buffer = stackalloc byte[128];
                var silent = new Silent { Challenge = challenge, Sequence = sequence, Peer = address };
                var bytes = Encode(silent.TryEncode(buffer, out var n), n, silent.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Silent.TryDecode(bytes, out var s));
                Assert.Equal((challenge, sequence, address), (s.Challenge, s.Sequence, s.Peer));

                var kick = new Kick { Challenge = challenge, Sequence = sequence, Member = address, Reason = reason };
                bytes = Encode(kick.TryEncode(buffer, out n), n, kick.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Kick.TryDecode(bytes, out var k));
                Assert.Equal((challenge, sequence, address), (k.Challenge, k.Sequence, k.Member));
                Assert.Equal(reason, k.Reason.ToArray());
            },
            iter: Iterations);

    [Fact]
    public void CommandAndReply() =>
        Gen.Select(MemberChallenge, Gen.UInt, OneOf<CommandCode>(), OneOf<CommandStatus>(), Bytes(0, 32), Bytes(0, 116)).Sample(
            t =>
            {
                var (challenge, sequence, code, status, argument, data) = t;
                Span<byte> buffer = stackalloc byte[128];
                var command = new Command { Challenge = challenge, Sequence = sequence, Code = code, Argument = argument };
                var bytes = Encode(command.TryEncode(buffer, out var n), n, command.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Command.TryDecode(bytes, out var c));
                Assert.Equal((challenge, sequence, code), (c.Challenge, c.Sequence, c.Code));
                Assert.Equal(argument, c.Argument.ToArray());

                var reply = new CommandReply { Challenge = challenge, Sequence = sequence, Code = code, Status = status, Data = data };
                bytes = Encode(reply.TryEncode(buffer, out n), n, reply.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.CommandReply.TryDecode(bytes, out var r));
                Assert.Equal((challenge, sequence, code, status), (r.Challenge, r.Sequence, r.Code, r.Status));
                Assert.Equal(data, r.Data.ToArray());
            },
            iter: Iterations);

    [Fact]
    public void VoiceJoinAndCodecReject() =>
        Gen.Select(MemberChallenge, Gen.UShort, OneOf<SipTransport>(), OneOf<CodecRejectReason>(), Bytes(1, 32)).Sample(
            t =>
            {
                var (challenge, port, transport, reason, codecs) = t;
                Span<byte> buffer = stackalloc byte[128];
                var join = new VoiceJoin { Challenge = challenge, SipPort = port, SipTransport = transport, Codecs = codecs };
                var bytes = Encode(join.TryEncode(buffer, out var n), n, join.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.VoiceJoin.TryDecode(bytes, out var j));
                Assert.Equal((challenge, port, transport), (j.Challenge, j.SipPort, j.SipTransport));
                Assert.Equal(codecs, j.Codecs.ToArray());

                var reject = new CodecReject { Challenge = challenge, Reason = reason, Codecs = codecs };
                bytes = Encode(reject.TryEncode(buffer, out n), n, reject.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.CodecReject.TryDecode(bytes, out var r));
                Assert.Equal((challenge, reason), (r.Challenge, r.Reason));
                Assert.Equal(codecs, r.Codecs.ToArray());
            },
            iter: Iterations);

    [Fact]
    public void MediaAndVoiceFin() =>
        Gen.Select(MemberChallenge, Gen.UInt, Gen.UShort, Gen.Byte, Bytes(1, 228)).Sample(
            t =>
            {
                var (challenge, timestamp, source, codec, data) = t;
                Span<byte> buffer = stackalloc byte[240];
                var media = new Media { Challenge = challenge, Timestamp = timestamp, Source = source, Codec = codec, Data = data };
                var bytes = Encode(media.TryEncode(buffer, out var n), n, media.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.Media.TryDecode(bytes, out var m));
                Assert.Equal((challenge, timestamp, source, codec), (m.Challenge, m.Timestamp, m.Source, m.Codec));
                Assert.Equal(data, m.Data.ToArray());

                var fin = new VoiceFin { Challenge = challenge };
                bytes = Encode(fin.TryEncode(buffer, out n), n, fin.EncodedSize, buffer);
                Assert.Equal(VcspDecodeStatus.Ok, Spec.VoiceFin.TryDecode(bytes, out var f));
                Assert.Equal(challenge, f.Challenge);
            },
            iter: Iterations);
}
