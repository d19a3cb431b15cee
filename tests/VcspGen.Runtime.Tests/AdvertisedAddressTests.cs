using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Advertised addresses (issue 12, item 5; PROTOCOL.md §8.1 step 3): a group behind a port forward, NAT or a UDP proxy
/// accepts a join naming an address it is configured to answer as, and tells each member the address it used (the
/// Response, INFO, the INVITE and its SDP offer), driven with datagrams and a manual clock.
/// </summary>
public sealed class AdvertisedAddressTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);
    private static readonly VcspAddress Forward = VcspAddress.IPv4([198, 51, 100, 7], 40000);
    private static readonly VcspAddress Proxy = VcspAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("2001:db8::10"), 41000));
    private static readonly VcspAddress Alice = VcspAddress.IPv4([127, 0, 0, 1], 40001);
    private static readonly VcspAddress Bob = VcspAddress.IPv4([127, 0, 0, 1], 40002);
    private static readonly VcspAddress Carol = VcspAddress.IPv4([127, 0, 0, 1], 40003);

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingSink _sink = new();
    private readonly RecordingSip _sip = new();

    private GroupServer NewServer(VcspAddress? address = null, params VcspAddress[] advertise) =>
        new(new GroupOptions { Name = "lobby", Address = address ?? Group, Advertise = advertise, SipPort = 5070 }, _sink, _time, sip: _sip);

    /// <summary>Sends a JoinRequest naming <paramref name="named"/> and returns the one datagram that answers it.</summary>
    private byte[] RequestJoin(GroupServer server, VcspAddress who, string name, VcspAddress named, uint s0 = 1000)
    {
        server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = s0, Server = named, Name = Encoding.UTF8.GetBytes(name) }), who);
        var answer = Assert.Single(_sink.Take());
        Assert.Equal(who, answer.Destination);
        return answer.Datagram;
    }

    /// <summary>Joins and confirms (PROTOCOL.md §8.1 step 6); checks the Response names <paramref name="named"/>.</summary>
    private ushort Join(GroupServer server, VcspAddress who, string name, VcspAddress named, uint s0 = 1000)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(RequestJoin(server, who, name, named, s0), out var response));
        Assert.Equal((s0, ResponseTo.JoinRequest, named), (response.Sequence, response.InReplyTo, response.Server));
        server.Receive(Encode(new Ack { Challenge = response.Challenge, Sequence = s0 + 1, Flags = AckFlags.ReplyRequested }), who);
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(Assert.Single(_sink.Take()).Datagram, out _));
        return response.Challenge;
    }

    private string Info(GroupServer server, VcspAddress who, ushort challenge, uint id)
    {
        server.Receive(Encode(new Command { Challenge = challenge, Sequence = id, Code = CommandCode.Info }), who);
        var reply = Assert.Single(_sink.Take());
        Assert.Equal(who, reply.Destination);
        Assert.Equal(VcspDecodeStatus.Ok, CommandReply.TryDecode(reply.Datagram, out var decoded));
        Assert.Equal(CommandStatus.Ok, decoded.Status);
        return Encoding.UTF8.GetString(decoded.Data);
    }

    private SipMessage VoiceJoin(GroupServer server, VcspAddress who, ushort challenge)
    {
        server.Receive(Encode(new VoiceJoin { Challenge = challenge, Sequence = 5000, SipPort = 7001, Codecs = [(byte)VcspCodec.Opus] }), who);
        var (message, peer) = Assert.Single(_sip.Sent);
        _sip.Sent.Clear();
        Assert.Equal("INVITE", message.Method);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7001), peer.EndPoint);
        return message;
    }

    [Fact]
    public void AJoinNamingAnAdvertisedAddressIsAcceptedAndItsResponseNamesThatAddress()
    {
        var server = NewServer(advertise: [Forward, Proxy]);
        Join(server, Alice, "alice", Forward);
        Join(server, Bob, "bob", Proxy);
        Join(server, Carol, "carol", Group);
        Assert.Equal(3, server.MemberCount);

        // A retransmitted JoinRequest is answered again with the address it named.
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(RequestJoin(server, Alice, "alice", Forward), out var again));
        Assert.Equal(Forward, again.Server);
    }

    [Theory]
    [InlineData("203.0.113.9", 40000)] // another address
    [InlineData("198.51.100.7", 40001)] // the advertised address with another port
    [InlineData("127.0.0.1", 40000)] // the group's address with the advertised port
    public void AJoinNamingNeitherTheGroupNorAnAdvertisedAddressIsRefusedAddressMismatch(string address, int port)
    {
        var server = NewServer(advertise: [Forward]);
        var named = VcspAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(address), port));
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(RequestJoin(server, Alice, "alice", named), out var reject));
        Assert.Equal((RejectReason.AddressMismatch, 1000u), (reject.Reason, reject.Sequence));
        Assert.Equal(0, server.MemberCount);
    }

    [Fact]
    public void WithoutAdvertisedAddressesTheForwardedAddressIsRefused()
    {
        var server = NewServer();
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(RequestJoin(server, Alice, "alice", Forward), out var reject));
        Assert.Equal(RejectReason.AddressMismatch, reject.Reason);
    }

    [Fact]
    public void AWildcardGroupAcceptsItsHostAddressesAndItsAdvertisedOnes()
    {
        var server = NewServer(VcspAddress.IPv4([0, 0, 0, 0], 50429), Forward);
        Join(server, Alice, "alice", Forward);
        Join(server, Bob, "bob", Group); // loopback with the group port, as before
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(RequestJoin(server, Carol, "carol", VcspAddress.IPv4([198, 51, 100, 7], 50429)), out var reject));
        Assert.Equal(RejectReason.AddressMismatch, reject.Reason); // the advertised IP with the group port is not advertised
    }

    [Fact]
    public void InfoReportsTheAddressEachMemberUsed()
    {
        var server = NewServer(advertise: [Forward, Proxy]);
        var alice = Join(server, Alice, "alice", Forward);
        var bob = Join(server, Bob, "bob", Proxy);
        var carol = Join(server, Carol, "carol", Group);
        Assert.Equal("address=198.51.100.7:40000\nname=lobby\nowner=\nmembers=3\n", Info(server, Alice, alice, 1));
        Assert.StartsWith("address=[2001:db8::10]:41000\n", Info(server, Bob, bob, 1), StringComparison.Ordinal);
        Assert.StartsWith("address=127.0.0.1:50429\n", Info(server, Carol, carol, 1), StringComparison.Ordinal);
    }

    [Fact]
    public void TheInviteAndItsOfferNameTheAdvertisedAddressTheMemberUsed()
    {
        var server = NewServer(advertise: [Forward]);
        var alice = Join(server, Alice, "alice", Forward);
        var invite = VoiceJoin(server, Alice, alice);

        // SIP: the advertised IP with the configured SIP port; media: the advertised IP and port.
        Assert.StartsWith("SIP/2.0/UDP 198.51.100.7:5070;", invite.Get("Via"), StringComparison.Ordinal);
        Assert.Contains("<sip:vcsp@198.51.100.7:5070>", invite.Get("From"), StringComparison.Ordinal);
        Assert.Equal("<sip:vcsp@198.51.100.7:5070>", invite.Get("Contact"));
        Assert.True(SdpSession.TryParse(invite.Body.Span, out var offer, out var error), error);
        Assert.Equal((IPAddress.Parse("198.51.100.7"), IPAddress.Parse("198.51.100.7"), 40000), (offer!.OriginAddress, offer.ConnectionAddress, offer.MediaPort));
    }

    [Fact]
    public void AMemberThatJoinedDirectlyIsOfferedTheGroupsOwnAddress()
    {
        var server = NewServer(advertise: [Forward]);
        var carol = Join(server, Carol, "carol", Group);
        var invite = VoiceJoin(server, Carol, carol);
        Assert.StartsWith("SIP/2.0/UDP 127.0.0.1:5070;", invite.Get("Via"), StringComparison.Ordinal);
        Assert.Equal("<sip:vcsp@127.0.0.1:5070>", invite.Get("Contact"));
        Assert.True(SdpSession.TryParse(invite.Body.Span, out var offer, out var error), error);
        Assert.Equal((IPAddress.Loopback, 50429), (offer!.ConnectionAddress, offer.MediaPort));
    }

    [Fact]
    public void AnIPv6AdvertisedAddressIsOfferedAsIP6()
    {
        var server = NewServer(advertise: [Proxy]);
        var bob = Join(server, Bob, "bob", Proxy);
        var invite = VoiceJoin(server, Bob, bob);
        Assert.StartsWith("SIP/2.0/UDP [2001:db8::10]:5070;", invite.Get("Via"), StringComparison.Ordinal);
        Assert.Equal("<sip:vcsp@[2001:db8::10]:5070>", invite.Get("Contact"));
        var body = Encoding.ASCII.GetString(invite.Body.Span);
        Assert.Contains("c=IN IP6 2001:db8::10\r\n", body, StringComparison.Ordinal);
        Assert.Contains("m=audio 41000 RTP/AVP 111\r\n", body, StringComparison.Ordinal);
    }

    /// <summary>Records the SIP messages the group sends.</summary>
    private sealed class RecordingSip : ISipSink
    {
        public List<(SipMessage Message, SipPeer Peer)> Sent { get; } = [];

        public void Send(SipMessage message, SipPeer peer) => Sent.Add((message, peer));
    }
}
