using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// The server's side of delivery under load, faults and abuse (PROTOCOL.md §7.5-§7.7, §8.1 step 6), driven with
/// datagrams and a manual clock: confirmation of joins, the member timeout, the relay log's flow control, lagging
/// members skipped and reported, and the upstream's repairs.
/// </summary>
public sealed class GroupDeliveryTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingSink _sink = new();
    private readonly Dictionary<VcspAddress, uint> _relayStart = [];

    private static VcspAddress At(int port) => VcspAddress.IPv4([127, 0, 0, 1], (ushort)port);

    private GroupServer NewServer(int maxMembers = 256, int logSize = 4096) =>
        new(new GroupOptions { Name = "lobby", Address = Group, MaxMembers = maxMembers, RelayLogSize = logSize, RelayQuiet = TimeSpan.Zero }, _sink, _time);

    private ushort Answer(GroupServer server, VcspAddress who, string name, uint s0 = 1000)
    {
        server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = s0, Server = Group, Name = Encoding.UTF8.GetBytes(name) }), who);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(Assert.Single(_sink.Take()).Datagram, out var response));
        return response.Challenge;
    }

    private ushort Join(GroupServer server, VcspAddress who, string name, uint s0 = 1000)
    {
        var challenge = Answer(server, who, name, s0);
        server.Receive(Encode(new Ack { Challenge = challenge, Sequence = s0 + 1, Flags = AckFlags.ReplyRequested }), who);
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(Assert.Single(_sink.Take()).Datagram, out var ack));
        _relayStart[who] = ack.RelayNext;
        return challenge;
    }

    [Fact]
    public void SpoofedJoinsGetBoundedAnswersButNeverGroupTrafficAndDoNotCountAgainstTheCap()
    {
        var server = NewServer(maxMembers: 2);
        var alice = Join(server, At(40001), "alice");

        // 3,000 JoinRequests from 3,000 spoofed source addresses at once: the group answers a burst of 1,000 (twice its
        // rate of 500 per second) and drops the rest, counted; none becomes a member (the spoofer never sees a challenge).
        for (var i = 0; i < 3000; i++)
        {
            var source = VcspAddress.IPv4([127, 1, (byte)(i / 250), (byte)(1 + (i % 250))], 9);
            server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 7, Server = Group, Name = Encoding.UTF8.GetBytes("ghost" + i) }), source);
        }

        var answers = _sink.Take();
        Assert.InRange(answers.Count, 998, 1000);
        Assert.All(answers, a => Assert.Equal(Response.Flag, a.Datagram[1]));
        Assert.Equal(3000 - answers.Count, server.Dropped(DropReason.RateLimited));
        Assert.Equal(1, server.MemberCount);

        // A second later a real client gets in (the cap counts confirmed members only), and alice's messages go to it alone.
        _time.Advance(TimeSpan.FromSeconds(1));
        Join(server, At(40002), "bob");
        Assert.Equal(2, server.MemberCount);
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1001, Data = "hi"u8 }), At(40001));
        var sent = _sink.Take();
        Assert.Equal(new[] { At(40002) }, sent.Where(r => r.Datagram[1] == Msg.Flag).Select(r => r.Destination).ToArray());

        // Unconfirmed joins expire after 10 s; their names were never held.
        _time.Advance(TimeSpan.FromSeconds(10));
        server.Poll();
        server.Receive(Encode(new Ack { Challenge = 1, Sequence = 8, Flags = AckFlags.ReplyRequested }), VcspAddress.IPv4([127, 1, 0, 1], 9));
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(Assert.Single(_sink.Take()).Datagram, out var notMember));
        Assert.Equal(ErrorCode.NotMember, notMember.Code);
    }

    [Fact]
    public void OneSourceIsAnsweredAtMostFortyTimesInABurstThenTwentyTimesASecond()
    {
        var server = NewServer();
        var request = EncodeUnpadded(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 7, Server = VcspAddress.IPv4([192, 0, 2, 1], 1), Name = "x"u8 });
        for (var i = 0; i < 1000; i++)
        {
            server.Receive(request, At(20000 + i)); // one address, any port
        }

        Assert.Equal(40, _sink.Take().Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 100; i++)
        {
            server.Receive(request, At(20000));
        }

        Assert.Equal(20, _sink.Take().Count);
    }

    [Fact]
    public void NoAnswerToAJoinRequestIsLargerThanIt()
    {
        var server = new GroupServer(new GroupOptions { Name = "a-group-name-of-thirty-two-bytes", Address = Group }, _sink, _time);

        // An unpadded request (21 bytes) would get a 51-byte Response: it gets a Reject NotPadded cut to its size instead.
        var unpadded = EncodeUnpadded(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 7, Server = Group, Name = "x"u8 });
        server.Receive(unpadded, At(40001));
        var (reject, _) = Assert.Single(_sink.Take());
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(reject, out var refusal));
        Assert.Equal(RejectReason.NotPadded, refusal.Reason);
        Assert.True(reject.Length <= unpadded.Length, $"{reject.Length} > {unpadded.Length}");
        Assert.Equal(0, server.MemberCount);

        // Another version's 10-byte header: a Reject would be 11 bytes at least, so nothing is sent (counted).
        server.Receive([2, JoinRequest.Flag, 0, 0xFF, 0, 0, 0, 7, 0, 0], At(40002));
        Assert.Empty(_sink.Take());
        Assert.Equal(2, server.Dropped(DropReason.JoinRefused));

        // Padded to 64 bytes, the same request is admitted, with a Response no longer than it.
        var padded = Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 7, Server = Group, Name = "x"u8 });
        server.Receive(padded, At(40001));
        var (response, _) = Assert.Single(_sink.Take());
        Assert.Equal(Response.Flag, response[1]);
        Assert.True(response.Length <= padded.Length);
    }

    [Fact]
    public void TheFirstToConfirmANameKeepsIt()
    {
        var server = NewServer();
        var first = Answer(server, At(40001), "alice", 10);
        var second = Answer(server, At(40002), "alice", 20);
        server.Receive(Encode(new Ack { Challenge = second, Sequence = 21, Flags = AckFlags.ReplyRequested }), At(40002));
        Assert.Equal(Ack.Flag, Assert.Single(_sink.Take()).Datagram[1]);
        server.Receive(Encode(new Ack { Challenge = first, Sequence = 11, Flags = AckFlags.ReplyRequested }), At(40001));
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(Assert.Single(_sink.Take()).Datagram, out var reject));
        Assert.Equal((RejectReason.NameInUse, 10u), (reject.Reason, reject.Sequence));
        Assert.Equal(1, server.MemberCount);
    }

    [Fact]
    public void AMemberThatFallsSilentIsRemovedAfterTheTimeoutAndItsNameIsFree()
    {
        var server = NewServer();
        var dead = Join(server, At(40001), "carol");
        var live = Join(server, At(40002), "bob");
        for (var s = 0; s < 59; s++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            server.Receive(Encode(new Ack { Challenge = live, Sequence = 1001, RelayNext = _relayStart[At(40002)] }), At(40002)); // bob keeps alive
            server.Poll();
        }

        Assert.Equal(2, server.MemberCount);
        _time.Advance(TimeSpan.FromSeconds(1));
        server.Poll();
        Assert.Equal(1, server.MemberCount);
        Assert.Equal(1, server.TimedOutMembers);
        Assert.Equal(1, server.Dropped(DropReason.TimedOut));

        // Its challenge no longer works; its name can be taken again at once.
        server.Receive(Encode(new Ack { Challenge = dead, Sequence = 1001, Flags = AckFlags.ReplyRequested }), At(40001));
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(Assert.Single(_sink.Take()).Datagram, out var error));
        Assert.Equal(ErrorCode.NotMember, error.Code);
        Join(server, At(40003), "carol");
        Assert.Equal(2, server.MemberCount);
    }

    [Fact]
    public void NotMemberAnswersAreNoLargerThanTheAckAndAtMostTenPerSecond()
    {
        var server = NewServer();
        var ack = Encode(new Ack { Challenge = 0x1234, Sequence = 5, Flags = AckFlags.ReplyRequested });
        for (var i = 0; i < 100; i++)
        {
            server.Receive(ack, At(30000 + i));
        }

        var answers = _sink.Take();
        Assert.Equal(10, answers.Count);
        Assert.All(answers, a => Assert.True(a.Datagram.Length <= ack.Length));
        _time.Advance(TimeSpan.FromSeconds(1));
        server.Receive(ack, At(30000));
        Assert.Single(_sink.Take());
    }

    [Fact]
    public void AFullLogClosesTheSendersWindowAndAnAcknowledgementReopensIt()
    {
        var server = NewServer(logSize: 8);
        var alice = Join(server, At(40001), "alice");
        var bob = Join(server, At(40002), "bob");
        for (var i = 0; i < 8; i++)
        {
            server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1001 + (uint)i, Data = "x"u8 }), At(40001));
        }

        Assert.Equal(8, _sink.Take().Count(r => r.Datagram[1] == Msg.Flag));
        Assert.Equal(8, server.RelayLogCount);

        // The ninth waits (the log is full: nothing is dropped), and the window alice is offered is 0.
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1009, Data = "y"u8 }), At(40001));
        Assert.DoesNotContain(_sink.Take(), r => r.Datagram[1] == Msg.Flag);
        server.Receive(Encode(new Ack { Challenge = alice, Sequence = 1010, Flags = AckFlags.ReplyRequested }), At(40001));
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(Assert.Single(_sink.Take()).Datagram, out var closed));
        Assert.Equal((1010u, (ushort)0), (closed.Sequence, closed.Window));

        // Bob acknowledges: the log is released, the ninth goes out, and alice is offered her window again.
        server.Receive(Encode(new Ack { Challenge = bob, Sequence = 1001, RelayNext = _relayStart[At(40002)] + 8 }), At(40002));
        var after = _sink.Take();
        Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(after.Single(r => r.Datagram[1] == Msg.Flag).Datagram, out var ninth));
        Assert.Equal(("y", _relayStart[At(40002)] + 8), (Encoding.UTF8.GetString(ninth.Data), ninth.Sequence));
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(after.Single(r => r.Datagram[1] == Ack.Flag).Datagram, out var open));
        Assert.Equal(At(40001), after.Single(r => r.Datagram[1] == Ack.Flag).Destination);
        Assert.True(open.Window >= 64);
    }

    [Fact]
    public void AMemberAloneNeverFillsTheLogWithDatagramsNobodyReceived()
    {
        // Its datagrams go to nobody, so no acknowledgement releases them: the relay releases them itself when it needs
        // room (a node of a cluster with one member of its own is in this state, PROTOCOL.md §15.2).
        var server = NewServer(logSize: 8);
        var alice = Join(server, At(40001), "alice");
        for (var i = 0; i < 40; i++)
        {
            server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1001 + (uint)i, Data = "x"u8 }), At(40001));
        }

        server.Receive(Encode(new Ack { Challenge = alice, Sequence = 1041, Flags = AckFlags.ReplyRequested }), At(40001));
        var acks = _sink.Take().Where(r => r.Datagram[1] == Ack.Flag).ToList();
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(acks[^1].Datagram, out var last));
        Assert.Equal(1041u, last.Sequence); // all 40 accepted
        Assert.True(last.Window > 0, "the window closed: the log filled with datagrams nobody holds");
        Assert.True(server.RelayLogCount <= 8);

        // A second member joins and hears what alice sends next.
        var bob = Join(server, At(40002), "bob");
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1041, Data = "hi"u8 }), At(40001));
        Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(_sink.Take().Single(r => r.Datagram[1] == Msg.Flag && r.Destination == At(40002)).Datagram, out var heard));
        Assert.Equal("hi", Encoding.UTF8.GetString(heard.Data));
        Assert.NotEqual(0, bob);
    }

    [Fact]
    public void AMemberThatHoldsAFullLogBackIsSkippedAndBothSidesAreTold()
    {
        var server = NewServer(logSize: 8);
        var alice = Join(server, At(40001), "alice");
        var carol = Join(server, At(40003), "carol"); // carol receives nothing more: her link died
        for (var i = 0; i < 9; i++)
        {
            server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1001 + (uint)i, Data = "x"u8 }), At(40001));
        }

        _sink.Take();
        _time.Advance(TimeSpan.FromSeconds(2));
        server.Poll();

        // Carol was skipped a quarter of the log (2 datagrams): alice hears which of hers did not reach carol; the ninth goes out.
        var sent = _sink.Take();
        var undelivered = sent.Where(r => r.Destination == At(40001) && r.Datagram[1] == Error.Flag).ToArray();
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(Assert.Single(undelivered).Datagram, out var report));
        Assert.Equal((ErrorCode.Undelivered, 1001u, 1003u, "carol"), (report.Code, report.Sequence, report.Expected, Encoding.UTF8.GetString(report.Text)));
        Assert.Single(sent, r => r.Destination == At(40003) && r.Datagram[1] == Msg.Flag);
        Assert.Equal(2, server.SkippedDatagrams);

        // Carol comes back and asks for the start of her stream: it is reported skipped, and where to go on from.
        server.Receive(Encode(new ResendRequest { Challenge = carol, Sequence = _relayStart[At(40003)], Count = 3 }), At(40003));
        var answer = _sink.Take();
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(answer[0].Datagram, out var skipped));
        Assert.Equal((ErrorCode.Skipped, _relayStart[At(40003)], _relayStart[At(40003)] + 2), (skipped.Code, skipped.Sequence, skipped.Expected));
        Assert.Equal(Msg.Flag, answer[1].Datagram[1]); // the third is still held, and is sent
    }

    [Fact]
    public void AnAckShowingALostTailGetsItSentAgain()
    {
        var server = NewServer();
        var alice = Join(server, At(40001), "alice");
        var bob = Join(server, At(40002), "bob");
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1001, Data = "last words"u8 }), At(40001));
        var relayed = Assert.Single(_sink.Take(), r => r.Datagram[1] == Msg.Flag).Datagram;

        // Bob's keepalive says he has nothing: within a second the Msg may still be on its way; after it, it is sent again.
        var keepalive = Encode(new Ack { Challenge = bob, Sequence = 1001, RelayNext = _relayStart[At(40002)] });
        server.Receive(keepalive, At(40002));
        Assert.Empty(_sink.Take());
        _time.Advance(TimeSpan.FromSeconds(1));
        server.Receive(keepalive, At(40002));
        Assert.Equal(Convert.ToHexString(relayed), Convert.ToHexString(Assert.Single(_sink.Take()).Datagram));
    }

    [Fact]
    public void TheServersResendRequestFollowsTheRequestScheduleByteForByte()
    {
        // Conformance point 4 (PROTOCOL.md §7.5, §11.1): 250 ms doubling, 5 tries, the same Sequence and Count each time.
        var server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group }, _sink, _time);
        var alice = Join(server, At(40001), "alice");
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1001, FragmentOffset = 1, Data = "one"u8 }), At(40001));
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1004, FragmentOffset = 4, Data = "four"u8 }), At(40001));
        var first = Assert.Single(_sink.Take()).Datagram;
        Assert.Equal(VcspDecodeStatus.Ok, ResendRequest.TryDecode(first, out var request));
        Assert.Equal((1002u, (byte)2), (request.Sequence, request.Count));

        var times = new List<int>();
        for (var ms = 10; ms <= 10_000; ms += 10)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            server.Poll();
            foreach (var (datagram, _) in _sink.Take())
            {
                if (datagram[1] == ResendRequest.Flag && times.Count < 4)
                {
                    Assert.Equal(Convert.ToHexString(first), Convert.ToHexString(datagram));
                    times.Add(ms);
                }
            }
        }

        Assert.Equal(new[] { 250, 750, 1750, 3750 }, times);
    }

    [Fact]
    public void AnAbandonedMessagesExpectedIsPastEverythingSeenOfIt()
    {
        // Conformance point 5 (PROTOCOL.md §8.4 rule 5 and the example of §10.3): seq a, a+1 lost, a+2 final (early):
        // abandoned, Error ReassemblyTimeout with Sequence a and Expected a+3.
        var server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group }, _sink, _time);
        var alice = Join(server, At(40001), "alice");
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1001, FragmentOffset = 1, Data = "one"u8 }), At(40001));
        server.Receive(Encode(new Syn { Challenge = alice, Sequence = 1003, FragmentOffset = VcspWire.FinalFragment, Data = "end"u8 }), At(40001));
        _time.Advance(TimeSpan.FromSeconds(10));
        server.Poll();
        var error = _sink.Take().Select(r => Error.TryDecode(r.Datagram, out var e) == VcspDecodeStatus.Ok ? e.Code == ErrorCode.ReassemblyTimeout ? (e.Sequence, e.Expected) : default : default)
            .Single(e => e != default);
        Assert.Equal((1001u, 1004u), error);
    }
}
