using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.Extensions.Logging;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>A bare <see cref="GroupServer"/> on a manual clock, and members that join it by hand (JoinRequest, then the confirming Ack).</summary>
internal sealed class ServerDriver
{
    public static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);

    private readonly Dictionary<VcspAddress, (ushort Challenge, uint Next)> _members = [];

    public ServerDriver(GroupOptions? options = null, VcspMetrics? metrics = null, ILogger? logger = null)
    {
        Server = new GroupServer(options ?? new GroupOptions { Name = "lobby", Address = Group }, Sink, Time, logger, null, metrics);
    }

    public ManualTimeProvider Time { get; } = new();

    public RecordingSink Sink { get; } = new();

    public GroupServer Server { get; }

    public static VcspAddress Address(int i) => VcspAddress.IPv4([127, 0, 0, 1], (ushort)(40000 + i));

    /// <summary>Joins <paramref name="name"/> from <paramref name="who"/> and confirms it; returns its challenge.</summary>
    public ushort Join(VcspAddress who, string name, uint s0 = 1000)
    {
        Server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = s0, Server = Group, Name = Encoding.UTF8.GetBytes(name) }), who);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(Sink.Take().Single(d => d.Destination == who).Datagram, out var response));
        Server.Receive(Encode(new Ack { Challenge = response.Challenge, Sequence = s0 + 1, Window = 256, Flags = AckFlags.ReplyRequested }), who);
        Sink.Take();
        _members[who] = (response.Challenge, s0 + 1);
        return response.Challenge;
    }

    public ushort ChallengeOf(VcspAddress who) => _members[who].Challenge;

    /// <summary>Sends a whole message (one Syn) from a member.</summary>
    public void Say(VcspAddress who, ReadOnlySpan<byte> text)
    {
        var (challenge, next) = _members[who];
        Server.Receive(Encode(new Syn { Challenge = challenge, Sequence = next, Data = text }), who);
        _members[who] = (challenge, next + 1);
    }

    /// <summary>Sends the first of two fragments of a message from a member (its reassembly stays open).</summary>
    public void SayFirstFragment(VcspAddress who, ReadOnlySpan<byte> text)
    {
        var (challenge, next) = _members[who];
        Server.Receive(Encode(new Syn { Challenge = challenge, Sequence = next, FragmentOffset = 1, Data = text }), who);
        _members[who] = (challenge, next + 1);
    }

    /// <summary>Leaves with a Fin (answered once the server has everything the member sent).</summary>
    public void Fin(VcspAddress who)
    {
        var (challenge, next) = _members[who];
        Server.Receive(Encode(new Fin { Challenge = challenge, Sequence = next - 1 }), who);
        _members.Remove(who);
    }

    /// <summary>Sends the KICK command from a member.</summary>
    public void KickCommand(VcspAddress who, string target)
    {
        var (challenge, next) = _members[who];
        Server.Receive(Encode(new Command { Challenge = challenge, Sequence = 77, Code = CommandCode.Kick, Argument = Encoding.UTF8.GetBytes(target) }), who);
        _members[who] = (challenge, next);
    }
}

/// <summary>A logger that keeps each line with its level.</summary>
internal sealed class ListLogger : ILogger
{
    public List<(LogLevel Level, string Line)> Entries { get; } = [];

    public IEnumerable<string> Lines => Entries.Select(e => e.Line);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Add((logLevel, formatter(state, exception)));
}
