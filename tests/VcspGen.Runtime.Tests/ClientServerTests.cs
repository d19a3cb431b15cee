using System;
using System.Linq;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Client sessions and a group server, connected in memory, with a manual clock: end to end, so they need a server
/// that speaks PROTOCOL.md §7.5-§7.7 (the join's confirmation, Acks, relay numbers). The client alone is tested in
/// <see cref="ClientSessionTests"/>.
/// </summary>
public sealed class ClientServerTests
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

    public ClientServerTests()
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
            ushort challenge = 0;
            _network.Attach(address, (d, _) => challenge = d[1] == Response.Flag ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(2)) : challenge);
            _server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 1, Server = Group, Name = Encoding.UTF8.GetBytes($"member-number-{i:D2}") }), address);
            _network.Pump();
            _server.Receive(Encode(new Ack { Challenge = challenge, Sequence = 2, Flags = AckFlags.ReplyRequested }), address); // confirmed: a member
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
