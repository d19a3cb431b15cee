using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// A lost membership (PROTOCOL.md §7.7), without a server: the session keeps the messages the server had not
/// acknowledged and sends them again after its next join, renumbered; a <see cref="ChatClient"/> with
/// <see cref="ChatClient.Rejoin"/> joins again by itself on the backoff schedule and says so each time.
/// </summary>
public sealed class RejoinTests
{
    private const ushort Challenge = 0x1234;
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50431);

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingSink _sink = new();
    private readonly RecordingEvents _events = new();
    private readonly ChatClient _client;

    public RejoinTests() =>
        _client = new ChatClient(new ClientOptions { Server = Group, Name = "alice" }, _sink, _time, _events, new NoDirectMessages()) { Rejoin = true };

    [Fact]
    public void AfterNotMemberTheClientRejoinsOnTheBackoffScheduleAndSaysSoEachTime()
    {
        var s0 = JoinAs(Challenge);
        Deliver(new Error { Challenge = Challenge, Sequence = s0 + 1, Code = ErrorCode.NotMember, Expected = 0, Text = default });
        Assert.Equal(["closed: the server no longer knows this member", "rejoining 1 in 1 s"], _events.Log);
        Assert.True(_client.Rejoining);

        // Nobody answers the joins: each try fails after its 5 JoinRequests (7.75 s) and the next waits 2, 4, 8, 16, 30, 30 s.
        var waits = new List<double>();
        for (var attempt = 1; attempt <= 7; attempt++)
        {
            var wait = _events.Log[^1].Split(' ')[3];
            waits.Add(double.Parse(wait, System.Globalization.CultureInfo.InvariantCulture));
            Advance(TimeSpan.FromSeconds(waits[^1]) - TimeSpan.FromMilliseconds(1));
            Assert.Empty(Sent(JoinRequest.Flag));
            Advance(TimeSpan.FromMilliseconds(1));
            Assert.Single(Sent(JoinRequest.Flag));
            foreach (var retry in new[] { 250, 500, 1000, 2000, 4000 })
            {
                Advance(TimeSpan.FromMilliseconds(retry));
            }

            _sink.Take(); // the try's retransmissions
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], waits);
        Assert.Single(_events.Ends); // the failed tries are not reported as closes

        // The next try is answered: a member again, and no more tries.
        Advance(TimeSpan.FromSeconds(30));
        Admit(0x4321);
        Assert.Equal("joined lobby", _events.Log[^1]);
        Assert.False(_client.Rejoining);
        Assert.Equal(ClientState.Member, _client.Group.State);
    }

    [Fact]
    public void AKeepaliveNobodyAnswersEndsInARejoinAndARejectEndsTheRejoining()
    {
        JoinAs(Challenge);
        Run(TimeSpan.FromSeconds(38)); // two keepalives; the second asks for an answer, which never comes
        Assert.Equal(CloseReason.NoAnswer, _events.Ends.Single().Reason);
        Assert.Equal("rejoining 1 in 1 s", _events.Log[^1]);

        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(VcspDecodeStatus.Ok, JoinRequest.TryDecode(Sent(JoinRequest.Flag).Single(), out var join));
        Deliver(new Reject { Challenge = VcspChallenge.None, Sequence = join.Sequence, Reason = RejectReason.NameInUse, Text = default });
        Assert.Equal("closed: rejected: NameInUse", _events.Log[^1]);
        Assert.False(_client.Rejoining);
        Run(TimeSpan.FromMinutes(5));
        Assert.Empty(Sent(JoinRequest.Flag));
    }

    [Fact]
    public void AClientWithTheGroupsOtherNodesRejoinsAtTheNextAndTakesAFewNameInUseAsItsOldSessionStillListed()
    {
        // PROTOCOL.md §15.4: each try goes to the next address in turn; NameInUse is a failed try, 3 times in a row.
        var other = VcspAddress.IPv4([127, 0, 0, 1], 50432);
        var sink = new RecordingSink();
        var events = new RecordingEvents();
        var client = new ChatClient(new ClientOptions { Server = Group, Alternates = [other], Name = "alice" }, sink, _time, events, new NoDirectMessages()) { Rejoin = true };
        void Step(TimeSpan by)
        {
            _time.Advance(by);
            client.Poll();
        }

        (uint Sequence, VcspAddress Named, VcspAddress To) NextJoin()
        {
            var sent = sink.Take().Last(r => r.Datagram[1] == JoinRequest.Flag);
            Assert.Equal(VcspDecodeStatus.Ok, JoinRequest.TryDecode(sent.Datagram, out var join));
            return (join.Sequence, join.Server, sent.Destination);
        }

        void Refuse(uint sequence, VcspAddress from) =>
            client.Receive(Encode(new Reject { Challenge = VcspChallenge.None, Sequence = sequence, Reason = RejectReason.NameInUse, Text = default }), from);

        client.Join();
        var (first, _, to) = NextJoin();
        Assert.Equal(Group, to);
        client.Receive(Encode(new Response { Challenge = Challenge, Sequence = first, InReplyTo = ResponseTo.JoinRequest, Server = Group, GroupName = "lobby"u8 }), Group);
        client.Receive(Encode(new Ack { Challenge = Challenge, Sequence = first + 1, RelayNext = 0, Window = 128 }), Group);
        client.Receive(Encode(new Error { Challenge = Challenge, Sequence = first + 1, Code = ErrorCode.NotMember, Expected = 0, Text = default }), Group);
        Assert.True(client.Rejoining);

        // Tries 1, 2 and 3 go to the other node, this one, the other: each refused NameInUse, and the rejoining goes on.
        var delays = new[] { 1, 2, 4 };
        for (var i = 0; i < 3; i++)
        {
            Step(TimeSpan.FromSeconds(delays[i]));
            var (join, named, at) = NextJoin();
            Assert.Equal(i % 2 == 0 ? other : Group, at);
            Assert.Equal(at, named);
            Refuse(join, at);
            Assert.True(client.Rejoining, $"try {i + 1}");
        }

        // The fourth NameInUse in a row is taken for what it says: the name is someone else's now.
        Step(TimeSpan.FromSeconds(8));
        var (fourth, _, fourthAt) = NextJoin();
        Assert.Equal(Group, fourthAt);
        Refuse(fourth, fourthAt);
        Assert.False(client.Rejoining);
        Assert.Equal("closed: rejected: NameInUse", events.Log[^1]);
    }

    [Fact]
    public void AClientThatNeverJoinedOrThatQuitDoesNotRejoin()
    {
        _client.Join();
        Run(TimeSpan.FromSeconds(8)); // the join goes unanswered
        Assert.Equal("closed: the server did not answer", _events.Log[^1]);
        Assert.False(_client.Rejoining);
        _events.Log.Clear();

        var s0 = JoinAs(Challenge);
        Deliver(new Error { Challenge = Challenge, Sequence = s0 + 1, Code = ErrorCode.NotMember, Expected = 0, Text = default });
        Assert.True(_client.Rejoining);
        _client.Quit();
        Assert.False(_client.Rejoining);
        Run(TimeSpan.FromMinutes(5));
        Assert.Empty(Sent(JoinRequest.Flag));
    }

    [Fact]
    public void TheMessagesTheServerHadNotAcknowledgedAreSentAgainWholeAndRenumberedAfterTheRejoin()
    {
        var s0 = JoinAs(Challenge, window: 3);
        Assert.True(_client.Group.TrySend("acknowledged"u8));
        var long1 = new string('y', 200); // two fragments
        Assert.True(_client.Group.TrySend(Encoding.UTF8.GetBytes(long1)));
        Assert.True(_client.Group.TrySend("queued"u8)); // past the window
        Assert.Equal(1, _client.Group.SendQueueLength);
        Deliver(new Ack { Challenge = Challenge, Sequence = s0 + 3, RelayNext = 0, Window = 0 }); // the first Syn, and the long one's first fragment
        Deliver(new Error { Challenge = Challenge, Sequence = s0 + 4, Code = ErrorCode.NotMember, Expected = 0, Text = default });
        _sink.Take();

        Advance(TimeSpan.FromSeconds(1));
        var s1 = Admit(0x4321);
        var resent = Sent(Syn.Flag).Select(d =>
        {
            Assert.Equal(VcspDecodeStatus.Ok, Syn.TryDecode(d, out var syn));
            return (syn.Challenge, syn.Sequence, syn.FragmentOffset, Data: Encoding.UTF8.GetString(syn.Data));
        }).ToList();

        // The long message whole again (its acknowledged first fragment included), then the queued one, from s1 + 1.
        Assert.Equal([s1 + 1, s1 + 2, s1 + 3], resent.Select(r => r.Sequence));
        Assert.All(resent, r => Assert.Equal((ushort)0x4321, r.Challenge));
        Assert.Equal([(byte)1, VcspWire.FinalFragment, (byte)0], resent.Select(r => r.FragmentOffset));
        Assert.Equal(long1, resent[0].Data + resent[1].Data);
        Assert.Equal("queued", resent[2].Data);
        Assert.Equal(0, _client.Group.SendQueueLength);
    }

    [Fact]
    public void AfterALeaveNothingIsCarriedOver()
    {
        JoinAs(Challenge, window: 0);
        Assert.True(_client.Group.TrySend("never sent"u8));
        _client.Group.Leave();
        Assert.Equal(VcspDecodeStatus.Ok, Fin.TryDecode(Sent(Fin.Flag).Single(), out var fin));
        Deliver(new Response { Challenge = Challenge, Sequence = fin.Sequence, InReplyTo = ResponseTo.Fin, Server = Group, GroupName = "lobby"u8 });
        Assert.Equal(ClientState.Closed, _client.Group.State);
        Assert.False(_client.Rejoining);
        _client.Join();
        Admit(0x4321);
        Assert.Empty(Sent(Syn.Flag));
        Assert.Equal(0, _client.Group.SendQueueLength);
    }

    private uint JoinAs(ushort challenge, ushort window = 128)
    {
        _client.Join();
        var s0 = Admit(challenge, window);
        Assert.Equal(["joined lobby"], _events.Log);
        _events.Log.Clear();
        return s0;
    }

    // Answers the JoinRequest sent and the confirmation; returns the join's s0.
    private uint Admit(ushort challenge, ushort window = 128)
    {
        Assert.Equal(VcspDecodeStatus.Ok, JoinRequest.TryDecode(Sent(JoinRequest.Flag).Last(), out var join));
        Deliver(new Response { Challenge = challenge, Sequence = join.Sequence, InReplyTo = ResponseTo.JoinRequest, Server = Group, GroupName = "lobby"u8 });
        Deliver(new Ack { Challenge = challenge, Sequence = join.Sequence + 1, RelayNext = 0, Window = window });
        Assert.Equal(ClientState.Member, _client.Group.State);
        return join.Sequence;
    }

    private void Deliver<T>(in T packet)
        where T : IVcspPacket<T>, allows ref struct => _client.Receive(Encode(packet), Group);

    private void Advance(TimeSpan by)
    {
        _time.Advance(by);
        _client.Poll();
    }

    // Polls as a host would, every 50 ms.
    private void Run(TimeSpan total)
    {
        for (var t = TimeSpan.Zero; t < total; t += TimeSpan.FromMilliseconds(50))
        {
            Advance(TimeSpan.FromMilliseconds(50));
        }
    }

    private List<byte[]> Sent(byte flag) => [.. _sink.Take().Select(s => s.Datagram).Where(d => d[1] == flag)];

    private sealed class NoDirectMessages : IDirectMessageEvents
    {
        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
        {
        }
    }
}
