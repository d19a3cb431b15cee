using System;
using System.Net;
using System.Text;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// One vector per packet kind, written by hand from the diagrams in spec/PROTOCOL.md §8 (not produced by the
/// encoder): each must decode to the fields named, and re-encode byte for byte.
/// </summary>
public sealed class GoldenVectorTests
{
    private static readonly VcspAddress Loopback50429 = VcspAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 50429));

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Encodes the decoded packet through <see cref="IVcspPacket{TSelf}"/> and compares it with the vector.</summary>
    private static void AssertReencodes<T>(in T packet, byte[] vector)
        where T : IVcspPacket<T>, allows ref struct
    {
        Assert.Equal(vector[1], T.Flag);
        Assert.Equal(vector.Length, packet.EncodedSize);
        Span<byte> buffer = stackalloc byte[T.MaxDatagramSize];
        Assert.Equal(VcspEncodeStatus.Ok, packet.TryEncode(buffer, out var written));
        Assert.Equal(Hex.Of(vector), Hex.Of(buffer[..written]));
        Assert.Equal(VcspDecodeStatus.Ok, T.TryDecode(buffer[..written], out _));
    }

    [Fact]
    public void JoinRequest()
    {
        //                 ver flag chal seq      frag len | family rsv port addr     | len name
        var v = Hex.Bytes("01  1F   00FF 12345678 00   0E    04     00  C4FD 7F000001   05  616C696365");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.JoinRequest.TryDecode(v, out var p));
        Assert.Equal(VcspChallenge.FirstContact, p.Challenge);
        Assert.Equal(0x12345678u, p.Sequence);
        Assert.Equal(Loopback50429, p.Server);
        Assert.Equal("alice", Encoding.UTF8.GetString(p.Name));
        AssertReencodes(p, v);
    }

    [Fact]
    public void Response()
    {
        var v = Hex.Bytes("01 2F 1234 12345678 00 0F  1F  04 00 C4FD 7F000001  05 6C6F626279");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Response.TryDecode(v, out var p));
        Assert.Equal(0x1234, p.Challenge);
        Assert.Equal(0x12345678u, p.Sequence);
        Assert.Equal(ResponseTo.JoinRequest, p.InReplyTo);
        Assert.Equal(Loopback50429, p.Server);
        Assert.Equal("lobby", Encoding.UTF8.GetString(p.GroupName));
        AssertReencodes(p, v);
    }

    [Fact]
    public void Reject()
    {
        var v = Hex.Bytes("01 C9 FFFF 12345678 00 08  01  76657273696F6E");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Reject.TryDecode(v, out var p));
        Assert.Equal(VcspChallenge.None, p.Challenge);
        Assert.Equal(RejectReason.VersionMismatch, p.Reason);
        Assert.Equal("version", Encoding.UTF8.GetString(p.Text));
        AssertReencodes(p, v);
    }

    [Fact]
    public void Syn()
    {
        var v = Hex.Bytes("01 2E 1234 00000010 00 02  6869");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Syn.TryDecode(v, out var p));
        Assert.Equal(0x1234, p.Challenge);
        Assert.Equal(0x10u, p.Sequence);
        Assert.Equal(VcspWire.WholeMessage, p.FragmentOffset);
        Assert.Equal("hi", Encoding.UTF8.GetString(p.Data));
        AssertReencodes(p, v);
    }

    [Fact]
    public void SynFinalFragment()
    {
        var v = Hex.Bytes("01 2E 1234 00000011 FF 02  6869");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Syn.TryDecode(v, out var p));
        Assert.Equal(VcspWire.FinalFragment, p.FragmentOffset);
        Assert.Equal(0x11u, p.Sequence);
        AssertReencodes(p, v);
    }

    [Fact]
    public void Msg()
    {
        var v = Hex.Bytes("01 3F FFFF 00000010 00 08  05 616C696365  6869");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Msg.TryDecode(v, out var p));
        Assert.Equal(VcspChallenge.None, p.Challenge);
        Assert.Equal(0x10u, p.Sequence);
        Assert.Equal("alice", Encoding.UTF8.GetString(p.Sender));
        Assert.Equal("hi", Encoding.UTF8.GetString(p.Data));
        AssertReencodes(p, v);
    }

    [Fact]
    public void Error()
    {
        var v = Hex.Bytes("01 E0 1234 00000012 00 08  01 00000010 676170");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Error.TryDecode(v, out var p));
        Assert.Equal(0x12u, p.Sequence);
        Assert.Equal(ErrorCode.OutOfOrder, p.Code);
        Assert.Equal(0x10u, p.Expected);
        Assert.Equal("gap", Encoding.UTF8.GetString(p.Text));
        AssertReencodes(p, v);
    }

    [Fact]
    public void ResendRequest()
    {
        var v = Hex.Bytes("01 3A 1234 00000011 00 01  03");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.ResendRequest.TryDecode(v, out var p));
        Assert.Equal(0x11u, p.Sequence);
        Assert.Equal(3, p.Count);
        AssertReencodes(p, v);
    }

    [Fact]
    public void Ack()
    {
        // PROTOCOL.md §8.20: the member's next sequence 0x10, RelayNext 0x200, Window 256, ReplyRequested.
        var v = Hex.Bytes("01 3B 1234 00000010 00 07  00000200 0100 01");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Ack.TryDecode(v, out var p));
        Assert.Equal((0x10u, 0x200u, (ushort)256, AckFlags.ReplyRequested), (p.Sequence, p.RelayNext, p.Window, p.Flags));
        AssertReencodes(p, v);
        Assert.Equal(VcspDecodeStatus.InvalidValue, Spec.Ack.TryDecode(Hex.Bytes("01 3B 1234 00000010 00 07  00000200 0100 02"), out _));
    }

    [Fact]
    public void Fin()
    {
        var v = Hex.Bytes("01 FF 1234 00000013 00 00");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Fin.TryDecode(v, out var p));
        Assert.Equal(0x1234, p.Challenge);
        Assert.Equal(0x13u, p.Sequence);
        AssertReencodes(p, v);
    }

    [Fact]
    public void DirectMessage()
    {
        var v = Hex.Bytes("01 D3 FFFF 0000ABCD 00 06  03 626F62  796F");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.DirectMessage.TryDecode(v, out var p));
        Assert.Equal(VcspChallenge.None, p.Challenge);
        Assert.Equal(0xABCDu, p.Sequence);
        Assert.Equal("bob", Encoding.UTF8.GetString(p.Sender));
        Assert.Equal("yo", Encoding.UTF8.GetString(p.Data));
        AssertReencodes(p, v);
    }

    [Fact]
    public void Silent()
    {
        var v = Hex.Bytes("01 2A 5678 0000ABCD 00 14  06 00 C4FE 00000000000000000000000000000001");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Silent.TryDecode(v, out var p));
        Assert.Equal(0x5678, p.Challenge);
        Assert.Equal(0xABCDu, p.Sequence);
        Assert.Equal(VcspAddressFamily.IPv6, p.Peer.Family);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 50430), p.Peer.ToIPEndPoint());
        AssertReencodes(p, v);
    }

    [Fact]
    public void Kick()
    {
        var v = Hex.Bytes("01 2D 1234 00000020 00 0C  04 00 D431 C0000201  7370616D");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Kick.TryDecode(v, out var p));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 54321), p.Member.ToIPEndPoint());
        Assert.Equal("spam", Encoding.UTF8.GetString(p.Reason));
        AssertReencodes(p, v);
    }

    [Fact]
    public void Command()
    {
        var v = Hex.Bytes("01 4C 1234 00000007 00 04  03 626F62");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Command.TryDecode(v, out var p));
        Assert.Equal(7u, p.Sequence);
        Assert.Equal(CommandCode.Kick, p.Code);
        Assert.Equal("bob", Encoding.UTF8.GetString(p.Argument));
        AssertReencodes(p, v);
    }

    [Fact]
    public void CommandReply()
    {
        var v = Hex.Bytes("01 4D 1234 00000007 00 0C  01 00  616C6963650A626F620A");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.CommandReply.TryDecode(v, out var p));
        Assert.Equal(CommandCode.List, p.Code);
        Assert.Equal(CommandStatus.Ok, p.Status);
        Assert.Equal(VcspWire.WholeMessage, p.FragmentOffset);
        Assert.Equal("alice\nbob\n", Encoding.UTF8.GetString(p.Data));
        AssertReencodes(p, v);
    }

    [Fact]
    public void Ping()
    {
        var v = Hex.Bytes("01 50 1234 00000009 00 08  0000000000003039");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Ping.TryDecode(v, out var p));
        Assert.Equal(9u, p.Sequence);
        Assert.Equal(12345ul, p.Timestamp);
        AssertReencodes(p, v);
    }

    [Fact]
    public void Pong()
    {
        var v = Hex.Bytes("01 51 1234 00000009 00 08  0000000000003039");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Pong.TryDecode(v, out var p));
        Assert.Equal(12345ul, p.Timestamp);
        AssertReencodes(p, v);
    }

    [Fact]
    public void VoiceJoin()
    {
        var v = Hex.Bytes("01 25 1234 00000000 00 06  13C4 00  00 08 6F");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.VoiceJoin.TryDecode(v, out var p));
        Assert.Equal(5060, p.SipPort);
        Assert.Equal(SipTransport.Udp, p.SipTransport);
        Assert.Equal(new byte[] { (byte)VcspCodec.Pcmu, (byte)VcspCodec.Pcma, (byte)VcspCodec.Opus }, p.Codecs.ToArray());
        AssertReencodes(p, v);
    }

    [Fact]
    public void CodecReject()
    {
        var v = Hex.Bytes("01 CA 1234 00000000 00 03  01  21 60");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.CodecReject.TryDecode(v, out var p));
        Assert.Equal(CodecRejectReason.NoCommonCodec, p.Reason);
        Assert.Equal(new byte[] { (byte)VcspCodec.Mp2t, (byte)VcspCodec.H264 }, p.Codecs.ToArray());
        AssertReencodes(p, v);
    }

    [Fact]
    public void VoiceFin()
    {
        //                 ver flag chal len   (media layout: no sequence, no fragment offset)
        var v = Hex.Bytes("01  EF   9ABC 00");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.VoiceFin.TryDecode(v, out var p));
        Assert.Equal(0x9ABC, p.Challenge);
        AssertReencodes(p, v);
    }

    [Fact]
    public void Media()
    {
        //                 ver flag chal len | timestamp source codec | data
        var v = Hex.Bytes("01  3E   9ABC 0B    00015F90  0000   21      47000010");
        Assert.Equal(VcspDecodeStatus.Ok, Spec.Media.TryDecode(v, out var p));
        Assert.Equal(0x9ABC, p.Challenge);
        Assert.Equal(90000u, p.Timestamp);
        Assert.Equal(0, p.Source);
        Assert.Equal((byte)VcspCodec.Mp2t, p.Codec);
        Assert.Equal("47000010", Hex.Of(p.Data));
        AssertReencodes(p, v);
    }

    [Fact]
    public void SizeConstantsMatchTheProtocol()
    {
        Assert.Equal(10, Spec.Syn.HeaderSize);
        Assert.Equal(128, Spec.Syn.DatagramLimit);
        Assert.Equal(11, Spec.Syn.MinDatagramSize);
        Assert.Equal(128, Spec.Syn.MaxDatagramSize);
        Assert.Equal(20, Spec.JoinRequest.MinDatagramSize);
        Assert.Equal(128, Spec.JoinRequest.MaxDatagramSize); // its Padding takes the rest: clients send 64 (PROTOCOL.md §8.1)
        Assert.Equal(64, Spec.JoinRequest.PaddedSize);
        Assert.Equal(17, Spec.Ack.MinDatagramSize);
        Assert.Equal(17, Spec.Ack.MaxDatagramSize);
        Assert.Equal(10, Spec.Fin.MinDatagramSize);
        Assert.Equal(10, Spec.Fin.MaxDatagramSize);
        Assert.Equal(5, Spec.VoiceFin.MaxDatagramSize);
        Assert.Equal(13, Spec.Media.MinDatagramSize);
        Assert.Equal(240, Spec.Media.MaxDatagramSize);
        Assert.Equal(228, Spec.Media.MaxDatagramSize - Spec.Media.HeaderSize - 7);
    }
}
