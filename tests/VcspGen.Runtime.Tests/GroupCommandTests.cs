using System;
using System.Linq;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>LIST, INFO, WHOIS and KICK (PROTOCOL.md §11), and the administrator rule (§11.3).</summary>
public sealed class GroupCommandTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);
    private static readonly VcspAddress Alice = VcspAddress.IPv4([127, 0, 0, 1], 40001);
    private static readonly VcspAddress Bob = VcspAddress.IPv4([127, 0, 0, 1], 40002);

    // A value for the state machine only: no datagram is ever sent to it (the sink records).
    private static readonly VcspAddress Remote = VcspAddress.IPv4([192, 0, 2, 7], 40003);

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingSink _sink = new();
    private readonly GroupServer _server;

    public GroupCommandTests() =>
        _server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group, Owner = "alice" }, _sink, _time);


    private ushort Join(VcspAddress who, string name)
    {
        _server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 1, Server = Group, Name = Encoding.UTF8.GetBytes(name) }), who);
        var reply = Assert.Single(_sink.Take()).Datagram;
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(reply, out var response));

        // Confirmed from its address (PROTOCOL.md §8.1 step 6): only then a member, listed and reachable by name.
        _server.Receive(Encode(new Ack { Challenge = response.Challenge, Sequence = 2, Flags = AckFlags.ReplyRequested }), who);
        Assert.Equal(Ack.Flag, Assert.Single(_sink.Take()).Datagram[1]);
        return response.Challenge;
    }

    private (CommandStatus Status, string Data) Run(VcspAddress who, ushort challenge, CommandCode code, string argument, uint id = 7)
    {
        _server.Receive(Encode(new Command { Challenge = challenge, Sequence = id, Code = code, Argument = Encoding.UTF8.GetBytes(argument) }), who);
        var replies = _sink.Take().Where(r => r.Destination == who).ToList();
        var data = new StringBuilder();
        CommandStatus status = default;
        for (var k = 0; k < replies.Count; k++)
        {
            Assert.Equal(VcspDecodeStatus.Ok, CommandReply.TryDecode(replies[k].Datagram, out var reply));
            Assert.Equal(code, reply.Code);
            Assert.Equal(challenge, reply.Challenge);
            Assert.Equal(id + (uint)k, reply.Sequence);
            status = reply.Status;
            data.Append(Encoding.UTF8.GetString(reply.Data));
        }

        Assert.NotEmpty(replies);
        return (status, data.ToString());
    }

    [Fact]
    public void ListShowsNamesAndOnlyTheAdministratorSeesAddresses()
    {
        var alice = Join(Alice, "alice");
        var bob = Join(Bob, "bob");
        Assert.Equal((CommandStatus.Ok, "alice\nbob\n"), Run(Bob, bob, CommandCode.List, string.Empty));
        Assert.Equal((CommandStatus.Ok, "alice\t127.0.0.1:40001\nbob\t127.0.0.1:40002\n"), Run(Alice, alice, CommandCode.List, string.Empty));
        Assert.Equal(CommandStatus.BadArgument, Run(Bob, bob, CommandCode.List, "x", id: 8).Status);
    }

    [Fact]
    public void ALongListIsFragmentedAndReassemblesWhole()
    {
        var names = Enumerable.Range(0, 40).Select(i => $"member-with-a-long-name-{i:D2}").ToArray();
        var last = (Address: Alice, Challenge: (ushort)0);
        for (var i = 0; i < names.Length; i++)
        {
            var address = VcspAddress.IPv4([127, 0, 0, 1], (ushort)(42000 + i));
            last = (address, Join(address, names[i]));
        }

        var (status, data) = Run(last.Address, last.Challenge, CommandCode.List, string.Empty);
        Assert.Equal(CommandStatus.Ok, status);
        Assert.Equal(string.Concat(names.Select(n => n + "\n")), data);
    }

    [Fact]
    public void InfoGivesAddressNameOwnerAndMemberCount()
    {
        var bob = Join(Bob, "bob");
        Assert.Equal((CommandStatus.Ok, "address=127.0.0.1:50429\nname=lobby\nowner=alice\nmembers=1\n"), Run(Bob, bob, CommandCode.Info, string.Empty));
    }

    [Fact]
    public void WhoisGivesOneMembersAddress()
    {
        Join(Alice, "alice");
        var bob = Join(Bob, "bob");
        Assert.Equal((CommandStatus.Ok, "127.0.0.1:40001"), Run(Bob, bob, CommandCode.Whois, "alice"));
        Assert.Equal(CommandStatus.NoSuchMember, Run(Bob, bob, CommandCode.Whois, "zed", id: 8).Status);
        Assert.Equal(CommandStatus.BadArgument, Run(Bob, bob, CommandCode.Whois, string.Empty, id: 9).Status);
    }

    [Fact]
    public void OnlyTheAdministratorMayKickAndTheKickedMemberIsToldAndRemoved()
    {
        var alice = Join(Alice, "alice");
        var bob = Join(Bob, "bob");
        Assert.Equal(CommandStatus.NotPermitted, Run(Bob, bob, CommandCode.Kick, "alice").Status);
        Assert.Equal(2, _server.MemberCount);

        _server.Receive(Encode(new Command { Challenge = alice, Sequence = 20, Code = CommandCode.Kick, Argument = "bob"u8 }), Alice);
        var sent = _sink.Take();
        Assert.Equal(VcspDecodeStatus.Ok, Kick.TryDecode(sent.Single(s => s.Destination == Bob).Datagram, out var kick));
        Assert.Equal((bob, Bob), (kick.Challenge, kick.Member));
        Assert.Equal(2u, kick.Sequence); // the next group sequence the server expected from bob, who joined with 1 (§8.11)
        Assert.Equal(VcspDecodeStatus.Ok, CommandReply.TryDecode(sent.Single(s => s.Destination == Alice).Datagram, out var reply));
        Assert.Equal(CommandStatus.Ok, reply.Status);
        Assert.Equal(1, _server.MemberCount);

        // Bob's challenge no longer works; a repeated KICK gets the cached answer and changes nothing.
        _server.Receive(Encode(new Ping { Challenge = bob, Sequence = 1 }), Bob);
        Assert.Empty(_sink.Sent);
        Assert.Equal((CommandStatus.Ok, string.Empty), Run(Alice, alice, CommandCode.Kick, "bob", id: 20));
        Assert.Equal(CommandStatus.NoSuchMember, Run(Alice, alice, CommandCode.Kick, "bob", id: 21).Status);
    }

    [Fact]
    public void ARepeatedRequestIdIsAnsweredFromTheCacheNotRunAgain()
    {
        var bob = Join(Bob, "bob");
        Assert.Equal((CommandStatus.Ok, "address=127.0.0.1:50429\nname=lobby\nowner=alice\nmembers=1\n"), Run(Bob, bob, CommandCode.Info, string.Empty, id: 5));
        Join(Alice, "alice");
        // Same id: the same (now stale) answer; a new id runs the command again.
        Assert.EndsWith("members=1\n", Run(Bob, bob, CommandCode.Info, string.Empty, id: 5).Data, StringComparison.Ordinal);
        Assert.EndsWith("members=2\n", Run(Bob, bob, CommandCode.Info, string.Empty, id: 6).Data, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownCommandCodeGetsUnknownCommand()
    {
        var bob = Join(Bob, "bob");
        var datagram = Encode(new Command { Challenge = bob, Sequence = 33, Code = CommandCode.Info });
        datagram[10] = 99; // no such command
        _server.Receive(datagram, Bob);
        Assert.Equal(VcspDecodeStatus.Ok, Error.TryDecode(Assert.Single(_sink.Take()).Datagram, out var error));
        Assert.Equal((ErrorCode.UnknownCommand, 33u), (error.Code, error.Sequence));
        Assert.Equal(1, _server.Dropped(DropReason.Malformed));

        // From a stranger: no answer, and counted once.
        _server.Receive(datagram, Alice);
        Assert.Empty(_sink.Sent);
        Assert.Equal(1, _server.Dropped(DropReason.UnknownSender));
        Assert.Equal(1, _server.Dropped(DropReason.Malformed));
    }

    [Fact]
    public void TheOwnersNameIsTakenForAnyoneNotOnTheServersHost()
    {
        _server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 1, Server = Group, Name = "alice"u8 }), Remote);
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(Assert.Single(_sink.Take()).Datagram, out var reject));
        Assert.Equal(RejectReason.NameInUse, reject.Reason);

        // A remote member with another name joins, and is no administrator.
        _server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 1, Server = Group, Name = "mallory"u8 }), Remote);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(Assert.Single(_sink.Take()).Datagram, out var response));
        Assert.Equal(CommandStatus.NotPermitted, Run(Remote, response.Challenge, CommandCode.Kick, "mallory").Status);
    }
}
