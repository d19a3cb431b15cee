using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// One client session alone, driven by hand-encoded server datagrams and a manual clock (PROTOCOL.md §7.5-§7.7,
/// §8.1 step 6, §8.20): the join's confirmation, the relay stream, Acks and the keepalive, the window, and the Errors
/// Skipped, Undelivered and NotMember.
/// </summary>
public sealed class ClientSessionTests
{
    private const ushort Challenge = 0x1234;
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingSink _sink = new();
    private readonly RecordingEvents _events = new();
    private readonly ClientSession _session;
    private uint _s0;

    public ClientSessionTests() =>
        _session = new ClientSession(new ClientOptions { Server = Group, Name = "alice" }, _sink, _time, _events);

    [Fact]
    public void TheJoinIsConfirmedWithAnAckAndOnlyTheServersAckMakesAMember()
    {
        Admit();
        var confirmation = Single<Ack>(Ack.Flag);
        Assert.Equal((Challenge, unchecked(_s0 + 1), (ushort)256, AckFlags.ReplyRequested), (confirmation.Challenge, confirmation.Sequence, confirmation.Window, confirmation.Flags));
        Assert.Equal(ClientState.Joining, _session.State);
        Assert.DoesNotContain("joined lobby", _events.Log);
        Assert.False(_session.TrySend("too early"u8));

        // A Msg before the stream's start is known is dropped (its hole shows later, and it is asked for then).
        Deliver(MsgAt(500, "early"));
        Deliver(new Ack { Challenge = Challenge, Sequence = unchecked(_s0 + 1), RelayNext = 500, Window = 128 });
        Assert.Equal(ClientState.Member, _session.State);
        Assert.Equal(["joined lobby"], _events.Log);
        Assert.Empty(_events.Messages);
        Deliver(MsgAt(500, "first"));
        Assert.Equal([("bob", "first")], _events.Messages);
    }

    [Fact]
    public void TheConfirmationIsRetransmittedUnchangedOnTheRequestScheduleAndFailsAfterFiveTries()
    {
        Admit();
        var first = Sent(Ack.Flag).Single();
        foreach (var wait in new[] { 250, 500, 1000, 2000 })
        {
            Advance(wait - 1);
            Assert.Empty(Sent(Ack.Flag));
            Advance(1);
            Assert.Equal(first, Sent(Ack.Flag).Single());
        }

        Advance(3999);
        Assert.Equal(ClientState.Joining, _session.State);
        Advance(1);
        Assert.Equal(ClientState.Closed, _session.State);
        Assert.Equal(["closed: the server did not answer"], _events.Log);
    }

    [Fact]
    public void ARejectInsteadOfTheServersAckClosesTheSessionAsRejected()
    {
        Admit();
        _sink.Take();
        Deliver(new Reject { Challenge = VcspChallenge.None, Sequence = _s0, Reason = RejectReason.NameInUse, Text = default });
        Assert.Equal(ClientState.Closed, _session.State);
        Assert.Equal([SessionEnd.Rejected(RejectReason.NameInUse)], _events.Ends);
        Advance(10_000);
        Assert.Empty(_sink.Take()); // no more confirmations
    }

    [Fact]
    public void AJoinNobodyAnswersFailsAfterFiveTriesWithBackoff()
    {
        _session.Join();
        foreach (var wait in new[] { 250, 500, 1000, 2000 })
        {
            Advance(wait - 1);
            Assert.Equal(ClientState.Joining, _session.State);
            Advance(1);
        }

        Assert.Equal(5, Sent(JoinRequest.Flag).Count);
        Advance(4000);
        Assert.Equal(ClientState.Closed, _session.State);
        Assert.Equal(["closed: the server did not answer"], _events.Log);
    }

