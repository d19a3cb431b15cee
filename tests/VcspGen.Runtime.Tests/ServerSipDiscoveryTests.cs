using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// A member with no configured server SIP endpoint learns it from the INVITE (issue 13, item 7; PROTOCOL.md §12.4),
/// over real UDP and TCP sockets on loopback: a server whose SIP port is not 5060 is answered; an INVITE from another
/// address, or whose Via, Contact or From name another address or port than it came from, is dropped without an answer;
/// a configured endpoint that is wrong still drops the server's INVITE.
/// </summary>
public sealed class ServerSipDiscoveryTests
{
    [Theory]
    [InlineData(SipTransport.Udp)]
    [InlineData(SipTransport.Tcp)]
    public async Task AClientWithoutAServerSipEndPointFindsAServerWhoseSipPortIsNot5060(SipTransport transport)
    {
        await using var lab = new CallUdpLab([111, 0]);
        var serverSip = lab.ServerSip!.LocalEndPoint;
        Assert.NotEqual(5060, serverSip.Port);
        var alice = await lab.MemberAsync("alice", [111], transport, learnServerSip: true);
        alice.Do(c => c.Call!.Join());
        await alice.Calls.WaitForPrefixAsync("started codec 111");
        Assert.Equal(CallState.InCall, alice.Get(c => c.Call!.State));
        Assert.Equal(serverSip, alice.Get(c => c.Call!.ServerSipEndPoint));
        Assert.Equal(0, alice.Get(c => c.Call!.Dropped));

        // The dialog is the server's: VC-LEAVE ends it with the server's BYE, answered here.
        alice.Do(c => c.Call!.Leave());
        await alice.Calls.WaitForPrefixAsync("ended");
        await UdpLab.WaitUntilAsync(() => lab.OnServer(s => s.CallMemberCount) == 0, "the server's call empty");
    }

