using System;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Every text behaviour of the memo over real UDP sockets on loopback (issue 4): a <see cref="GroupServer"/> and
/// <see cref="ChatClient"/>s on their own sockets, and raw sockets where a test must send what a correct client never
/// would.
/// </summary>
public sealed class UdpChatTests
{
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(400);

    public static TheoryData<string> Loopbacks => new() { "127.0.0.1", "::1" };

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task GroupMessagesReachEveryOtherMemberWholeAndOnce(string loopback)
    {
        await using var lab = new UdpLab(loopback);
        var alice = await lab.JoinAsync("alice");
        var bob = await lab.JoinAsync("bob");
        var carol = await lab.JoinAsync("carol");

        var longText = string.Concat(Enumerable.Range(0, 40).Select(i => $"part{i:D2}-of-a-long-message "));
        Assert.True(Encoding.UTF8.GetByteCount(longText) > 3 * 112, "the message must need several fragments");
        Assert.True(alice.Get(c => c.Group.TrySend("hello"u8)));
        Assert.True(alice.Get(c => c.Group.TrySend(Encoding.UTF8.GetBytes(longText))));

        foreach (var receiver in new[] { bob, carol })
        {
            await receiver.Events.WaitForAsync("<alice> hello");
            await receiver.Events.WaitForAsync("<alice> " + longText);
        }

        await Task.Delay(Silence, TestContext.Current.CancellationToken);
        Assert.Equal(1, bob.Events.Count("<alice> " + longText));
        Assert.DoesNotContain(alice.Events.Log, l => l.StartsWith("<alice>", StringComparison.Ordinal));
        Assert.Equal(3, lab.OnServer(s => s.MemberCount));
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task AJoinForAnotherAddressOrVersionIsRejectedWithAReason(string loopback)
    {
        await using var lab = new UdpLab(loopback);
        using var raw = lab.RawSocket();
        var elsewhere = VcspAddress.FromEndPoint(new System.Net.IPEndPoint(lab.Loopback, lab.ServerHost.LocalEndPoint.Port + 1));

        await SendAsync(raw, lab, Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 5, Server = elsewhere, Name = "mallory"u8 }));
        var reply = await UdpLab.ReceiveAsync(raw, UdpLab.Patience);
        Assert.NotNull(reply);
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(reply, out var reject));
        Assert.Equal(RejectReason.AddressMismatch, reject.Reason);
        Assert.Equal(5u, reject.Sequence);

        var version2 = Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 6, Server = lab.ServerHost.LocalAddress, Name = "mallory"u8 });
        version2[0] = 2;
        await SendAsync(raw, lab, version2);
        reply = await UdpLab.ReceiveAsync(raw, UdpLab.Patience);
        Assert.NotNull(reply);
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(reply, out reject));
        Assert.Equal(RejectReason.VersionMismatch, reject.Reason);
        Assert.Equal(0, lab.OnServer(s => s.MemberCount));
    }

    [Fact]
    public async Task UnderTheDropPolicyAWrongJoinGetsNoReplyAndTheClientGivesUpWithAClearError()
    {
        // The group knows itself by another port (as behind a port mapping), so joins naming this socket are wrong.
        await using var lab = new UdpLab("127.0.0.1", address => new GroupOptions
        {
            Name = "lobby",
            Address = VcspAddress.FromEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, address.Port ^ 1)),
            Policy = JoinPolicy.Drop,
        });
        using var raw = lab.RawSocket();
        await SendAsync(raw, lab, Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 5, Server = lab.ServerHost.LocalAddress, Name = "mallory"u8 }));
        Assert.Null(await UdpLab.ReceiveAsync(raw, Silence));
        Assert.Equal(1, lab.OnServer(s => s.Dropped(DropReason.JoinRefused)));

        var client = lab.Client("dave", TimeSpan.FromMilliseconds(20));
        client.Do(c => c.Join());
        await client.Events.WaitForAsync("closed: the server did not answer");
        Assert.Equal(6, lab.OnServer(s => s.Dropped(DropReason.JoinRefused))); // its five tries, each dropped
        Assert.Equal(0, lab.OnServer(s => s.MemberCount));
    }

    [Fact]
    public async Task ARequestIsRetransmittedWithBackoffUntilAnsweredOrFailsAfterFiveTries()
    {
        await using var lab = new UdpLab("127.0.0.1");
        using var silentServer = lab.RawSocket();
        var silent = VcspAddress.FromEndPoint((System.Net.IPEndPoint)silentServer.LocalEndPoint!);

        // Nobody answers: exactly five identical JoinRequests, then a clear error.
        var unanswered = lab.Client("erin", TimeSpan.FromMilliseconds(20), silent);
        unanswered.Do(c => c.Join());
        var tries = new System.Collections.Generic.List<byte[]>();
        for (var i = 0; i < 5; i++)
        {
            var request = await UdpLab.ReceiveAsync(silentServer, UdpLab.Patience);
            Assert.NotNull(request);
            tries.Add(request);
        }

        await unanswered.Events.WaitForAsync("closed: the server did not answer");
        Assert.Null(await UdpLab.ReceiveAsync(silentServer, Silence));
        Assert.All(tries, t => Assert.Equal(tries[0], t));

        // Answered on the third try: joined, and a late duplicate Response changes nothing.
        var answered = lab.Client("frank", TimeSpan.FromMilliseconds(30), silent);
        answered.Do(c => c.Join());
        byte[]? third = null;
        for (var i = 0; i < 3; i++)
        {
            third = await UdpLab.ReceiveAsync(silentServer, UdpLab.Patience);
        }

        Assert.Equal(VcspDecodeStatus.Ok, JoinRequest.TryDecode(third, out var join));
        var response = Encode(new Response { Challenge = 0x1234, Sequence = join.Sequence, InReplyTo = ResponseTo.JoinRequest, Server = silent, GroupName = "quiet"u8 });
        async Task SendAllAsync(params byte[][] datagrams)
        {
            foreach (var datagram in datagrams)
            {
                await silentServer.SendToAsync(datagram, SocketFlags.None, answered.Host.LocalEndPoint, TestContext.Current.CancellationToken);
            }
        }

        async Task<byte[]> NextAsync(byte flag)
        {
            while (true)
            {
                var datagram = await UdpLab.ReceiveAsync(silentServer, UdpLab.Patience);
                Assert.NotNull(datagram);
                if (datagram[1] == flag)
                {
                    return datagram;
                }
            }
        }

        // The Response (twice) is confirmed with an Ack carrying its challenge; the server's Ack to it makes the
        // client a member, and its RelayNext (70) is where the relay stream starts.
        await SendAllAsync(response, response);
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(await NextAsync(Ack.Flag), out var confirmation));
        Assert.Equal((ushort)0x1234, confirmation.Challenge);
        Assert.Equal(AckFlags.ReplyRequested, confirmation.Flags);
        Assert.Equal(0, answered.Events.Count("joined quiet"));
        await SendAllAsync(Encode(new Ack { Challenge = 0x1234, Sequence = confirmation.Sequence, RelayNext = 70, Window = 128, Flags = AckFlags.None }));
        await answered.Events.WaitForAsync("joined quiet");
        await Task.Delay(Silence, TestContext.Current.CancellationToken);
        Assert.Equal(1, answered.Events.Count("joined quiet"));
        Assert.Equal((ushort)0x1234, answered.Get(c => c.Group.Challenge));

        // A relayed message that arrives twice, and a fragmented one with a duplicated fragment, are delivered once;
        // a final fragment that comes before its first is held until the first comes.
        var msg = Encode(new Msg { Challenge = VcspChallenge.None, Sequence = 70, Sender = "gina"u8, Data = "once"u8 });
        var first = Encode(new Msg { Challenge = VcspChallenge.None, Sequence = 71, FragmentOffset = 1, Sender = "gina"u8, Data = "one "u8 });
        var last = Encode(new Msg { Challenge = VcspChallenge.None, Sequence = 72, FragmentOffset = VcspWire.FinalFragment, Sender = "gina"u8, Data = "piece"u8 });
        await SendAllAsync(msg, msg, last, first, first, last, msg);

        await answered.Events.WaitForAsync("<gina> one piece");
        await Task.Delay(Silence, TestContext.Current.CancellationToken);
        Assert.Equal(1, answered.Events.Count("<gina> once"));
        Assert.Equal(1, answered.Events.Count("<gina> one piece"));
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task TheServerChecksSequenceAndChallengeAndRelaysWithChallengeNone(string loopback)
    {
        await using var lab = new UdpLab(loopback);
        using var raw = lab.RawSocket();
        var bob = await lab.JoinAsync("bob");
        await SendAsync(raw, lab, Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 100, Server = lab.ServerHost.LocalAddress, Name = "raw"u8 }));
        var joined = await UdpLab.ReceiveAsync(raw, UdpLab.Patience);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(joined, out var response));
        var challenge = response.Challenge;
        await ConfirmAsync(raw, lab, challenge, 101);

        // A wrong challenge is dropped without reply.
        var wrong = challenge == 0x1111 ? (ushort)0x2222 : (ushort)0x1111;
        await SendAsync(raw, lab, Encode(new Syn { Challenge = wrong, Sequence = 101, Data = "spoofed"u8 }));
        Assert.Null(await UdpLab.ReceiveAsync(raw, Silence));
        Assert.True(lab.OnServer(s => s.Dropped(DropReason.UnknownSender)) >= 1);

        // A gap: the datagram after it is kept, and only the hole is asked for (PROTOCOL.md §7.5, upstream).
        await SendAsync(raw, lab, Encode(new Syn { Challenge = challenge, Sequence = 103, Data = "early"u8 }));
        var ask = await UdpLab.ReceiveAsync(raw, UdpLab.Patience);
        Assert.Equal(VcspDecodeStatus.Ok, ResendRequest.TryDecode(ask, out var hole));
        Assert.Equal((101u, (byte)2), (hole.Sequence, hole.Count));

        // In order, it is relayed to the others as Msg with challenge 0xFFFF; the kept one waits for the one before it.
        await SendAsync(raw, lab, Encode(new Syn { Challenge = challenge, Sequence = 101, Data = "in order"u8 }));
        await bob.Events.WaitForAsync("<raw> in order");
        Assert.DoesNotContain(bob.Events.Log, l => l.Contains("spoofed", StringComparison.Ordinal) || l.Contains("early", StringComparison.Ordinal));

        using var watcher = lab.RawSocket();
        await SendAsync(watcher, lab, Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 9, Server = lab.ServerHost.LocalAddress, Name = "watcher"u8 }));
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(await UdpLab.ReceiveAsync(watcher, UdpLab.Patience), out var watching));
        var start = await ConfirmAsync(watcher, lab, watching.Challenge, 10);
        await SendAsync(raw, lab, Encode(new Syn { Challenge = challenge, Sequence = 102, Data = "seen raw"u8 }));
        var relayed = await UdpLab.ReceiveAsync(watcher, UdpLab.Patience);
        CheckRelayed(relayed, start);
        await bob.Events.WaitForAsync("<raw> early"); // and the kept one follows, in order
    }

    private static void CheckRelayed(byte[]? relayed, uint start)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(relayed, out var msg));
        Assert.Equal(VcspChallenge.None, msg.Challenge);
        Assert.Equal(start, msg.Sequence); // the first of the watcher's own relay stream
        Assert.Equal("seen raw", Encoding.UTF8.GetString(msg.Data));
        Assert.Equal("raw", Encoding.UTF8.GetString(msg.Sender));
    }

    /// <summary>Confirms a raw join (PROTOCOL.md §8.1 step 6) and returns where its relay stream starts.</summary>
    private static async Task<uint> ConfirmAsync(System.Net.Sockets.Socket raw, UdpLab lab, ushort challenge, uint next)
    {
        await SendAsync(raw, lab, Encode(new Ack { Challenge = challenge, Sequence = next, Flags = AckFlags.ReplyRequested }));
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(await UdpLab.ReceiveAsync(raw, UdpLab.Patience), out var ack));
        return ack.RelayNext;
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task FinWithWrongCredentialsIsDroppedAndTheRightFinRemovesTheMember(string loopback)
    {
        await using var lab = new UdpLab(loopback);
        using var raw = lab.RawSocket();
        await SendAsync(raw, lab, Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 100, Server = lab.ServerHost.LocalAddress, Name = "raw"u8 }));
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(await UdpLab.ReceiveAsync(raw, UdpLab.Patience), out var response));
        var challenge = response.Challenge;
        await ConfirmAsync(raw, lab, challenge, 101);

        await SendAsync(raw, lab, Encode(new Fin { Challenge = challenge == 0x1111 ? (ushort)0x2222 : (ushort)0x1111, Sequence = 100 }));
        using var stranger = lab.RawSocket();
        await SendAsync(stranger, lab, Encode(new Fin { Challenge = challenge, Sequence = 100 }));
        Assert.Null(await UdpLab.ReceiveAsync(raw, Silence));
        Assert.Null(await UdpLab.ReceiveAsync(stranger, TimeSpan.FromMilliseconds(50)));
        Assert.Equal(1, lab.OnServer(s => s.MemberCount));

        await SendAsync(raw, lab, Encode(new Fin { Challenge = challenge, Sequence = 100 }));
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(await UdpLab.ReceiveAsync(raw, UdpLab.Patience), out var left));
        Assert.Equal(ResponseTo.Fin, left.InReplyTo);
        Assert.Equal(0, lab.OnServer(s => s.MemberCount));

        // A chat client's QUIT does the same.
        var bob = await lab.JoinAsync("bob");
        bob.Do(c => c.Quit());
        await bob.Events.WaitForAsync("closed: left");
        Assert.Equal(0, lab.OnServer(s => s.MemberCount));
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task CommandsListInfoPingAndKick(string loopback)
    {
        await using var lab = new UdpLab(loopback);
        var alice = await lab.JoinAsync("alice"); // the owner, on loopback: the administrator
        var bob = await lab.JoinAsync("bob");
        var carol = await lab.JoinAsync("carol");

        Assert.True(bob.Get(c => c.Group.TrySendCommand(CommandCode.List, default)));
        await bob.Events.WaitForPrefixAsync("List Ok: ");
        var names = bob.Events.Log.Single(l => l.StartsWith("List Ok: ", StringComparison.Ordinal))["List Ok: ".Length..];
        Assert.Equal(["alice", "bob", "carol"], names.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        Assert.True(alice.Get(c => c.Group.TrySendCommand(CommandCode.List, default)));
        await alice.Events.WaitForPrefixAsync("List Ok: ");
        var adminView = alice.Events.Log.Single(l => l.StartsWith("List Ok: ", StringComparison.Ordinal));
        Assert.Contains("bob\t" + bob.Address, adminView, StringComparison.Ordinal);

        Assert.True(carol.Get(c => c.Group.TrySendCommand(CommandCode.Info, default)));
        await carol.Events.WaitForAsync($"Info Ok: address={lab.ServerHost.LocalAddress}\nname=lobby\nowner=alice\nmembers=3\n");

        carol.Do(c => c.Group.Ping());
        await carol.Events.WaitForAsync("pong");

        Assert.True(bob.Get(c => c.Group.TrySendCommand(CommandCode.Kick, "carol"u8)));
        await bob.Events.WaitForAsync("Kick NotPermitted: ");
        Assert.Equal(3, lab.OnServer(s => s.MemberCount));

        Assert.True(alice.Get(c => c.Group.TrySendCommand(CommandCode.Kick, "carol"u8)));
        await alice.Events.WaitForAsync("Kick Ok: ");
        await carol.Events.WaitForAsync("closed: kicked");
        Assert.Equal(2, lab.OnServer(s => s.MemberCount));
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task DirectMessagesByNameGoPeerToPeerWithTheSilentHandshake(string loopback)
    {
        await using var lab = new UdpLab(loopback);
        var alice = await lab.JoinAsync("alice");
        var bob = await lab.JoinAsync("bob");
        var relayedBefore = lab.OnServer(s => s.Dropped(DropReason.UnexpectedKind));

        Assert.True(alice.Get(c => c.TrySendDirect("bob", "psst, bob"u8)));
        await bob.Events.WaitForAsync($"dm alice@{alice.Address}: psst, bob");
        await UdpLab.WaitUntilAsync(() => alice.Get(c => c.Direct.ChallengeWith(bob.Address)) is not null, "alice learns the DM challenge");
        Assert.Equal(alice.Get(c => c.Direct.ChallengeWith(bob.Address)), bob.Get(c => c.Direct.ChallengeWith(alice.Address)));

        var longReply = string.Concat(Enumerable.Range(0, 12).Select(i => $"reply-fragment-{i} "));
        Assert.True(bob.Get(c => c.Direct.TrySend(alice.Address, Encoding.UTF8.GetBytes(longReply))));
        await alice.Events.WaitForAsync($"dm bob@{bob.Address}: {longReply}");

        // The second DM by name goes straight to the known address: no second WHOIS.
        Assert.True(alice.Get(c => c.TrySendDirect("bob", "again"u8)));
        await bob.Events.WaitForAsync($"dm alice@{alice.Address}: again");
        Assert.Single(alice.Events.Log, l => l.StartsWith("Whois Ok: ", StringComparison.Ordinal));

        // An unknown name is reported; a DM with a wrong challenge, or a FIN between peers, is dropped.
        Assert.True(alice.Get(c => c.TrySendDirect("nobody", "hello?"u8)));
        await alice.Events.WaitForAsync("Whois NoSuchMember: ");
        using var raw = lab.RawSocket();
        var droppedBefore = bob.Get(c => c.Direct.Dropped);
        await raw.SendToAsync(Encode(new DirectMessage { Challenge = 0x4242, Sequence = 1, Sender = "mallory"u8, Data = "let me in"u8 }), SocketFlags.None, bob.Host.LocalEndPoint, TestContext.Current.CancellationToken);
        await raw.SendToAsync(Encode(new Fin { Challenge = 0x4242, Sequence = 1 }), SocketFlags.None, bob.Host.LocalEndPoint, TestContext.Current.CancellationToken);
        await UdpLab.WaitUntilAsync(() => bob.Get(c => c.Direct.Dropped) == droppedBefore + 2, "both dropped");
        Assert.Null(await UdpLab.ReceiveAsync(raw, Silence));
        Assert.DoesNotContain(bob.Events.Log, l => l.Contains("mallory", StringComparison.Ordinal));
        Assert.Equal(relayedBefore, lab.OnServer(s => s.Dropped(DropReason.UnexpectedKind))); // no DM passed through the server
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task ResLeavesAndJoinsAgainAndTheMemberChatsOn(string loopback)
    {
        await using var lab = new UdpLab(loopback);
        var alice = await lab.JoinAsync("alice");
        var bob = await lab.JoinAsync("bob");
        Assert.True(bob.Get(c => c.Restart()));
        await bob.Events.WaitForAsync("closed: left");
        await UdpLab.WaitUntilAsync(() => bob.Events.Count("joined lobby") == 2, "bob joins again");
        Assert.Equal(ClientState.Member, bob.Get(c => c.Group.State));
        Assert.Equal(2, lab.OnServer(s => s.MemberCount));

        Assert.True(bob.Get(c => c.Group.TrySend("back again"u8)));
        await alice.Events.WaitForAsync("<bob> back again");
    }

    private static async Task SendAsync(Socket socket, UdpLab lab, byte[] datagram) =>
        await socket.SendToAsync(datagram, SocketFlags.None, lab.ServerHost.LocalEndPoint, TestContext.Current.CancellationToken);
}