    [Fact]
    public void DatagramsAheadOfAHoleAreHeldAndTheHoleIsAskedForOnce()
    {
        JoinAt(1000);
        Deliver(MsgAt(1002, "three"));
        Deliver(MsgAt(1003, "four"));
        Deliver(MsgAt(1003, "four")); // a duplicate of a held one
        Assert.Empty(_events.Messages);
        var asked = Sent(ResendRequest.Flag);
        Assert.Single(asked);
        Assert.Equal(VcspDecodeStatus.Ok, ResendRequest.TryDecode(asked[0], out var request));
        Assert.Equal((1000u, (byte)2), (request.Sequence, request.Count));

        Deliver(MsgAt(1001, "two"));
        Assert.Empty(Sent(ResendRequest.Flag)); // still one run: not asked again
        Deliver(MsgAt(1000, "one"));
        Assert.Equal(["one", "two", "three", "four"], _events.Messages.Select(m => m.Message));
        Deliver(MsgAt(1001, "two")); // late copy
        Assert.Equal(4, _events.Messages.Count);
        Advance(10_000);
        Assert.Empty(Sent(ResendRequest.Flag)); // nothing left to ask for
    }

    [Fact]
    public void EachHoleRunIsOneResendRequestRetriedByteIdenticallyAndAtMostFourAreOut()
    {
        JoinAt(0);
        foreach (var n in new uint[] { 1, 3, 5, 7, 9, 11 })
        {
            Deliver(MsgAt(n, "odd"));
        }

        var first = Sent(ResendRequest.Flag);
        Assert.Equal([(0u, 1), (2u, 1), (4u, 1), (6u, 1)], first.Select(Run));

        Advance(250);
        Assert.Equal(first, Sent(ResendRequest.Flag)); // the same four, byte for byte

        // Run 0 answered: the next hole (8) gets its run; then run 2, and the hole at 10.
        Deliver(MsgAt(0, "zero"));
        Assert.Equal([(8u, 1)], Sent(ResendRequest.Flag).Select(Run));
        Deliver(MsgAt(2, "two"));
        Assert.Equal([(10u, 1)], Sent(ResendRequest.Flag).Select(Run));
        Assert.Equal(4, _events.Messages.Count); // 0..3
    }

    [Fact]
    public void AFragmentedMessageIsDeliveredWholeWhenItsFinalFragmentIsTakenInOrder()
    {
        JoinAt(7);
        Deliver(MsgAt(9, "end", VcspWire.FinalFragment));
        Deliver(MsgAt(7, "be", 1));
        Assert.Empty(_events.Messages);
        Deliver(MsgAt(8, "in the ", 2));
        Assert.Equal([("bob", "bein the end")], _events.Messages);
        Assert.Equal(0, _session.AbandonedMessages);
    }

    [Fact]
    public void ADatagramMoreThan256AheadIsDroppedAndAskedForLater()
    {
        JoinAt(0);
        Deliver(MsgAt(256, "too far"));
        _sink.Take();
        for (var n = 0u; n < 256; n++)
        {
            Deliver(MsgAt(n, "m" + n));
        }

        Assert.Equal(256, _events.Messages.Count);
        Assert.DoesNotContain(_events.Messages, m => m.Message == "too far");
        Assert.Contains((256u, 1), Sent(ResendRequest.Flag).Select(Run)); // seen, dropped, and now asked for
        Deliver(MsgAt(256, "too far"));
        Assert.Equal(("bob", "too far"), _events.Messages[^1]);
    }

    [Fact]
    public void AHoleIsAskedForUntilItComesOrIsSkippedWithTheWaitCappedAtTwoSeconds()
    {
        JoinAt(0);
        Deliver(MsgAt(1, "after the hole"));
        Assert.Single(Sent(ResendRequest.Flag));

        // The server holds what it relayed until it is acknowledged, so the client does not give up after 5 tries
        // (PROTOCOL.md §7.5): the wait doubles to 2 s and stays there.
        foreach (var wait in new[] { 250, 500, 1000, 2000, 2000, 2000, 2000 })
        {
            Advance(wait - 1);
            Assert.Empty(Sent(ResendRequest.Flag));
            Advance(1);
            Assert.Single(Sent(ResendRequest.Flag));
        }

        Assert.Empty(_events.Messages);
        Assert.Equal(0, _session.LostDatagrams);

        // Only the server's Error Skipped ends it: reported lost, and the stream goes on.
        Deliver(Encode(new Error { Challenge = Challenge, Sequence = 0, Code = ErrorCode.Skipped, Expected = 1 }));
        Assert.Equal("lost 1", _events.Log[^1]);
        Assert.Equal(1, _session.LostDatagrams);
        Assert.Equal([("bob", "after the hole")], _events.Messages);
        Advance(10_000);
        Assert.Empty(Sent(ResendRequest.Flag));
    }

