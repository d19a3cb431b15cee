using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>Direct messages and the Silent handshake (memo §6; PROTOCOL.md §8.9, §8.10, §10.5), peer to peer.</summary>
public sealed class DirectMessengerTests
{
    private static readonly VcspAddress A = VcspAddress.IPv4([127, 0, 0, 1], 50431);
    private static readonly VcspAddress B = VcspAddress.IPv4([127, 0, 0, 1], 50429);
    private static readonly VcspAddress X = VcspAddress.IPv4([127, 0, 0, 1], 50999);

    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryNetwork _network = new();
    private readonly Inbox _aInbox = new();
    private readonly Inbox _bInbox = new();
    private readonly List<byte[]> _seenByB = [];
    private readonly DirectMessenger _a;
    private readonly DirectMessenger _b;

    public DirectMessengerTests()
    {
        DirectMessenger? a = null, b = null;
        _a = a = new DirectMessenger("alice", _network.Attach(A, (d, from) => a!.Receive(d, from)), _time, _aInbox);
        _b = b = new DirectMessenger("bob", _network.Attach(B, (d, from) => { _seenByB.Add(d); b!.Receive(d, from); }), _time, _bInbox);
    }


    [Fact]
    public void TheSilentHandshakeOpensAConversationWithOneChallengeAndOneCounter()
    {
        Assert.True(_a.TrySend(B, "psst"u8));
        _network.Pump();
        Assert.Equal([(A, "alice", "psst", true)], _bInbox.Messages);
        var challenge = _a.ChallengeWith(B);
        Assert.NotNull(challenge);
        Assert.Equal(challenge, _b.ChallengeWith(A));
        Assert.False(VcspChallenge.IsReserved(challenge!.Value));

        _a.TrySend(B, "there?"u8);
        _network.Pump();
        _b.TrySend(A, "yes"u8);
        _network.Pump();
        Assert.Equal((A, "alice", "there?", false), _bInbox.Messages[1]);
        Assert.Equal([(B, "bob", "yes", false)], _aInbox.Messages);

        // One shared counter: every datagram of the conversation carries the next number, from either side.
        var first = Decode(_seenByB[0]).Sequence;
        Assert.Equal(first + 1, Decode(_seenByB[1]).Sequence);
        Assert.All(_seenByB.Skip(1), d => Assert.Equal(challenge, Decode(d).Challenge));
    }

    private static (ushort Challenge, uint Sequence) Decode(byte[] datagram)
    {
        Assert.Equal(VcspDecodeStatus.Ok, DirectMessage.TryDecode(datagram, out var dm));
        return (dm.Challenge, dm.Sequence);
    }

    [Fact]
    public void AStrangersMessageWithAChallengeIsDroppedWithoutReply()
    {
        _b.Receive(Encode(new DirectMessage { Challenge = 0x1234, Sequence = 1, Sender = "x"u8, Data = "hi"u8 }), X);
        _network.Pump();
        Assert.Empty(_bInbox.Messages);
        Assert.Equal(1, _b.Dropped);
        Assert.Equal(0, _network.Delivered);
    }

    [Fact]
    public void AnOpenConversationDropsWrongOrMissingChallengesAndOtherAddresses()
    {
        _a.TrySend(B, "psst"u8);
        _network.Pump();
        _a.TrySend(B, "open"u8);
        _network.Pump();
        var challenge = _b.ChallengeWith(A)!.Value;
        _b.Receive(Encode(new DirectMessage { Challenge = (ushort)(challenge ^ 1), Sequence = 999, Sender = "alice"u8, Data = "spoof"u8 }), A);
        _b.Receive(Encode(new DirectMessage { Challenge = VcspChallenge.None, Sequence = 998, Sender = "alice"u8, Data = "spoof"u8 }), A);
        _b.Receive(Encode(new DirectMessage { Challenge = challenge, Sequence = 997, Sender = "alice"u8, Data = "spoof"u8 }), X);
        Assert.Equal(2, _bInbox.Messages.Count);
        Assert.Equal(3, _b.Dropped);
    }

    [Fact]
    public void ASilentThatAnswersNothingWeSentIsDropped()
    {
        _a.TrySend(B, "psst"u8); // not pumped: B never answers
        _a.Receive(Encode(new Silent { Challenge = 0x4242, Sequence = 12345, Peer = A }), B);
        _a.Receive(Encode(new Silent { Challenge = 0x4242, Sequence = 12345, Peer = A }), X);
        Assert.Null(_a.ChallengeWith(B));
        Assert.Equal(2, _a.Dropped);
    }

