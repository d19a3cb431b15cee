using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// A clustered group's own side (PROTOCOL.md §15), driven with datagrams, a manual clock and a link that records what
/// the group tells the cluster (the NATS side is tested against a real nats-server in VcspGen.Tests): joins wait for
/// their name's claim, other nodes' messages are relayed once through their proxies, and what another node sends is
/// checked like a datagram.
/// </summary>
public sealed class ClusterGroupTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);
    private static readonly VcspAddress Alice = VcspAddress.IPv4([127, 0, 0, 1], 40001);

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingSink _sink = new();
    private readonly RecordingLink _link = new();
    private readonly GroupServer _server;

    public ClusterGroupTests() =>
        _server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group, RelayQuiet = TimeSpan.Zero }, _sink, _time, null, null, null, _link);

    [Fact]
    public void AJoinIsAnsweredOnlyOnceItsNameIsWonAndRefusedNameInUseWhenLost()
    {
        _server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 10, Server = Group, Name = "alice"u8 }), Alice);
        Assert.Empty(_sink.Take()); // claiming
        var (name, id) = Assert.Single(_link.Claims);
        Assert.Equal("alice", name);

        // A retransmission meanwhile is not answered; the result is.
        _server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 10, Server = Group, Name = "alice"u8 }), Alice);
        Assert.Empty(_sink.Take());
        _server.OnClaimResult("alice", id, won: true);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(Assert.Single(_sink.Take()).Datagram, out _));

        var bob = VcspAddress.IPv4([127, 0, 0, 1], 40002);
        _server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 20, Server = Group, Name = "bob"u8 }), bob);
        _server.OnClaimResult("bob", _link.Claims[^1].Id, won: false);
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(Assert.Single(_sink.Take()).Datagram, out var reject));
        Assert.Equal(RejectReason.NameInUse, reject.Reason);
        Assert.Contains("bob", _link.Released); // nobody here holds it any more
    }

    [Fact]
    public void AnotherNodesMessageIsRelayedOnceAndAMalformedOneIsRefusedAndCounted()
    {
        var challenge = JoinAlice();
        var framed = new byte[] { 2, (byte)'h', (byte)'i' };
        Assert.True(_server.OnRemoteMessage("b", 7, "bob"u8.ToArray(), 500, 1, framed));
        Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(Assert.Single(_sink.Take(), d => d.Datagram[1] == Msg.Flag).Datagram, out var msg));
        Assert.Equal(("bob", "hi"), (Encoding.UTF8.GetString(msg.Sender), Encoding.UTF8.GetString(msg.Data)));

        // The same message again (a replay after a reconnect): relayed once.
        Assert.True(_server.OnRemoteMessage("b", 7, "bob"u8.ToArray(), 500, 1, framed));
        Assert.DoesNotContain(_sink.Take(), d => d.Datagram[1] == Msg.Flag);
        Assert.Equal(1, _server.ClusterDuplicates);

        // Malformed: a length past the end, two fragments announced but one framed, a fragment longer than a Syn's
        // chunk, a name that is not a member name. Each refused, counted, nothing relayed, nothing thrown.
        Assert.True(_server.OnRemoteMessage("b", 8, "eve"u8.ToArray(), 1, 1, [9, 1]));
        Assert.True(_server.OnRemoteMessage("b", 8, "eve"u8.ToArray(), 1, 2, framed));
        Assert.True(_server.OnRemoteMessage("b", 8, "eve"u8.ToArray(), 1, 1, [200, .. new byte[200]]));
        Assert.True(_server.OnRemoteMessage("b", 8, "two words"u8.ToArray(), 1, 1, framed));
        Assert.DoesNotContain(_sink.Take(), d => d.Datagram[1] == Msg.Flag);
        Assert.Equal(4, _server.ClusterMessagesRefused);
        Assert.Equal(4, _server.Dropped(DropReason.ClusterRefused));
        Assert.NotEqual(0, challenge);
    }

    [Fact]
    public void AMessageAcceptedHereIsCarriedToTheClusterWithItsFragmentsAndALeaveIsRetracted()
    {
        var challenge = JoinAlice();
        _server.Receive(Encode(new Syn { Challenge = challenge, Sequence = 11, Data = "hello"u8 }), Alice);
        var (session, first, fragments, framed) = Assert.Single(_link.Published);
        Assert.Equal((11u, 1), (first, fragments));
        Assert.Equal([5, .. "hello"u8.ToArray()], framed);
        _server.Receive(Encode(new Fin { Challenge = challenge, Sequence = 11 }), Alice);
        Assert.Equal([session], _link.Retracted);
    }

    private ushort JoinAlice()
    {
        _server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 10, Server = Group, Name = "alice"u8 }), Alice);
        _server.OnClaimResult("alice", _link.Claims[^1].Id, won: true);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(Assert.Single(_sink.Take()).Datagram, out var response));
        _server.Receive(Encode(new Ack { Challenge = response.Challenge, Sequence = 11, Flags = AckFlags.ReplyRequested }), Alice);
        _sink.Take();
        Assert.Single(_link.Announced);
        return response.Challenge;
    }

    /// <summary>What the group told the cluster.</summary>
    private sealed class RecordingLink : ClusterLink
    {
        public List<(string Name, long Id)> Claims { get; } = [];

        public List<string> Released { get; } = [];

        public List<ulong> Announced { get; } = [];

        public List<ulong> Retracted { get; } = [];

        public List<(ulong Session, uint First, int Fragments, byte[] Framed)> Published { get; } = [];

        public override string Node => "a";

        public override IReadOnlyList<string> Nodes => ["a"];

        public override void Claim(string name, long id) => Claims.Add((name, id));

        public override void Release(string name) => Released.Add(name);

        public override void Announce(Member member) => Announced.Add(member.Session);

        public override void Retract(Member member) => Retracted.Add(member.Session);

        public override void Kick(RemoteMember member, string by)
        {
        }

        public override void ReportUndelivered(string node, ulong session, uint firstSequence, uint endSequence, byte[] member)
        {
        }

        public override void PublishMedia(ushort memberId, byte codec, uint timestamp, ReadOnlySpan<byte> data)
        {
        }

        public override bool TryPublish(Member from, uint firstSequence, int fragments, ReadOnlySpan<byte> framed)
        {
            Published.Add((from.Session, firstSequence, fragments, framed.ToArray()));
            return true;
        }
    }
}