    [Fact]
    public void AnAckGoesEvery32RelayedDatagramsTaken()
    {
        JoinAt(100);
        for (var n = 100u; n < 131; n++)
        {
            Deliver(MsgAt(n, "x"));
        }

        Assert.Empty(Sent(Ack.Flag));
        Deliver(MsgAt(131, "x"));
        var ack = Single<Ack>(Ack.Flag);
        Assert.Equal((Challenge, unchecked(_s0 + 1), 132u, (ushort)256, AckFlags.None), (ack.Challenge, ack.Sequence, ack.RelayNext, ack.Window, ack.Flags));
        for (var n = 132u; n < 163; n++)
        {
            Deliver(MsgAt(n, "x"));
        }

        Assert.Empty(Sent(Ack.Flag));
        Deliver(MsgAt(163, "x"));
        Assert.Equal(164u, Single<Ack>(Ack.Flag).RelayNext);
    }

    [Fact]
    public void TheKeepaliveGoesAfterFifteenQuietSecondsAndAsksForAnAnswerOnlyWhenTheServerWasSilentForThirty()
    {
        JoinAt(0);
        Assert.Equal(TimeSpan.FromSeconds(15), _session.NextPollDelay());
        Advance(14_999);
        Assert.Empty(Sent(Ack.Flag));
        Advance(1);
        Assert.Equal(AckFlags.None, Single<Ack>(Ack.Flag).Flags); // heard 15 s ago: no answer needed

        Advance(15_000);
        Assert.Equal(AckFlags.ReplyRequested, Single<Ack>(Ack.Flag).Flags); // silent for 30 s
        foreach (var wait in new[] { 250, 500, 1000, 2000 })
        {
            Advance(wait);
            Assert.Equal(AckFlags.ReplyRequested, Single<Ack>(Ack.Flag).Flags);
        }

        Assert.Equal(ClientState.Member, _session.State);
        Advance(4000);
        Assert.Equal(ClientState.Closed, _session.State);
        Assert.Equal(CloseReason.NoAnswer, _events.Ends.Single().Reason);
    }

    [Fact]
    public void AnUnansweredKeepaliveDoesNotEndTheSessionWhenTheServerWasHeardMeanwhile()
    {
        JoinAt(0);
        Advance(15_000);
        Sent(Ack.Flag);
        Advance(15_000);
        Assert.Equal(AckFlags.ReplyRequested, Single<Ack>(Ack.Flag).Flags);

        // No answer to any try, but a relayed message comes meanwhile (a server under load): it is there, so the
        // client asks again rather than ending the session (PROTOCOL.md §7.7).
        Advance(250);
        Advance(500);
        Deliver(MsgAt(0, "busy, but here"));
        foreach (var wait in new[] { 1000, 2000, 4000 })
        {
            Advance(wait);
        }

        Assert.Equal(ClientState.Member, _session.State);
        Assert.Contains(Sent(Ack.Flag), a => a[^1] == (byte)AckFlags.ReplyRequested);

        // Then silence for a whole round of tries: gone.
        for (var step = 0; step < 32; step++)
        {
            Advance(250);
        }

        Assert.Equal(ClientState.Closed, _session.State);
        Assert.Equal(CloseReason.NoAnswer, _events.Ends.Single().Reason);
    }

