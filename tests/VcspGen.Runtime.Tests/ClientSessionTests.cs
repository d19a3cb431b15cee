using System;
using System.Linq;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>Client sessions and a group server, connected in memory, with a manual clock.</summary>
public sealed class ClientSessionTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);
    private static readonly VcspAddress AliceAddress = VcspAddress.IPv4([127, 0, 0, 1], 40001);
    private static readonly VcspAddress BobAddress = VcspAddress.IPv4([127, 0, 0, 1], 40002);

    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryNetwork _network = new();
    private readonly GroupServer _server;
    private readonly RecordingEvents _aliceEvents = new();
    private readonly RecordingEvents _bobEvents = new();
    private readonly ClientSession _alice;
    private readonly ClientSession _bob;

    public ClientSessionTests()
    {
        GroupServer? server = null;
        var serverSink = _network.Attach(Group, (d, from) => server!.Receive(d, from));
        _server = server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group }, serverSink, _time);
        ClientSession? alice = null, bob = null;
        _alice = alice = new ClientSession(new ClientOptions { Server = Group, Name = "alice" }, _network.Attach(AliceAddress, (d, from) => alice!.Receive(d, from)), _time, _aliceEvents);
        _bob = bob = new ClientSession(new ClientOptions { Server = Group, Name = "bob" }, _network.Attach(BobAddress, (d, from) => bob!.Receive(d, from)), _time, _bobEvents);
    }

    private void Advance(int milliseconds)
    {
        _time.Advance(TimeSpan.FromMilliseconds(milliseconds));
        _server.Poll();
        _alice.Poll();
        _bob.Poll();
        _network.Pump();
    }

    private void JoinBoth()
    {
        _alice.Join();
        _bob.Join();
        _network.Pump();
        Assert.Equal(ClientState.Member, _alice.State);
        Assert.Equal(ClientState.Member, _bob.State);
    }

    [Fact]
    public void ALongMessageIsFragmentedRelayedAndDeliveredWhole()
    {
        JoinBoth();
        Assert.Equal(["joined lobby"], _aliceEvents.Log);
        var text = string.Concat(Enumerable.Range(0, 60).Select(i => $"word{i} "));
        Assert.True(_alice.TrySend(Encoding.UTF8.GetBytes(text)));
        _network.Pump();
        Assert.Empty(_bobEvents.Messages); // the server waits for 100 ms of quiet
        Advance(100);
        Assert.Equal([("alice", text)], _bobEvents.Messages);
        Assert.Empty(_aliceEvents.Messages); // the sender does not get its own message back
    }

    [Fact]
    public void ALostLastSynIsFoundByTheFlushPingAndSentAgain()
    {
        JoinBoth();
        var lost = 0;
        _network.Drop = (d, _, to) => to == Group && d[1] == Syn.Flag && lost++ == 0;
        Assert.True(_alice.TrySend("the only message"u8));
        _network.Pump();
        Assert.Equal(1, lost);

        // 100 ms later the Ping asks "do you have everything before my next sequence?"; the server answers Error
        // OutOfOrder instead of a Pong, alice sends the held datagram again, and the relay follows.
        Advance(100);
        Assert.Equal(TimeSpan.FromMilliseconds(250), _alice.NextPollDelay()); // the Ping's retransmission: no Pong yet
        Advance(100);
        Assert.Equal([("alice", "the only message")], _bobEvents.Messages);
        Advance(150);
        Assert.Null(_alice.NextPollDelay()); // the retried Ping got its Pong: everything is confirmed
        Assert.DoesNotContain(_aliceEvents.Log, l => l.StartsWith("pong", StringComparison.Ordinal)); // a flush is not a user's PING
    }

    [Fact]
    public void LostRelayedDatagramsAreAskedForAndDeliveredOnceInOrder()
    {
        JoinBoth();
        var text = string.Concat(Enumerable.Range(0, 30).Select(i => $"word{i} ")); // 2 fragments
        var toBob = 0;
        _network.Drop = (d, _, to) => to == BobAddress && d[1] == Msg.Flag && ++toBob is 2 or 4; // the final fragment, and "third"
        Assert.True(_alice.TrySend(Encoding.UTF8.GetBytes(text)));
        Assert.True(_alice.TrySend("second"u8));
        Assert.True(_alice.TrySend("third"u8));
        Assert.True(_alice.TrySend("fourth"u8));
        _network.Pump();

        // Relayed: "second" shows the missing final fragment, "fourth" the missing "third"; bob drops what he cannot
        // place yet, asks the server's relay cache, and delivers everything in order, within the same round.
        Advance(100);
        Assert.Equal([("alice", text), ("alice", "second"), ("alice", "third"), ("alice", "fourth")], _bobEvents.Messages);
        Assert.Equal(0, _bob.AbandonedMessages);
    }

    [Fact]
    public void ALostLastRelayedMessageIsRecoveredFromTheServersTailRepeat()
    {
        JoinBoth();
        _network.Drop = (d, _, to) => to == BobAddress && d[1] == Msg.Flag && _bobEvents.Messages.Count == 0 && d.AsSpan().IndexOf("last"u8) < 0;
        Assert.True(_alice.TrySend("first"u8));
        _network.Pump();
        Advance(100);
        Assert.Empty(_bobEvents.Messages); // lost on the way to bob, and nothing after it shows the gap...
        _network.Drop = (_, _, _) => false;
        Advance(250); // ...until the server repeats the burst's last datagram
        Assert.Equal([("alice", "first")], _bobEvents.Messages);
        Advance(500);
        Assert.Single(_bobEvents.Messages); // the second repeat is a duplicate
    }

    [Fact]
    public void WhatTheServerNoLongerHasIsAbandonedAfterFiveRequestsAndTheNextMessageIsDelivered()
    {
        JoinBoth();
        _network.Drop = (d, _, to) => to == BobAddress && d[1] == Msg.Flag && d.AsSpan().IndexOf("gone"u8) >= 0;
        Assert.True(_alice.TrySend("hello"u8));
        _network.Pump();
        Advance(100);
        Assert.True(_alice.TrySend("gone"u8));
        Assert.True(_alice.TrySend("next"u8));
        _network.Pump();
        Advance(100);
        Assert.Equal([("alice", "hello")], _bobEvents.Messages); // "next" waits for "gone"
        for (var i = 0; i < 40; i++)
        {
            Advance(250);
        }

        Assert.Equal(1, _bob.AbandonedMessages);
        Assert.True(_alice.TrySend("after"u8));
        _network.Pump();
        Advance(100);
        Assert.Equal(("alice", "after"), _bobEvents.Messages[^1]);
    }

    [Fact]
    public void ALostJoinRequestIsRetransmittedAfterTheTimeout()
    {
        var dropped = 0;
        _network.Drop = (d, _, to) => to == Group && d[1] == JoinRequest.Flag && dropped++ == 0;
        _alice.Join();
        _network.Pump();
        Assert.Equal(ClientState.Joining, _alice.State);
        Assert.Equal(TimeSpan.FromMilliseconds(250), _alice.NextPollDelay());
        Advance(249);
        Assert.Equal(ClientState.Joining, _alice.State);
        Advance(1);
        Assert.Equal(ClientState.Member, _alice.State);
    }

    [Fact]
    public void AJoinNobodyAnswersFailsAfterFiveTriesWithBackoff()
    {
        var sent = 0;
        _network.Drop = (_, _, to) =>
        {
            sent += to == Group ? 1 : 0;
            return to == Group; // the server never hears anything
        };
        _alice.Join();
        _network.Pump();
        foreach (var wait in new[] { 250, 500, 1000, 2000 })
        {
            Advance(wait - 1);
            Assert.Equal(ClientState.Joining, _alice.State);
            Advance(1);
        }

        Assert.Equal(5, sent);
        Advance(3999);
        Assert.Equal(ClientState.Joining, _alice.State);
        Advance(1);
        Assert.Equal(ClientState.Closed, _alice.State);
        Assert.Equal(["closed: the server did not answer"], _aliceEvents.Log);
        Assert.Equal(5, sent);
    }

    [Fact]
    public void ALostFragmentIsResentOnTheServersRequestAndTheMessageArrivesOnce()
    {
        JoinBoth();
        var dropOnce = true;
        _network.Drop = (d, _, to) =>
        {
            if (to == Group && d[1] == Syn.Flag && d[8] == 2 && dropOnce)
            {
                dropOnce = false;
                return true;
            }

            return false;
        };
        var text = new string('x', 400);
        _alice.TrySend(Encoding.UTF8.GetBytes(text));
        _network.Pump(); // fragment 2 lost; fragment 3 shows the hole; the final waits; the server asks; alice resends
        Advance(100);
        Assert.Equal([("alice", text)], _bobEvents.Messages);
        Advance(1000);
        Assert.Single(_bobEvents.Messages);
    }

    [Fact]
    public void AGapIsRepairedFromTheServersError()
    {
        JoinBoth();
        var synsSeen = 0;
        _network.Drop = (d, _, to) => to == Group && d[1] == Syn.Flag && ++synsSeen == 1; // lose the first Syn only
        _alice.TrySend("one"u8);
        _alice.TrySend("two"u8);
        _network.Pump(); // "one" lost; "two" is out of order; the Error makes alice send both again
        Advance(100);
        Assert.Equal([("alice", "one"), ("alice", "two")], _bobEvents.Messages);
    }

    [Fact]
    public void LeavingIsAnsweredAndTheServerForgetsTheMember()
    {
        JoinBoth();
        _alice.Leave();
        _network.Pump();
        Assert.Equal(ClientState.Closed, _alice.State);
        Assert.Equal("closed: left", _aliceEvents.Log[^1]);
        Assert.Equal(1, _server.MemberCount);
    }

    [Fact]
    public void PingReportsTheRoundTrip()
    {
        JoinBoth();
        _alice.Ping();
        _time.Advance(TimeSpan.FromMilliseconds(7)); // the Ping is in flight for 7 ms
        _network.Pump();
        Assert.Equal("pong 7 ms", _aliceEvents.Log[^1]);
    }

    [Fact]
    public void ACommandsReplyIsDeliveredWholeEvenWhenLongAndPartlyLost()
    {
        JoinBoth();
        Assert.True(_bob.TrySendCommand(CommandCode.Info, default));
        Assert.False(_bob.TrySendCommand(CommandCode.List, default)); // one at a time
        _network.Pump();
        Assert.Equal([(CommandCode.Info, CommandStatus.Ok, "address=127.0.0.1:50429\nname=lobby\nowner=\nmembers=2\n")], _bobEvents.Replies);

        // 30 more members make LIST longer than one datagram; its second fragment is lost once.
        for (var i = 0; i < 30; i++)
        {
            var address = VcspAddress.IPv4([127, 0, 0, 1], (ushort)(43000 + i));
            _network.Attach(address, (_, _) => { });
            _server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 1, Server = Group, Name = Encoding.UTF8.GetBytes($"member-number-{i:D2}") }), address);
        }

        _network.Pump();
        var secondFragmentsSeen = 0;
        _network.Drop = (d, _, to) => to == BobAddress && d[1] == CommandReply.Flag && d[8] == 2 && ++secondFragmentsSeen == 1;
        Assert.True(_bob.TrySendCommand(CommandCode.List, default));
        _network.Pump();
        Assert.Single(_bobEvents.Replies); // incomplete: not delivered
        Advance(250); // the command is sent again; the server answers from its cache
        Assert.Equal(2, _bobEvents.Replies.Count);
        var (command, status, data) = _bobEvents.Replies[1];
        Assert.Equal((CommandCode.List, CommandStatus.Ok), (command, status));
        Assert.Equal(32, data.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith("alice\nbob\nmember-number-00\n", data, StringComparison.Ordinal);
    }


    [Fact]
    public void AKickedClientCloses()
    {
        var admin = new RecordingEvents();
        GroupServer? server = null;
        var network = new InMemoryNetwork();
        server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group, Owner = "alice" }, network.Attach(Group, (d, f) => server!.Receive(d, f)), _time);
        ClientSession? alice = null, bob = null;
        alice = new ClientSession(new ClientOptions { Server = Group, Name = "alice" }, network.Attach(AliceAddress, (d, f) => alice!.Receive(d, f)), _time, admin);
        var bobEvents = new RecordingEvents();
        bob = new ClientSession(new ClientOptions { Server = Group, Name = "bob" }, network.Attach(BobAddress, (d, f) => bob!.Receive(d, f)), _time, bobEvents);
        alice.Join();
        bob.Join();
        network.Pump();

        var command = new Command { Challenge = alice.Challenge, Sequence = 1, Code = CommandCode.Kick, Argument = "bob"u8 };
        var buffer = new byte[128];
        Assert.Equal(VcspEncodeStatus.Ok, command.TryEncode(buffer, out var n));
        server.Receive(buffer.AsSpan(0, n), AliceAddress);
        network.Pump();
        Assert.Equal(ClientState.Closed, bob.State);
        Assert.Equal("closed: kicked", bobEvents.Log[^1]);
    }
}
