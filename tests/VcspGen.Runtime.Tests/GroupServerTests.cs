using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>The group server's state machine, driven directly with datagrams and a manual clock.</summary>
public sealed class GroupServerTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);
    private static readonly VcspAddress Alice = VcspAddress.IPv4([127, 0, 0, 1], 40001);
    private static readonly VcspAddress Bob = VcspAddress.IPv4([127, 0, 0, 1], 40002);
    private static readonly VcspAddress Carol = VcspAddress.IPv4([127, 0, 0, 1], 40003);

    // A value for the state machine only: no datagram is ever sent to it (the sink records).
    private static readonly VcspAddress Remote = VcspAddress.IPv4([192, 0, 2, 7], 40009);

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingSink _sink = new();

    private GroupServer NewServer(JoinPolicy policy = JoinPolicy.Reject) =>
        new(new GroupOptions { Name = "lobby", Address = Group, Policy = policy }, _sink, _time);


    private (ushort Challenge, uint NextSequence) Join(GroupServer server, VcspAddress who, string name, uint s0 = 1000)
    {
        server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = s0, Server = Group, Name = Encoding.UTF8.GetBytes(name) }), who);
        var (datagram, destination) = Assert.Single(_sink.Take());
        Assert.Equal(who, destination);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(datagram, out var response));
        Assert.Equal(ResponseTo.JoinRequest, response.InReplyTo);
        Assert.Equal(s0, response.Sequence);
        Assert.Equal(Group, response.Server);
        Assert.Equal("lobby", Encoding.UTF8.GetString(response.GroupName));
        Assert.False(VcspChallenge.IsReserved(response.Challenge));

        // The confirmation (PROTOCOL.md §8.1 step 6): an Ack with the challenge, answered with the server's Ack, whose
        // RelayNext is where this member's relay stream starts.
        server.Receive(Encode(new Ack { Challenge = response.Challenge, Sequence = s0 + 1, Window = 256, Flags = AckFlags.ReplyRequested }), who);
        var (reply, to) = Assert.Single(_sink.Take());
        Assert.Equal(who, to);
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(reply, out var ack));
        Assert.Equal(s0 + 1, ack.Sequence);
        Assert.Equal(128, ack.Window);
        _relayStart[who] = ack.RelayNext;
        return (response.Challenge, s0 + 1);
    }

    private readonly Dictionary<VcspAddress, uint> _relayStart = [];

    /// <summary>Whether a Ping with <paramref name="ping"/>'s Sequence is answered with a Pong: the server has everything before it.</summary>
    private bool Ping(GroupServer server, byte[] ping)
    {
        server.Receive(ping, Alice);
        return _sink.Take() is [var (answer, _)] && answer[1] == Pong.Flag;
    }

    [Fact]
    public void JoiningAssignsDistinctChallengesAndARetransmittedRequestGetsTheSameAnswer()
    {
        var server = NewServer();
        var (alice, _) = Join(server, Alice, "alice");
        var (bob, _) = Join(server, Bob, "bob");
        Assert.NotEqual(alice, bob);
        var (again, _) = Join(server, Alice, "alice");
        Assert.Equal(alice, again);
        Assert.Equal(2, server.MemberCount);
    }

    [Fact]
    public void AnotherJoinRequestFromAMembersAddressGetsANewChallengeAndReplacesTheMemberOnlyOnceConfirmed()
    {
        var server = NewServer();
        var (alice, _) = Join(server, Alice, "alice");
        Join(server, Bob, "bob");

        // Conformance point 1 (PROTOCOL.md §8.1 step 2): never answered with the member's challenge. A new join from
        // alice's address (her client restarted, or a spoofer) gets a new challenge, and alice stays a member...
        server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 2000, Server = Group, Name = "alice"u8 }), Alice);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(Assert.Single(_sink.Take()).Datagram, out var response));
        Assert.NotEqual(alice, response.Challenge);
        var fresh = response.Challenge;
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1001, Data = "still me"u8 }), Alice);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        server.Poll();
        Assert.Single(_sink.Take(), r => r.Datagram[1] == Msg.Flag && r.Destination == Bob);

        // ... until the new join is confirmed from that address: then the new session replaces the old one.
        server.Receive(Encode(new Ack { Challenge = fresh, Sequence = 2001, Flags = AckFlags.ReplyRequested }), Alice);
        Assert.Equal(Ack.Flag, Assert.Single(_sink.Take()).Datagram[1]);
        Assert.Equal(2, server.MemberCount);
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1002, Data = "old session"u8 }), Alice);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        server.Poll();
        Assert.Empty(_sink.Take());
        server.Receive(Encode(new Syn { Challenge = fresh, Sequence = 2001, Data = "new session"u8 }), Alice);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        server.Poll();
        Assert.Single(_sink.Take(), r => r.Datagram[1] == Msg.Flag && r.Destination == Bob);

        // A new join from a member's address that is never confirmed (spoofed) displaces nobody, and expires.
        server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 3000, Server = Group, Name = "mallory"u8 }), Bob);
        Assert.Equal(Response.Flag, Assert.Single(_sink.Take()).Datagram[1]);
        _time.Advance(TimeSpan.FromSeconds(11));
        server.Poll();
        Assert.Equal(2, server.MemberCount);
    }

    [Fact]
    public void UnderTheDropPolicyEveryFailedJoinCheckIsSilentAndCounted()
    {
        var server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group, Policy = JoinPolicy.Drop, MaxMembers = 2, Owner = "olive" }, _sink, _time);
        Join(server, Alice, "alice");
        Join(server, Bob, "bob");
        var refused = new (VcspAddress Who, byte[] Name)[]
        {
            (Carol, "alice"u8.ToArray()), // a name in use
            (Remote, "olive"u8.ToArray()), // the owner's name, from elsewhere
            (Carol, "tab\tname"u8.ToArray()), // a bad name
            (Carol, "carol"u8.ToArray()), // the group is full
        };
        foreach (var (who, name) in refused)
        {
            server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 5, Server = Group, Name = name }), who);
        }

        Assert.Empty(_sink.Take()); // PROTOCOL.md §8.1 step 4: the policy applies to every check, not only address and version
        Assert.Equal(refused.Length, server.Dropped(DropReason.JoinRefused));
        Assert.Equal(2, server.MemberCount);
    }

    [Theory]
    [InlineData(JoinPolicy.Reject)]
    [InlineData(JoinPolicy.Drop)]
    public void AJoinForAnotherAddressOrVersionIsRejectedOrDroppedByPolicy(JoinPolicy policy)
    {
        var server = NewServer(policy);
        var wrongAddress = Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 5, Server = VcspAddress.IPv4([127, 0, 0, 1], 1), Name = "eve"u8 });
        var wrongVersion = (byte[])Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 6, Server = Group, Name = "eve"u8 }).Clone();
        wrongVersion[0] = 2;
        server.Receive(wrongAddress, Alice);
        server.Receive(wrongVersion, Alice);
        var sent = _sink.Take();
        Assert.Equal(2, server.Dropped(DropReason.JoinRefused));
        Assert.Equal(0, server.MemberCount);
        if (policy == JoinPolicy.Drop)
        {
            Assert.Empty(sent);
            return;
        }

        Assert.Equal(2, sent.Count);
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(sent[0].Datagram, out var first));
        Assert.Equal((RejectReason.AddressMismatch, 5u), (first.Reason, first.Sequence));
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(sent[1].Datagram, out var second));
        Assert.Equal((RejectReason.VersionMismatch, 6u), (second.Reason, second.Sequence));
    }

    [Fact]
    public void AServerBoundToAllInterfacesAcceptsItsPortOnLoopbackOrAHostAddressOnly()
    {
        var server = new GroupServer(
            new GroupOptions { Name = "lobby", Address = VcspAddress.IPv4([0, 0, 0, 0], 50429), HostAddresses = [System.Net.IPAddress.Parse("198.51.100.4")] },
            _sink,
            _time);
        void Request(VcspAddress named, VcspAddress from) =>
            server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 1, Server = named, Name = Encoding.UTF8.GetBytes("m" + from.Port) }), from);

        Request(VcspAddress.IPv4([127, 0, 0, 1], 50429), Alice);
        Request(VcspAddress.IPv4([198, 51, 100, 4], 50429), Bob);
        Request(VcspAddress.IPv4([198, 51, 100, 5], 50429), Carol); // not this host
        Request(VcspAddress.IPv4([127, 0, 0, 1], 50430), VcspAddress.IPv4([127, 0, 0, 1], 40004)); // another port
        Assert.Equal(new[] { Alice, Bob }, _sink.Take().Where(r => r.Datagram[1] == Response.Flag).Select(r => r.Destination).ToArray());
        Assert.Equal(2, server.Dropped(DropReason.JoinRefused));
    }

    [Fact]
    public void ANameInUseIsRejected()
    {
        var server = NewServer();
        Join(server, Alice, "alice");
        server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 9, Server = Group, Name = "alice"u8 }), Bob);
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(Assert.Single(_sink.Take()).Datagram, out var reject));
        Assert.Equal(RejectReason.NameInUse, reject.Reason);
        Assert.Equal(1, server.MemberCount);
    }

    [Fact]
    public void AMessageIsRelayedToEveryOtherMemberAfterOneHundredMillisecondsOfQuiet()
    {
        var server = NewServer();
        var (alice, seq) = Join(server, Alice, "alice");
        Join(server, Bob, "bob");
        Join(server, Carol, "carol");

        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq, Data = "hi"u8 }), Alice);
        Assert.Empty(_sink.Sent);
        Assert.Equal(TimeSpan.FromMilliseconds(100), server.NextPollDelay());

        _time.Advance(TimeSpan.FromMilliseconds(99));
        server.Poll();
        Assert.Empty(_sink.Sent);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        server.Poll();
        var relayed = _sink.Take();
        Assert.Equal(new[] { Bob, Carol }, relayed.Select(r => r.Destination).ToArray());
        foreach (var (datagram, to) in relayed)
        {
            // Each receiver's Msg carries its own relay number, the first of its stream (PROTOCOL.md §7.5).
            Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(datagram, out var msg));
            Assert.Equal(VcspChallenge.None, msg.Challenge);
            Assert.Equal(_relayStart[to], msg.Sequence);
            Assert.Equal(VcspWire.WholeMessage, msg.FragmentOffset);
            Assert.Equal("alice", Encoding.UTF8.GetString(msg.Sender));
            Assert.Equal("hi", Encoding.UTF8.GetString(msg.Data));
        }

        // Apart from the relay number, every receiver gets the same bytes; nothing is repeated on a timer.
        Assert.Equal(Convert.ToHexString(relayed[0].Datagram.AsSpan(8)), Convert.ToHexString(relayed[1].Datagram.AsSpan(8)));
        Assert.True(server.NextPollDelay() > TimeSpan.FromSeconds(59)); // only the member timeout is left
        _time.Advance(TimeSpan.FromSeconds(5));
        server.Poll();
        Assert.Empty(_sink.Sent);
        Assert.Equal(1, server.RelayLogCount); // one copy, held until bob and carol acknowledge it
    }

    [Fact]
    public void AMemberGetsRelayedMsgDatagramsAgainOnRequestFromTheCache()
    {
        var server = NewServer();
        var (alice, seq) = Join(server, Alice, "alice");
        var (bob, _) = Join(server, Bob, "bob");
        for (var k = 1; k <= 3; k++)
        {
            server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq + (uint)(k - 1), FragmentOffset = Fragmentation.OffsetOf(k, 3), Data = new[] { (byte)('a' + k) } }), Alice);
        }

        _time.Advance(TimeSpan.FromMilliseconds(100));
        server.Poll();
        var sent = _sink.Take();
        var relayed = sent.Select(r => Convert.ToHexString(r.Datagram)).ToArray();
        Assert.Equal(3, relayed.Length);

        // Short fragments (allowed: 1..117 - N bytes each) are relayed 1:1, each with its own Data.
        for (var k = 1; k <= 3; k++)
        {
            Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(sent[k - 1].Datagram, out var msg));
            Assert.Equal(new[] { (byte)('a' + k) }, msg.Data.ToArray());
            Assert.Equal(Fragmentation.OffsetOf(k, 3), msg.FragmentOffset);
        }

        // Bob asks by relay number: the second and third datagrams of his stream (and two never sent, ignored).
        var bobStart = _relayStart[Bob];
        var request = Encode(new ResendRequest { Challenge = bob, Sequence = bobStart + 1, Count = 5 });
        server.Receive(request, Bob);
        Assert.Equal(new[] { relayed[1], relayed[2] }, _sink.Take().Select(r => Convert.ToHexString(r.Datagram)));

        server.Receive(request, Bob); // the same range again within 100 ms: ignored
        Assert.Empty(_sink.Sent);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        server.Receive(request, Bob);
        Assert.Equal(2, _sink.Take().Count);

        // Its own messages were never relayed to the sender, and a member that joined later never had them.
        server.Receive(Encode(new ResendRequest { Challenge = alice, Sequence = _relayStart[Alice], Count = 3 }), Alice);
        var (carol, _) = Join(server, Carol, "carol");
        server.Receive(Encode(new ResendRequest { Challenge = carol, Sequence = _relayStart[Carol], Count = 3 }), Carol);
        Assert.Empty(_sink.Sent);

        // Once bob acknowledged them, the log releases them: asked for again, they are reported skipped, not sent.
        Assert.Equal(3, server.RelayLogCount);
        server.Receive(Encode(new Ack { Challenge = bob, Sequence = 1001, RelayNext = bobStart + 3, Window = 256 }), Bob);
        Assert.Equal(0, server.RelayLogCount);
        Assert.Empty(_sink.Take());
        _time.Advance(TimeSpan.FromMilliseconds(100));
        server.Receive(Encode(new ResendRequest { Challenge = bob, Sequence = bobStart, Count = 3 }), Bob);
        var (skipped, _) = Assert.Single(_sink.Take());
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(skipped, out var error));
        Assert.Equal((ErrorCode.Skipped, bobStart, bobStart + 3), (error.Code, error.Sequence, error.Expected));

        // A stranger is dropped.
        server.Receive(Encode(new ResendRequest { Challenge = bob, Sequence = bobStart, Count = 3 }), Remote);
        Assert.Empty(_sink.Take());
    }

    [Fact]
    public void APingCarryingANewerSequenceThanTheServerHasGetsOutOfOrderInsteadOfAPong()
    {
        var server = NewServer();
        var (alice, seq) = Join(server, Alice, "alice");
        var lost = Encode(new Syn { Challenge = alice, Sequence = seq, Data = "lost on the way"u8 });
        var ping = Encode(new Ping { Challenge = alice, Sequence = seq + 1, Timestamp = 42 });

        server.Receive(ping, Alice);
        var reply = Assert.Single(_sink.Take()).Datagram;
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(reply, out var error));
        Assert.Equal(ErrorCode.OutOfOrder, error.Code);
        Assert.Equal(seq, error.Expected);

        server.Receive(lost, Alice);
        server.Receive(ping, Alice);
        reply = Assert.Single(_sink.Take()).Datagram;
        Assert.Equal(VcspDecodeStatus.Ok, Pong.TryDecode(reply, out var pong));
        Assert.Equal(seq + 1, pong.Sequence);
        Assert.Equal(42ul, pong.Timestamp);
    }

    [Fact]
    public void WithNoQuietWindowAMessageIsRelayedAsItCompletes()
    {
        var server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group, RelayQuiet = TimeSpan.Zero }, _sink, _time);
        var (alice, seq) = Join(server, Alice, "alice");
        Join(server, Bob, "bob");
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq, Data = "now"u8 }), Alice);
        var relayed = Assert.Single(_sink.Take());
        Assert.Equal(Bob, relayed.Destination);
        Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(relayed.Datagram, out var msg));
        Assert.Equal("now", Encoding.UTF8.GetString(msg.Data));
    }

    [Fact]
    public void ASteadyStreamIsRelayedAfterTheOneSecondCap()
    {
        var server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group, MaxPendingPerMember = 64 }, _sink, _time);
        var (alice, seq) = Join(server, Alice, "alice");
        Join(server, Bob, "bob");
        for (var i = 0; i < 20; i++)
        {
            server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq++, Data = "x"u8 }), Alice);
            _time.Advance(TimeSpan.FromMilliseconds(50));
            server.Poll();
        }

        // Alice never fell quiet for 100 ms, but her first message waited 1 s: everything so far went out, in order.
        var relayed = _sink.Take();
        Assert.Equal(20, relayed.Count);
        var sequences = relayed.Select(r => { Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(r.Datagram, out var m)); return m.Sequence; }).ToArray();
        Assert.Equal(sequences.Order().ToArray(), sequences);
    }

    [Fact]
    public void AFullRelayQueueIsRelayedAtOnceNotDropped()
    {
        var server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group, MaxPendingPerMember = 2 }, _sink, _time);
        var (alice, seq) = Join(server, Alice, "alice");
        Join(server, Bob, "bob");
        for (var i = 0; i < 5; i++)
        {
            server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq + (uint)i, Data = "m"u8 }), Alice);
        }

        Assert.Equal(4, _sink.Sent.Count); // the third and fifth message each found the queue full
        _time.Advance(TimeSpan.FromMilliseconds(100));
        server.Poll();
        var sequences = _sink.Take().Select(r => { Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(r.Datagram, out var m)); return m.Sequence; }).ToArray();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => _relayStart[Bob] + (uint)i).ToArray(), sequences);
    }

    [Fact]
    public void AWrongChallengeOrAStrangerIsDroppedWithoutReply()
    {
        var server = NewServer();
        var (alice, seq) = Join(server, Alice, "alice");
        Join(server, Bob, "bob");
        server.Receive(Encode(new Syn { Challenge = (ushort)(alice ^ 1), Sequence = seq, Data = "spoof"u8 }), Alice);
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq, Data = "spoof"u8 }), Carol);
        server.Receive(Encode(new Fin { Challenge = (ushort)(alice ^ 1), Sequence = seq }), Alice);
        _time.Advance(TimeSpan.FromSeconds(2));
        server.Poll();
        Assert.Empty(_sink.Sent);
        Assert.Equal(3, server.Dropped(DropReason.UnknownSender));
        Assert.Equal(2, server.MemberCount);
    }

    [Fact]
    public void AGapIsAnsweredWithOutOfOrderAndADuplicateIsDroppedSilently()
    {
        var server = NewServer();
        var (alice, seq) = Join(server, Alice, "alice");
        // A datagram after a hole is kept and only the hole asked for (PROTOCOL.md §7.5); one too far ahead gets Error OutOfOrder.
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq + 1, Data = "after one"u8 }), Alice);
        Assert.Equal(VcspDecodeStatus.Ok, ResendRequest.TryDecode(Assert.Single(_sink.Take()).Datagram, out var hole));
        Assert.Equal((seq, (byte)1), (hole.Sequence, hole.Count));
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq + 300, Data = "far ahead"u8 }), Alice);
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(Assert.Single(_sink.Take()).Datagram, out var error));
        Assert.Equal((ErrorCode.OutOfOrder, seq + 300, seq), (error.Code, error.Sequence, error.Expected));

        // The hole filled, both go on in order; a repeat is a duplicate, dropped silently.
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq, Data = "first"u8 }), Alice);
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq, Data = "first"u8 }), Alice);
        Assert.Empty(_sink.Sent);
        Assert.Equal(1, server.Dropped(DropReason.Duplicate));
        Assert.Equal(2, server.Dropped(DropReason.OutOfOrder));
        Assert.True(Ping(server, Encode(new Ping { Challenge = alice, Sequence = seq + 2 })), "the server has both now");
    }

    [Fact]
    public void AFragmentedMessageWithALostFragmentIsAskedForThenRelayedWhole()
    {
        var server = NewServer();
        var (alice, seq) = Join(server, Alice, "alice");
        Join(server, Bob, "bob");
        var chunk = Fragmentation.ChunkSize("alice".Length);
        var message = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("0123456789", 30)));
        var count = Fragmentation.CountFragments(message.Length, chunk);
        Assert.Equal(3, count);
        byte[] Fragment(int k) => Encode(new Syn
        {
            Challenge = alice,
            Sequence = seq + (uint)(k - 1),
            FragmentOffset = Fragmentation.OffsetOf(k, count),
            Data = Fragmentation.Chunk(message, k, chunk),
        });

        server.Receive(Fragment(1), Alice);
        server.Receive(Fragment(3), Alice); // fragment 2 was lost
        Assert.Equal(VcspDecodeStatus.Ok, ResendRequest.TryDecode(Assert.Single(_sink.Take()).Datagram, out var resend));
        Assert.Equal((seq + 1, (byte)1), (resend.Sequence, resend.Count)); // the final fragment is kept: only the hole is asked for

        _time.Advance(TimeSpan.FromMilliseconds(500));
        server.Poll();
        Assert.Equal(VcspDecodeStatus.Ok, ResendRequest.TryDecode(Assert.Single(_sink.Take()).Datagram, out _)); // asked again while quiet

        server.Receive(Fragment(2), Alice);
        server.Receive(Fragment(3), Alice);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        server.Poll();
        var relayed = _sink.Take();
        Assert.Equal(3, relayed.Count);
        var reassembly = new MessageReassembly(chunk);
        reassembly.Open(_relayStart[Bob]);
        for (var k = 1; k <= 3; k++)
        {
            Assert.Equal(Bob, relayed[k - 1].Destination);
            Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(relayed[k - 1].Datagram, out var msg));
            Assert.Equal(_relayStart[Bob] + (uint)(k - 1), msg.Sequence); // consecutive in bob's relay stream
            Assert.Equal(Fragmentation.OffsetOf(k, 3), msg.FragmentOffset);
            reassembly.Add(msg.Sequence, msg.FragmentOffset, msg.Data);
        }

        var copy = new byte[reassembly.Length];
        reassembly.CopyTo(copy);
        Assert.Equal(message, copy);
    }

    [Fact]
    public void AMessageNeverCompletedIsAbandonedAfterTenSecondsCountedAndTheSenderTold()
    {
        var server = NewServer();
        var (alice, seq) = Join(server, Alice, "alice");
        Join(server, Bob, "bob");
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq, FragmentOffset = 1, Data = "part one"u8 }), Alice);
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq + 1, FragmentOffset = 2, Data = "part two"u8 }), Alice);
        for (var elapsed = 0; elapsed < 9_900; elapsed += 100)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            server.Poll();
        }

        Assert.All(_sink.Take(), s => Assert.Equal(VcspDecodeStatus.Ok, ResendRequest.TryDecode(s.Datagram, out _))); // only asking
        Assert.Equal(0, server.AbandonedMessages);
        Assert.Equal(TimeSpan.FromMilliseconds(100), server.NextPollDelay());

        _time.Advance(TimeSpan.FromMilliseconds(100));
        server.Poll();
        Assert.Equal(1, server.AbandonedMessages);
        var (datagram, destination) = Assert.Single(_sink.Take());
        Assert.Equal(Alice, destination);
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(datagram, out var error));
        Assert.Equal((ErrorCode.ReassemblyTimeout, seq, seq + 2), (error.Code, error.Sequence, error.Expected));
        Assert.True(server.NextPollDelay() > TimeSpan.FromSeconds(49)); // only the members' timeouts

        // The member goes on from the new expected sequence; nothing of the abandoned message was relayed.
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq + 2, Data = "next"u8 }), Alice);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        server.Poll();
        Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(Assert.Single(_sink.Take()).Datagram, out var msg));
        Assert.Equal("next", Encoding.UTF8.GetString(msg.Data));
    }

    [Fact]
    public void ASynLongerThanTheRelayChunkIsRefusedWithMessageTooLong()
    {
        var server = NewServer();
        var (alice, seq) = Join(server, Alice, "alice");
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq, Data = new byte[Fragmentation.ChunkSize(5) + 1] }), Alice);
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(Assert.Single(_sink.Take()).Datagram, out var error));
        Assert.Equal(ErrorCode.MessageTooLong, error.Code);
        Assert.Equal(1, server.Dropped(DropReason.TooLong));
    }

    [Fact]
    public void FinIsAnsweredTheMemberRemovedItsChallengeFreedAndItsWaitingMessagesStillRelayed()
    {
        var server = NewServer();
        var (alice, seq) = Join(server, Alice, "alice");
        Join(server, Bob, "bob");
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq, Data = "bye all"u8 }), Alice);
        server.Receive(Encode(new Fin { Challenge = alice, Sequence = seq }), Alice);
        var sent = _sink.Take();
        Assert.True(sent.Count == 2 && sent[0].Destination == Bob, string.Join(" ", sent.Select(x => Convert.ToHexString(x.Datagram) + "@" + x.Destination)));
        Assert.Equal(Bob, sent[0].Destination);
        Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(sent[0].Datagram, out _));
        Assert.Equal(Alice, sent[1].Destination);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(sent[1].Datagram, out var response));
        Assert.Equal((ResponseTo.Fin, alice, seq), (response.InReplyTo, response.Challenge, response.Sequence));
        Assert.Equal(1, server.MemberCount);

        // Gone: its old challenge no longer works.
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = seq + 1, Data = "ghost"u8 }), Alice);
        Assert.Empty(_sink.Sent);
        Assert.Equal(1, server.Dropped(DropReason.UnknownSender));
    }

    [Fact]
    public void ARepeatedFinIsAnsweredWithTheSameResponseForTenSeconds()
    {
        var server = NewServer();
        var (alice, seq) = Join(server, Alice, "alice");
        server.Receive(Encode(new Fin { Challenge = alice, Sequence = seq - 1 }), Alice);
        var first = Assert.Single(_sink.Take()).Datagram;
        Assert.Equal(0, server.MemberCount);

        // The Response was lost: the identical Fin, within the linger time, gets the same bytes again (PROTOCOL.md §8.8 step 5).
        _time.Advance(TimeSpan.FromSeconds(9));
        server.Receive(Encode(new Fin { Challenge = alice, Sequence = seq - 1 }), Alice);
        var (again, to) = Assert.Single(_sink.Take());
        Assert.Equal(first, again);
        Assert.Equal(Alice, to);

        // Not another Fin (another sequence or challenge, or from elsewhere), and not after the ten seconds.
        server.Receive(Encode(new Fin { Challenge = alice, Sequence = seq }), Alice);
        server.Receive(Encode(new Fin { Challenge = (ushort)(alice ^ 1), Sequence = seq - 1 }), Alice);
        server.Receive(Encode(new Fin { Challenge = alice, Sequence = seq - 1 }), Bob);
        Assert.Empty(_sink.Take());
        _time.Advance(TimeSpan.FromSeconds(1));
        server.Poll();
        server.Receive(Encode(new Fin { Challenge = alice, Sequence = seq - 1 }), Alice);
        Assert.Empty(_sink.Take());
        Assert.Null(server.NextPollDelay());
    }

    [Fact]
    public void PingIsEchoedAsPong()
    {
        var server = NewServer();
        var (alice, _) = Join(server, Alice, "alice");
        server.Receive(Encode(new Ping { Challenge = alice, Sequence = 77, Timestamp = 123456789 }), Alice);
        Assert.Equal(VcspDecodeStatus.Ok, Pong.TryDecode(Assert.Single(_sink.Take()).Datagram, out var pong));
        Assert.Equal((alice, 77u, 123456789ul), (pong.Challenge, pong.Sequence, pong.Timestamp));
    }

    [Fact]
    public void MalformedAndUnexpectedDatagramsAreCountedNeverThrown()
    {
        var server = NewServer();
        Join(server, Alice, "alice");
        var random = new Random(3);
        var datagram = new byte[200];
        for (var i = 0; i < 10_000; i++)
        {
            var length = random.Next(datagram.Length);
            random.NextBytes(datagram.AsSpan(0, length));
            server.Receive(datagram.AsSpan(0, length), Bob);
        }

        server.Receive(Encode(new Msg { Challenge = VcspChallenge.None, Sender = "x"u8, Data = "y"u8 }), Alice);
        Assert.Equal(1, server.Dropped(DropReason.UnexpectedKind));
        Assert.True(server.Dropped(DropReason.Malformed) > 9_000);
        Assert.Equal(1, server.MemberCount);
    }

    [Fact]
    public void RelayingInSteadyStateAllocatesNothing()
    {
        var server = NewServer();
        var members = Enumerable.Range(0, 8).Select(i => VcspAddress.IPv4([127, 0, 0, 1], (ushort)(41000 + i))).ToArray();
        var challenges = new ushort[members.Length];
        var sequences = new uint[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            (challenges[i], sequences[i]) = Join(server, members[i], "member" + i);
        }

        // Pre-encoded datagrams, so the loop below measures the server alone.
        const int Rounds = 200;
        var datagrams = new byte[Rounds * members.Length][];
        var acks = new byte[Rounds * members.Length][];
        for (var r = 0; r < Rounds; r++)
        {
            for (var i = 0; i < members.Length; i++)
            {
                datagrams[(r * members.Length) + i] = Encode(new Syn { Challenge = challenges[i], Sequence = sequences[i]++, Data = "steady state"u8 });

                // Each member acknowledges what it got in the round: the seven others' messages (PROTOCOL.md §7.6).
                var relayNext = _relayStart[members[i]] + (uint)((r + 1) * (members.Length - 1));
                acks[(r * members.Length) + i] = Encode(new Ack { Challenge = challenges[i], Sequence = sequences[i], RelayNext = relayNext, Window = 256 });
            }
        }

        var counting = new CountingSink();
        _sink.Forward = counting;

        // A host listening to every relayed message: the event passes the message by reference, allocating nothing.
        var reported = 0L;
        server.MessageRelayed += (in RelayedMessage m) => reported += m.Length;
        void RunRound(int r)
        {
            for (var i = 0; i < members.Length; i++)
            {
                server.Receive(datagrams[(r * members.Length) + i], members[i]);
            }

            _time.Advance(TimeSpan.FromMilliseconds(100));
            server.Poll();
            for (var i = 0; i < members.Length; i++)
            {
                server.Receive(acks[(r * members.Length) + i], members[i]);
            }
        }

        for (var r = 0; r < 20; r++)
        {
            RunRound(r); // warm-up: JIT, pools, dictionary
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 20; r < Rounds; r++)
        {
            RunRound(r);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(Rounds * members.Length * (members.Length - 1), counting.Msgs);
        Assert.Equal(0, allocated);
        Assert.Equal(Rounds * members.Length * "steady state".Length, reported);
        Assert.Equal(0, server.RelayLogCount); // everything acknowledged, everything released
    }
}