    [Fact]
    public void AKeepaliveAsksForAnAnswerWhileSynDatagramsAreUnacknowledgedAndTheServersAckStopsIt()
    {
        JoinAt(0);
        Advance(10_000);
        Assert.True(_session.TrySend("hello"u8));
        _sink.Take();
        Advance(14_999);
        Assert.Empty(Sent(Ack.Flag)); // the Syn counts as something sent: 15 s from it
        Advance(1);
        var keepalive = Single<Ack>(Ack.Flag);
        Assert.Equal((AckFlags.ReplyRequested, unchecked(_s0 + 2)), (keepalive.Flags, keepalive.Sequence));

        Deliver(new Ack { Challenge = Challenge, Sequence = unchecked(_s0 + 2), RelayNext = 0, Window = 128 });
        Advance(10_000);
        Assert.Empty(Sent(Ack.Flag)); // answered: no retransmission
        Advance(5_000);
        Assert.Equal(AckFlags.None, Single<Ack>(Ack.Flag).Flags); // everything acknowledged, the server heard lately
    }

    [Fact]
    public void NoFlushPingIsSentAfterAMessage()
    {
        JoinAt(0);
        Assert.True(_session.TrySend("hello"u8));
        Advance(1000);
        Assert.Empty(Sent(Ping.Flag));
    }

    [Fact]
    public void TheUsersPingCarriesTheNextSequenceAndItsPongIsReported()
    {
        JoinAt(0);
        _session.Ping();
        var ping = Single<Ping>(Ping.Flag);
        Assert.Equal(unchecked(_s0 + 1), ping.Sequence);
        _time.Advance(TimeSpan.FromMilliseconds(7));
        Deliver(new Pong { Challenge = Challenge, Sequence = ping.Sequence, Timestamp = ping.Timestamp });
        Assert.Equal("pong 7 ms", _events.Log[^1]);
    }

    [Fact]
    public void DatagramsPastTheWindowWaitUntilTheServersAckOpensIt()
    {
        JoinAt(0, window: 64);
        for (var i = 0; i < 65; i++)
        {
            Assert.True(_session.TrySend(Encoding.UTF8.GetBytes("m" + i)));
        }

        var syns = Sent(Syn.Flag);
        Assert.Equal(64, syns.Count);
        Assert.Equal(1, _session.SendQueueLength);
        Advance(1000);
        Assert.Empty(Sent(Syn.Flag)); // no Ack, no more Syn

        Deliver(new Ack { Challenge = Challenge, Sequence = unchecked(_s0 + 33), RelayNext = 0, Window = 64 });
        Assert.Equal(VcspDecodeStatus.Ok, Syn.TryDecode(Sent(Syn.Flag).Single(), out var next));
        Assert.Equal((unchecked(_s0 + 65), "m64"), (next.Sequence, Encoding.UTF8.GetString(next.Data)));
        Assert.Equal(0, _session.SendQueueLength);
    }

    [Fact]
    public void AMessageLongerThanTheWindowGoesOutFragmentByFragmentAsTheWindowOpens()
    {
        JoinAt(0, window: 2);
        var text = new string('x', 300); // 3 fragments of 112 bytes for "alice"
        Assert.True(_session.TrySend(Encoding.UTF8.GetBytes(text), out var first));
        Assert.Equal(unchecked(_s0 + 1), first);
        Assert.Equal([(byte)1, (byte)2], Sent(Syn.Flag).Select(d => d[8]));
        Assert.True(_session.TrySend("next"u8, out var second));
        Assert.Equal(unchecked(_s0 + 4), second); // its sequence is known while it waits
        Deliver(new Ack { Challenge = Challenge, Sequence = unchecked(_s0 + 3), RelayNext = 0, Window = 2 });
        var syns = Sent(Syn.Flag);
        Assert.Equal([(byte)VcspWire.FinalFragment, (byte)0], syns.Select(d => d[8]));
        Assert.Equal(VcspDecodeStatus.Ok, Syn.TryDecode(syns[1], out var last));
        Assert.Equal(second, last.Sequence);
    }