    [Fact]
    public void ADuplicateIsDeliveredOnceAndALongMessageWhole()
    {
        var text = string.Concat(Enumerable.Range(0, 40).Select(i => $"chunk{i} "));
        _a.TrySend(B, Encoding.UTF8.GetBytes(text));
        _network.Pump();
        Assert.Equal([(A, "alice", text, true)], _bInbox.Messages);
        foreach (var datagram in _seenByB.ToList())
        {
            _b.Receive(datagram, A);
        }

        Assert.Single(_bInbox.Messages);
    }

    [Fact]
    public void FinBetweenPeersDoesNothing()
    {
        _a.TrySend(B, "psst"u8);
        _network.Pump();
        var challenge = _b.ChallengeWith(A);
        _b.Receive(Encode(new Fin { Challenge = challenge!.Value, Sequence = 5 }), A);
        Assert.Equal(challenge, _b.ChallengeWith(A));
        _a.TrySend(B, "still here"u8);
        _network.Pump();
        Assert.Equal("still here", _bInbox.Messages[^1].Message);
    }

    [Fact]
    public void SimultaneousFirstContactSettlesOnTheSmallerChallenge()
    {
        _a.TrySend(B, "hi bob"u8);
        _b.TrySend(A, "hi alice"u8);
        _network.Pump();
        Assert.NotNull(_a.ChallengeWith(B));
        Assert.Equal(_a.ChallengeWith(B), _b.ChallengeWith(A));
        _a.TrySend(B, "agreed"u8);
        _b.TrySend(A, "agreed"u8);
        _network.Pump();
        Assert.Equal("agreed", _bInbox.Messages[^1].Message);
        Assert.Equal("agreed", _aInbox.Messages[^1].Message);
    }

    [Fact]
    public void ConversationsAreBoundedAndTheLeastRecentlyUsedIsForgotten()
    {
        var inbox = new Inbox();
        var small = new DirectMessenger("carol", new RecordingSink(), _time, inbox, maxConversations: 2);
        foreach (var port in new ushort[] { 1, 2, 3 })
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            small.Receive(Encode(new DirectMessage { Challenge = VcspChallenge.None, Sequence = 7, Sender = "p"u8, Data = "hi"u8 }), VcspAddress.IPv4([127, 0, 0, 1], port));
        }

        Assert.Null(small.ChallengeWith(VcspAddress.IPv4([127, 0, 0, 1], 1)));
        Assert.NotNull(small.ChallengeWith(VcspAddress.IPv4([127, 0, 0, 1], 2)));
        Assert.NotNull(small.ChallengeWith(VcspAddress.IPv4([127, 0, 0, 1], 3)));
    }

    [Fact]
    public void TheFirstReplyInAConversationThePeerOpenedContinuesThePeersCounter()
    {
        // Each messenger draws its own random start; the reply must not use it (PROTOCOL.md §6.1). The old code did for
        // about half of the starts, so twenty fresh messengers would catch it with near certainty.
        for (var i = 0; i < 20; i++)
        {
            var sink = new RecordingSink();
            var messenger = new DirectMessenger("bob", sink, _time, new Inbox());
            var opening = new DirectMessage { Challenge = VcspChallenge.None, Sequence = 0x4000_0000, Sender = "alice"u8, Data = "hi"u8 };
            var buffer = new byte[DirectMessage.MaxDatagramSize];
            Assert.Equal(VcspEncodeStatus.Ok, opening.TryEncode(buffer, out var length));
            messenger.Receive(buffer.AsSpan(0, length), A);
            var silent = Assert.Single(sink.Sent);
            Assert.Equal(VcspDecodeStatus.Ok, Silent.TryDecode(silent.Datagram, out var handshake));
            sink.Sent.Clear();

            Assert.True(messenger.TrySend(A, "hello alice"u8));
            Assert.Equal(VcspDecodeStatus.Ok, DirectMessage.TryDecode(Assert.Single(sink.Sent).Datagram, out var reply));
            Assert.Equal((handshake.Challenge, 0x4000_0001u), (reply.Challenge, reply.Sequence));
        }
    }

    private sealed class Inbox : IDirectMessageEvents
    {
        public List<(VcspAddress Peer, string Sender, string Message, bool FirstContact)> Messages { get; } = [];

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact) =>
            Messages.Add((peer, Encoding.UTF8.GetString(sender), Encoding.UTF8.GetString(message), firstContact));
    }
}
