using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>GroupServer's events (joined, left with why, kicked by whom, message relayed) and its admin API (list, kick, shutdown).</summary>
public sealed class GroupServerEventsTests
{
    private static readonly VcspAddress Alice = ServerDriver.Address(1);
    private static readonly VcspAddress Bob = ServerDriver.Address(2);
    private static readonly VcspAddress Carol = ServerDriver.Address(3);

    private readonly List<string> _events = [];

    [Fact]
    public void AJoinAndAFinRaiseJoinedAndLeftWithTheMember()
    {
        var lab = Watched(new ServerDriver());
        lab.Join(Alice, "alice");
        lab.Fin(Alice);
        Assert.Equal(["joined alice 127.0.0.1:40001", "left alice Fin"], _events);
        Assert.Equal(0, lab.Server.MemberCount);
    }

    [Fact]
    public void AnUnconfirmedJoinRaisesNothing()
    {
        var lab = Watched(new ServerDriver());
        lab.Server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 3, Server = ServerDriver.Group, Name = "ghost"u8 }), Alice);
        lab.Time.Advance(TimeSpan.FromSeconds(11));
        lab.Server.Poll(); // the unconfirmed join is given up: it never was a member
        Assert.Empty(_events);
    }

    [Fact]
    public void ASilentMemberLeavesTimedOut()
    {
        var lab = Watched(new ServerDriver(new GroupOptions { Name = "lobby", Address = ServerDriver.Group, MemberTimeout = TimeSpan.FromSeconds(30) }));
        lab.Join(Alice, "alice");
        lab.Time.Advance(TimeSpan.FromSeconds(30));
        lab.Server.Poll();
        Assert.Equal(["joined alice 127.0.0.1:40001", "left alice TimedOut"], _events);
    }

    [Fact]
    public void TheOwnersKickRaisesKickedByTheOwnerThenLeftKicked()
    {
        var lab = new ServerDriver(new GroupOptions { Name = "lobby", Address = ServerDriver.Group, Owner = "admin" });
        lab.Join(Alice, "admin");
        lab.Join(Bob, "bob");
        Watched(lab).KickCommand(Alice, "bob");
        Assert.Equal(["kicked bob by admin", "left bob Kicked"], _events);
    }

    [Fact]
    public void TheHostsKickSendsWhatTheOwnersKickSendsAndRemovesTheMember()
    {
        var lab = new ServerDriver();
        lab.Join(Alice, "alice");
        var bob = lab.Join(Bob, "bob");
        Watched(lab);

        Assert.True(lab.Server.Kick("bob", "spam"));
        var (datagram, to) = Assert.Single(lab.Sink.Take());
        Assert.Equal(Bob, to);
        Assert.Equal(VcspDecodeStatus.Ok, Kick.TryDecode(datagram, out var kick));
        Assert.Equal(bob, kick.Challenge);
        Assert.Equal(Bob, kick.Member);
        Assert.Equal("spam", Encoding.UTF8.GetString(kick.Reason));
        Assert.Equal(["kicked bob by the host", "left bob Kicked"], _events);
        Assert.Equal(["alice"], lab.Server.ListMembers().Select(m => m.Name));

        // Its datagrams are a stranger's now, and there is no one else to kick.
        lab.Server.Receive(Encode(new Ping { Challenge = bob, Sequence = 9 }), Bob);
        Assert.Empty(lab.Sink.Take());
        Assert.False(lab.Server.Kick("bob"));
        Assert.False(lab.Server.Kick("nobody"));
    }

    [Fact]
    public void AKickWithoutAReasonSaysWhatTheOwnersSaysAndALongReasonIsCutAtACharacter()
    {
        var lab = new ServerDriver();
        lab.Join(Alice, "alice");
        lab.Join(Bob, "bob");
        Assert.True(lab.Server.Kick("alice"));
        Assert.Equal(VcspDecodeStatus.Ok, Kick.TryDecode(lab.Sink.Take().Single().Datagram, out var plain));
        Assert.Equal(GroupServer.DefaultKickReason, Encoding.UTF8.GetString(plain.Reason));

        Assert.True(lab.Server.Kick("bob", new string('é', 60))); // 120 bytes: 49 characters fit in 98
        Assert.Equal(VcspDecodeStatus.Ok, Kick.TryDecode(lab.Sink.Take().Single().Datagram, out var cut));
        Assert.Equal(new string('é', 49), Encoding.UTF8.GetString(cut.Reason));
    }

    [Fact]
    public void ANewJoinFromAMembersAddressReplacesItOnceConfirmed()
    {
        var lab = Watched(new ServerDriver());
        lab.Join(Alice, "alice");
        lab.Join(Alice, "alice", s0: 5000); // the client restarted on the same port
        Assert.Equal(["joined alice 127.0.0.1:40001", "left alice Replaced", "joined alice 127.0.0.1:40001"], _events);
        Assert.Equal(1, lab.Server.MemberCount);
    }

    [Fact]
    public void ListMembersIsASnapshotInJoinOrder()
    {
        var lab = new ServerDriver(new GroupOptions { Name = "lobby", Address = ServerDriver.Group, Owner = "alice" });
        lab.Join(Alice, "alice");
        lab.Time.Advance(TimeSpan.FromSeconds(5));
        lab.Join(Bob, "bob");
        lab.Time.Advance(TimeSpan.FromSeconds(7));
        lab.Say(Bob, "hi"u8);
        lab.Time.Advance(TimeSpan.FromSeconds(2));

        var members = lab.Server.ListMembers();
        Assert.Equal(["alice", "bob"], members.Select(m => m.Name));
        Assert.Equal([Alice, Bob], members.Select(m => m.Address));
        Assert.Equal([true, false], members.Select(m => m.IsAdministrator));
        Assert.All(members, m => Assert.False(m.InCall));
        Assert.Equal(TimeSpan.FromSeconds(5), members[1].JoinedAt - members[0].JoinedAt);
        Assert.Equal(TimeSpan.FromSeconds(7), members[1].LastHeard - members[1].JoinedAt);
        Assert.Equal(members[0].JoinedAt, members[0].LastHeard);

        lab.Join(Carol, "carol");
        Assert.Equal(2, members.Count); // a snapshot: it does not change
    }

    [Fact]
    public void EachAcceptedMessageIsReportedWithItsSenderAndLength()
    {
        var lab = new ServerDriver();
        lab.Join(Alice, "alice");
        lab.Join(Bob, "bob");
        var relayed = new List<(string, VcspAddress, int, int)>();
        lab.Server.MessageRelayed += (in RelayedMessage m) => relayed.Add((Encoding.UTF8.GetString(m.SenderName), m.Sender, m.Length, m.Fragments));

        lab.Say(Alice, "hello"u8);
        lab.SayFirstFragment(Bob, "first "u8);
        Assert.Equal([("alice", Alice, 5, 1)], relayed); // bob's message is not complete
        lab.Server.Receive(Encode(new Syn { Challenge = lab.ChallengeOf(Bob), Sequence = 1002, FragmentOffset = VcspWire.FinalFragment, Data = "second"u8 }), Bob);
        Assert.Equal([("alice", Alice, 5, 1), ("bob", Bob, 12, 2)], relayed);
    }

    [Fact]
    public void ShutdownRemovesEveryMemberAndAdmitsNoOne()
    {
        var lab = new ServerDriver();
        var alice = lab.Join(Alice, "alice");
        lab.Join(Bob, "bob");
        lab.Say(Alice, "last words"u8); // waiting for the quiet window: relayed before the members go
        Watched(lab).Server.Shutdown();

        Assert.True(lab.Server.IsShutDown);
        Assert.Equal(["left bob ServerShutdown", "left alice ServerShutdown"], _events);
        Assert.Equal(0, lab.Server.MemberCount);
        var sent = lab.Sink.Take();
        Assert.Contains(sent, d => d.Destination == Bob && d.Datagram[1] == Msg.Flag);
        Assert.DoesNotContain(sent, d => d.Datagram[1] == Fin.Flag); // a server sends no Fin (PROTOCOL.md §8.8)

        // No join is answered, and an old member's Ack is not told NotMember (which would send it to join again).
        lab.Server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 3, Server = ServerDriver.Group, Name = "carol"u8 }), Carol);
        lab.Server.Receive(Encode(new Ack { Challenge = alice, Sequence = 1001, Window = 256, Flags = AckFlags.ReplyRequested }), Alice);
        Assert.Empty(lab.Sink.Take());
        Assert.Equal(0, lab.Server.MemberCount);
    }

    private ServerDriver Watched(ServerDriver lab)
    {
        lab.Server.MemberJoined += m => _events.Add($"joined {m.Name} {m.Address}");
        lab.Server.MemberLeft += (m, why) => _events.Add($"left {m.Name} {why}");
        lab.Server.MemberKicked += (m, by) => _events.Add($"kicked {m.Name} by {by ?? "the host"}");
        return lab;
    }
}