    [Fact]
    public void TrySendRefusesWhenTheSendQueueIsFullAndAcceptsAgainOnceItDrains()
    {
        JoinAt(0, window: 0);
        for (var i = 0; i < 64; i++)
        {
            Assert.True(_session.TrySend("queued"u8));
        }

        Assert.Equal(64, _session.SendQueueLength);
        Assert.False(_session.TrySend("one too many"u8));
        Assert.Empty(Sent(Syn.Flag));

        Deliver(new Ack { Challenge = Challenge, Sequence = unchecked(_s0 + 1), RelayNext = 0, Window = 128 });
        Assert.Equal(64, Sent(Syn.Flag).Count);
        Assert.Equal(0, _session.SendQueueLength);
        Assert.True(_session.TrySend("fits again"u8));
    }

    [Fact]
    public void AStaleAckDoesNotShrinkTheWindow()
    {
        JoinAt(0, window: 4);
        Assert.True(_session.TrySend("m"u8));
        Assert.True(_session.TrySend("m"u8));
        Deliver(new Ack { Challenge = Challenge, Sequence = unchecked(_s0 + 3), RelayNext = 0, Window = 4 });
        Deliver(new Ack { Challenge = Challenge, Sequence = unchecked(_s0 + 1), RelayNext = 0, Window = 1 }); // older, reordered
        for (var i = 0; i < 5; i++)
        {
            Assert.True(_session.TrySend("m"u8));
        }

        Assert.Equal(6, Sent(Syn.Flag).Count); // up to s0 + 3 + 4, exclusive
        Assert.Equal(1, _session.SendQueueLength);
    }

    [Fact]
    public void ErrorOutOfOrderResendsTheHeldDatagramsFromExpectedUnchanged()
    {
        JoinAt(0);
        Assert.True(_session.TrySend("one"u8));
        Assert.True(_session.TrySend("two"u8));
        Assert.True(_session.TrySend("three"u8));
        var syns = Sent(Syn.Flag);
        Deliver(new Error { Challenge = Challenge, Sequence = unchecked(_s0 + 3), Code = ErrorCode.OutOfOrder, Expected = unchecked(_s0 + 2), Text = default });
        Assert.Equal(syns[1..], Sent(Syn.Flag));
        Deliver(new Error { Challenge = Challenge, Sequence = unchecked(_s0 + 3), Code = ErrorCode.OutOfOrder, Expected = unchecked(_s0 + 2), Text = default });
        Assert.Empty(Sent(Syn.Flag)); // the same Expected within 250 ms: the resend is on its way
    }

    [Fact]
    public void ErrorSkippedIsReportedTheMessageItCutsIsDroppedAndTheStreamGoesOnFromExpected()
    {
        JoinAt(0);
        Deliver(MsgAt(0, "cut ", 1)); // a message's first fragment; its others are skipped
        Deliver(MsgAt(3, "after"));
        Assert.Equal([(1u, 2)], Sent(ResendRequest.Flag).Select(Run));

        Deliver(new Error { Challenge = Challenge, Sequence = 1, Code = ErrorCode.Skipped, Expected = 3, Text = default });
        Assert.Equal("lost 2", _events.Log[^1]);
        Assert.Equal(2, _session.LostDatagrams);
        Assert.Equal(1, _session.AbandonedMessages);
        Assert.Equal([("bob", "after")], _events.Messages);
        Advance(10_000);
        Assert.Empty(Sent(ResendRequest.Flag));
        Deliver(MsgAt(4, "and on"));
        Assert.Equal(("bob", "and on"), _events.Messages[^1]);
    }

    [Fact]
    public void ASkipFarBeyondTheHeldDatagramsPassesOverAllOfIt()
    {
        JoinAt(10);
        Deliver(new Error { Challenge = Challenge, Sequence = 10, Code = ErrorCode.Skipped, Expected = 5010, Text = default });
        Assert.Equal("lost 5000", _events.Log[^1]);
        Deliver(MsgAt(5010, "resumed"));
        Assert.Equal([("bob", "resumed")], _events.Messages);
    }