    [Fact]
    public async Task AnInviteThatDoesNotShowTheGroupsAddressAndItsOwnSourceIsDroppedWithoutAnAnswer()
    {
        // A group without SIP leaves the member's VC-INIT outstanding (it drops VoiceJoin), so forged INVITEs meet a
        // member that waits for one.
        await using var lab = new CallUdpLab([111], withSip: false);
        var alice = await lab.MemberAsync("alice", [111], learnServerSip: true);
        var aliceSip = alice.Sip.LocalEndPoint;
        alice.Do(c => c.Call!.Join());
        Assert.Equal(CallState.Joining, alice.Get(c => c.Call!.State));

        using var otherAddress = Bound("127.0.0.2");
        using var forger = Bound("127.0.0.1");
        using var server = Bound("127.0.0.1");
        var otherSource = (IPEndPoint)otherAddress.LocalEndPoint!;
        var forgerSource = (IPEndPoint)forger.LocalEndPoint!;
        var serverSource = (IPEndPoint)server.LocalEndPoint!;
        var forgeries = new (Socket From, SipMessage Invite)[]
        {
            // Another address, its headers consistent with it.
            (otherAddress, Invite(aliceSip, otherSource, otherSource, otherSource)),

            // The group's address, but the headers name port 5060 (or another port) while it came from another one.
            (forger, Invite(aliceSip, new IPEndPoint(IPAddress.Loopback, 5060), new IPEndPoint(IPAddress.Loopback, 5060), new IPEndPoint(IPAddress.Loopback, 5060))),
            (forger, Invite(aliceSip, forgerSource, new IPEndPoint(IPAddress.Loopback, 5060), forgerSource)),
            (forger, Invite(aliceSip, forgerSource, forgerSource, new IPEndPoint(IPAddress.Loopback, forgerSource.Port + 1))),

            // The group's address and port, but a Via that names another address, or no Contact at all.
            (forger, Invite(aliceSip, new IPEndPoint(IPAddress.Parse("127.0.0.2"), forgerSource.Port), forgerSource, forgerSource)),
            (forger, Invite(aliceSip, forgerSource, null, forgerSource)),
        };
        foreach (var (from, invite) in forgeries)
        {
            await from.SendToAsync(invite.ToBytes(), aliceSip, TestContext.Current.CancellationToken);
        }

        // One that shows the group's address and the port it comes from everywhere is taken; loopback delivers in order,
        // so any answer to the forgeries would be waiting on their sockets by the time this one's 200 OK arrives.
        await server.SendToAsync(Invite(aliceSip, serverSource, serverSource, serverSource).ToBytes(), aliceSip, TestContext.Current.CancellationToken);
        var answer = await UdpLab.ReceiveAsync(server, UdpLab.Patience);
        Assert.NotNull(answer);
        Assert.StartsWith("SIP/2.0 200 OK", Encoding.ASCII.GetString(answer!), StringComparison.Ordinal);
        Assert.Equal(0, otherAddress.Available);
        Assert.Equal(0, forger.Available);
        Assert.Equal(forgeries.Length, alice.Get(c => c.Call!.Dropped));
        Assert.Equal(CallState.Answered, alice.Get(c => c.Call!.State));
        Assert.Equal(serverSource, alice.Get(c => c.Call!.ServerSipEndPoint));

        // The dialog stays with that endpoint: a BYE for it from elsewhere is dropped unanswered, and the call goes on.
        var callId = Invite(aliceSip, serverSource, serverSource, serverSource).Get("Call-ID")!;
        await forger.SendToAsync(Bye(aliceSip, forgerSource, callId).ToBytes(), aliceSip, TestContext.Current.CancellationToken);
        await server.SendToAsync(Bye(aliceSip, serverSource, "another-call").ToBytes(), aliceSip, TestContext.Current.CancellationToken);
        var unknown = await UdpLab.ReceiveAsync(server, UdpLab.Patience);
        Assert.StartsWith("SIP/2.0 481", Encoding.ASCII.GetString(unknown!), StringComparison.Ordinal);
        Assert.Equal(0, forger.Available);
        Assert.Equal(forgeries.Length + 2, alice.Get(c => c.Call!.Dropped));
        Assert.Equal(CallState.Answered, alice.Get(c => c.Call!.State));
    }

    [Fact]
    public async Task AWrongConfiguredServerSipEndPointStillDropsTheServersInvite()
    {
        await using var lab = new CallUdpLab([111]);
        var wrong = new IPEndPoint(IPAddress.Loopback, lab.ServerSip!.LocalEndPoint.Port == 5060 ? 5061 : 5060);
        var alice = await lab.MemberAsync("alice", [111], serverSip: wrong);
        alice.Do(c => c.Call!.Join());
        await UdpLab.WaitUntilAsync(() => alice.Get(c => c.Call!.Dropped) >= 2, "the server's INVITE and a retransmission dropped");
        Assert.Equal(CallState.Joining, alice.Get(c => c.Call!.State));
        Assert.Null(alice.Get(c => c.Call!.ServerSipEndPoint));
        Assert.DoesNotContain(alice.Calls.Log, l => l.StartsWith("started", StringComparison.Ordinal));
        Assert.Equal(0, lab.OnServer(s => s.CallMemberCount));
    }

