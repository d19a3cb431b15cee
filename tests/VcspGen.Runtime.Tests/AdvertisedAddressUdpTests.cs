using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Advertised addresses over real sockets (issue 12, item 5): a <see cref="VcspServerHost"/> group advertises the
/// address of a UDP forwarder on loopback (an <see cref="ImpairingRelay"/> that impairs nothing), and raw sockets join
/// through it and directly, with hand-encoded datagrams (no client library).
/// </summary>
public sealed class AdvertisedAddressUdpTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AClientJoinsThroughAForwarderByNamingItsAddressAndItsMessagesAreRelayed()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        await using var relay = new ImpairingRelay(IPAddress.Loopback, new Impairment(0, 0, 0), seed: 1);
        using var server = new VcspServerHost(IPAddress.Loopback, sipPort: null);
        var lobby = server.AddGroup(0, b => new GroupOptions { Name = "lobby", Address = b.Address, Advertise = [relay.Address], RelayQuiet = TimeSpan.Zero });
        var serving = server.RunAsync(stop.Token, TimeSpan.Zero);
        relay.Start(lobby.LocalEndPoint);
        var direct = VcspAddress.FromEndPoint(lobby.LocalEndPoint);
        try
        {
            using var alice = RawSocket();
            using var bob = RawSocket();

            // A join naming an address that is neither the group's nor advertised is refused.
            await SendAsync(bob, Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 10, Server = VcspAddress.IPv4([127, 0, 0, 2], direct.Port), Name = "bob"u8 }), lobby.LocalEndPoint);
            Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(await ReceiveAsync(bob, Reject.Flag, lobby.LocalEndPoint), out var reject));
            Assert.Equal(RejectReason.AddressMismatch, reject.Reason);

            // bob joins directly; alice through the forwarder, naming its address: both Responses name the address used.
            await JoinAsync(bob, lobby.LocalEndPoint, direct, "bob", 20);
            var forwarded = relay.Forwarded;
            var challenge = await JoinAsync(alice, relay.PublicEndPoint, relay.Address, "alice", 1000);
            Assert.True(relay.Forwarded >= forwarded + 4, "the join, the Response, the Ack and its answer all went through the forwarder");
            Assert.Equal(2, lobby.Invoke(g => g.MemberCount));

            // A Syn sent through the forwarder is relayed to bob as a Msg.
            await SendAsync(alice, Encode(new Syn { Challenge = challenge, Sequence = 1001, Data = "hi"u8 }), relay.PublicEndPoint);
            var msg = await ReceiveAsync(bob, Msg.Flag, lobby.LocalEndPoint);
            Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(msg, out var relayed));
            Assert.Equal(("alice", "hi"), (Encoding.UTF8.GetString(relayed.Sender), Encoding.UTF8.GetString(relayed.Data)));

            // alice's INFO, through the forwarder, reports the forwarder's address.
            await SendAsync(alice, Encode(new Command { Challenge = challenge, Sequence = 1002, Code = CommandCode.Info }), relay.PublicEndPoint);
            Assert.Equal(VcspDecodeStatus.Ok, CommandReply.TryDecode(await ReceiveAsync(alice, CommandReply.Flag, relay.PublicEndPoint), out var info));
            Assert.StartsWith("address=" + relay.PublicEndPoint + "\n", Encoding.UTF8.GetString(info.Data), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await serving;
        }
    }

    private static Socket RawSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    /// <summary>
    /// Sends a JoinRequest naming <paramref name="named"/> to <paramref name="to"/>, checks the Response names it and
    /// comes from <paramref name="to"/>, confirms with an Ack (PROTOCOL.md §8.1 step 6) and waits for the server's, and
    /// returns the challenge.
    /// </summary>
    private static async Task<ushort> JoinAsync(Socket socket, IPEndPoint to, VcspAddress named, string name, uint s0)
    {
        await SendAsync(socket, Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = s0, Server = named, Name = Encoding.UTF8.GetBytes(name) }), to);
        var challenge = CheckResponse(await ReceiveAsync(socket, Response.Flag, to), s0, named);
        await SendAsync(socket, Encode(new Ack { Challenge = challenge, Sequence = s0 + 1, Flags = AckFlags.ReplyRequested }), to);
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(await ReceiveAsync(socket, Ack.Flag, to), out var ack));
        Assert.Equal(challenge, ack.Challenge);
        return challenge;
    }

    private static ushort CheckResponse(byte[] datagram, uint s0, VcspAddress named)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(datagram, out var response));
        Assert.Equal((s0, ResponseTo.JoinRequest, named), (response.Sequence, response.InReplyTo, response.Server));
        return response.Challenge;
    }

    private static async Task SendAsync(Socket socket, byte[] datagram, IPEndPoint to) =>
        await socket.SendToAsync(datagram, SocketFlags.None, to, TestContext.Current.CancellationToken);

    /// <summary>Receives datagrams until one with <paramref name="flag"/> arrives, and checks it came from <paramref name="from"/>.</summary>
    private static async Task<byte[]> ReceiveAsync(Socket socket, byte flag, IPEndPoint from)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        var buffer = new byte[2048];
        while (true)
        {
            var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            if (received.ReceivedBytes >= 2 && buffer[1] == flag)
            {
                Assert.Equal(from, received.RemoteEndPoint);
                return buffer[..received.ReceivedBytes];
            }
        }
    }
}