    [Fact]
    public void TheServersRelayNextShowsALostTailWhichIsAskedFor()
    {
        JoinAt(10);
        Deliver(MsgAt(10, "seen"));
        Deliver(new Ack { Challenge = Challenge, Sequence = unchecked(_s0 + 1), RelayNext = 13, Window = 128 });
        Assert.Equal([(11u, 2)], Sent(ResendRequest.Flag).Select(Run));
    }

    [Fact]
    public void ErrorUndeliveredIsReportedWithTheMemberAndTheRange()
    {
        JoinAt(0);
        Deliver(new Error { Challenge = Challenge, Sequence = 10, Code = ErrorCode.Undelivered, Expected = 12, Text = "carol"u8 });
        Assert.Equal("undelivered to carol: 10..12", _events.Log[^1]);
        Assert.Equal(ClientState.Member, _session.State);
    }

    [Fact]
    public void ErrorNotMemberClosesTheSessionAsServerRestarted()
    {
        JoinAt(0);
        Deliver(new Error { Challenge = Challenge, Sequence = unchecked(_s0 + 1), Code = ErrorCode.NotMember, Expected = 0, Text = default });
        Assert.Equal(ClientState.Closed, _session.State);
        Assert.Equal(CloseReason.ServerRestarted, _events.Ends.Single().Reason);
        Assert.True(_events.Ends.Single().IsLost);
    }

    [Fact]
    public void ErrorsWithAnotherChallengeAreIgnored()
    {
        JoinAt(0);
        Deliver(new Error { Challenge = 0x4321, Sequence = 1, Code = ErrorCode.NotMember, Expected = 0, Text = default });
        Assert.Equal(ClientState.Member, _session.State);
    }

    private static (uint Sequence, int Count) Run(byte[] datagram)
    {
        Assert.Equal(VcspDecodeStatus.Ok, ResendRequest.TryDecode(datagram, out var request));
        return (request.Sequence, request.Count);
    }

    private static byte[] MsgAt(uint number, string text, byte offset = VcspWire.WholeMessage) =>
        Encode(new Msg { Challenge = VcspChallenge.None, Sequence = number, FragmentOffset = offset, Sender = "bob"u8, Data = Encoding.UTF8.GetBytes(text) });

    private void Admit()
    {
        _session.Join();
        Assert.Equal(VcspDecodeStatus.Ok, JoinRequest.TryDecode(Sent(JoinRequest.Flag).Single(), out var join));
        _s0 = join.Sequence;
        Deliver(new Response { Challenge = Challenge, Sequence = _s0, InReplyTo = ResponseTo.JoinRequest, Server = Group, GroupName = "lobby"u8 });
    }

    private void JoinAt(uint relayStart, ushort window = 128)
    {
        Admit();
        Deliver(new Ack { Challenge = Challenge, Sequence = unchecked(_s0 + 1), RelayNext = relayStart, Window = window });
        Assert.Equal(ClientState.Member, _session.State);
        _sink.Take();
        _events.Log.Clear();
    }

    private void Deliver(byte[] datagram) => _session.Receive(datagram, Group);

    private void Deliver<T>(in T packet)
        where T : IVcspPacket<T>, allows ref struct => Deliver(Encode(packet));

    private void Advance(int milliseconds)
    {
        _time.Advance(TimeSpan.FromMilliseconds(milliseconds));
        _session.Poll();
    }

    // What the session sent of one kind since the last look (the rest is forgotten).
    private List<byte[]> Sent(byte flag) => [.. _sink.Take().Select(s => s.Datagram).Where(d => d[1] == flag)];

    private T Single<T>(byte flag)
        where T : IVcspPacket<T>
    {
        var datagram = Sent(flag).Single();
        Assert.Equal(VcspDecodeStatus.Ok, T.TryDecode(datagram, out var packet));
        return packet;
    }
}