    [Fact]
    public void TheOriginRuleOverTcpAndFromADualModeSocket()
    {
        var callee = new SipCallee(new NoSip(), TimeProvider.System, new SipTimers(), new IPEndPoint(IPAddress.Loopback, 7000), "alice", () => IPAddress.Loopback, configuredServer: null);
        var member = new IPEndPoint(IPAddress.Loopback, 7000);
        var sipPort = new IPEndPoint(IPAddress.Loopback, 5070);

        // Over TCP the connection's ephemeral port is not the SIP port: the headers' one port is learned.
        var overTcp = Invite(member, sipPort, sipPort, sipPort, "TCP");
        Assert.Equal(sipPort, callee.TryOrigin(overTcp, new SipPeer(new IPEndPoint(IPAddress.Loopback, 40001), SipTransport.Tcp)));
        Assert.Null(callee.TryOrigin(Invite(member, sipPort, new IPEndPoint(IPAddress.Loopback, 5071), sipPort, "TCP"), new SipPeer(new IPEndPoint(IPAddress.Loopback, 40001), SipTransport.Tcp)));
        Assert.Null(callee.TryOrigin(overTcp, new SipPeer(sipPort, SipTransport.Udp))); // a Via that says TCP, over UDP

        // A dual-mode socket writes the group's IPv4 address as ::ffff:127.0.0.1: the same address.
        var mapped = new IPEndPoint(IPAddress.Loopback.MapToIPv6(), 5070);
        Assert.Equal(sipPort, callee.TryOrigin(Invite(member, sipPort, sipPort, sipPort), new SipPeer(mapped, SipTransport.Udp)));
        Assert.Null(callee.TryOrigin(Invite(member, sipPort, sipPort, sipPort), new SipPeer(new IPEndPoint(IPAddress.Parse("127.0.0.2").MapToIPv6(), 5070), SipTransport.Udp)));
    }

    [Fact]
    public void TheViaParserReadsTheFirstEntrysTransportAndSentBy()
    {
        Assert.True(SipHeaders.TryParseVia("SIP/2.0/UDP 127.0.0.1:5071;branch=z9hG4bKx, SIP/2.0/TCP 10.0.0.1:1", out var transport, out var sentBy));
        Assert.Equal((SipTransport.Udp, new IPEndPoint(IPAddress.Loopback, 5071)), (transport, sentBy));
        Assert.True(SipHeaders.TryParseVia("sip/2.0/tcp [::1];branch=z9hG4bKx", out transport, out sentBy));
        Assert.Equal((SipTransport.Tcp, new IPEndPoint(IPAddress.IPv6Loopback, 5060)), (transport, sentBy));
        foreach (var bad in new[] { null, string.Empty, "SIP/2.0/SCTP 127.0.0.1:5060", "SIP/2.0/UDP host.example:5060", "SIP/2.0/UDP", "127.0.0.1:5060" })
        {
            Assert.False(SipHeaders.TryParseVia(bad, out _, out _), bad);
        }
    }

    private sealed class NoSip : ISipSink
    {
        public void Send(SipMessage message, SipPeer peer)
        {
        }
    }

    private static Socket Bound(string address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        return socket;
    }

    // An INVITE as a VCSP server writes it (PROTOCOL.md §12.3), with the Via, Contact and From given.
    private static SipMessage Invite(IPEndPoint member, IPEndPoint via, IPEndPoint? contact, IPEndPoint from, string transport = "UDP")
    {
        var offer = SdpSession.ForCall(IPAddress.Loopback, "audio", 5000, 111, callChallenge: 4660);
        var invite = SipMessage.Request("INVITE", $"sip:alice@{member}")
            .With("Via", $"SIP/2.0/{transport} {via};branch=z9hG4bK{via.Port}")
            .With("Max-Forwards", "70")
            .With("From", $"\"lobby\" <sip:vcsp@{from}>;tag=f{from.Port}")
            .With("To", $"<sip:alice@{member}>")
            .With("Call-ID", "discovery@127.0.0.1")
            .With("CSeq", "1 INVITE");
        if (contact is not null)
        {
            invite = invite.With("Contact", $"<sip:vcsp@{contact}>");
        }

        return invite.WithBody("application/sdp", offer.ToBytes());
    }

    private static SipMessage Bye(IPEndPoint member, IPEndPoint from, string callId) =>
        SipMessage.Request("BYE", $"sip:alice@{member}")
            .With("Via", $"SIP/2.0/UDP {from};branch=z9hG4bKbye{from.Port}")
            .With("Max-Forwards", "70")
            .With("From", $"\"lobby\" <sip:vcsp@{from}>;tag=x")
            .With("To", $"<sip:alice@{member}>;tag=y")
            .With("Call-ID", callId)
            .With("CSeq", "2 BYE");
}
