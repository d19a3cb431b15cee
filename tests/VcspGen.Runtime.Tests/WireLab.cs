using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VcspGen.Spec;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// A group server and its members connected in memory on a manual clock, with every datagram on the wire counted
/// (issue 12: datagrams per delivery, deterministic). An optional impairment drops, duplicates and reorders datagrams
/// with a seeded generator. Time moves only to the next moment any state machine has work.
/// </summary>
internal sealed class WireLab
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);

    private readonly Dictionary<VcspAddress, Action<byte[], VcspAddress>> _endpoints = [];
    private readonly Queue<(byte[] Datagram, VcspAddress From, VcspAddress To)> _queue = new();
    private readonly List<(byte[] Datagram, VcspAddress From, VcspAddress To)> _held = [];
    private readonly Random _random;
    private readonly double _drop;
    private readonly double _duplicate;
    private readonly double _reorder;

    public WireLab(int members, double drop = 0, double duplicate = 0, double reorder = 0, int seed = 1)
    {
        _random = new Random(seed);
        (_drop, _duplicate, _reorder) = (drop, duplicate, reorder);
        GroupServer? server = null;
        Server = server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group }, Attach(Group, (d, from) => server!.Receive(d, from)), Time);
        for (var i = 0; i < members; i++)
        {
            var address = VcspAddress.IPv4([127, 0, 0, 1], (ushort)(41000 + i));
            var events = new LabEvents();
            ClientSession? session = null;
            session = new ClientSession(new ClientOptions { Server = Group, Name = "m" + i }, Attach(address, (d, from) => session!.Receive(d, from)), Time, events);
            Members.Add((session, events));
        }
    }

    public ManualTimeProvider Time { get; } = new();

    public GroupServer Server { get; }

    public List<(ClientSession Session, LabEvents Events)> Members { get; } = [];

    /// <summary>Datagrams put on the wire (both directions), before any impairment.</summary>
    public long Sent { get; private set; }

    /// <summary>Datagrams sent, by flag.</summary>
    public Dictionary<byte, long> SentByFlag { get; } = [];

    /// <summary>Joins every member (retrying as the sessions do) and returns when all are members.</summary>
    public void JoinAll()
    {
        foreach (var (session, _) in Members)
        {
            session.Join();
        }

        RunUntil(() => Members.All(m => m.Session.State == ClientState.Member), TimeSpan.FromSeconds(60));
    }

    /// <summary>Runs the machines until <paramref name="done"/> or until <paramref name="limit"/> has passed.</summary>
    /// <returns>Whether <paramref name="done"/> came true.</returns>
    public bool RunUntil(Func<bool> done, TimeSpan limit)
    {
        var end = Time.GetTimestamp() + limit.Ticks; // the manual clock counts in ticks
        Pump();
        while (!done())
        {
            if (!Step(end))
            {
                return done();
            }
        }

        return true;
    }

    /// <summary>Runs the machines for <paramref name="span"/> of manual time.</summary>
    public void RunFor(TimeSpan span) => RunUntil(() => false, span);

    /// <summary>Moves the clock to the next work (not past <paramref name="end"/>), polls every machine, delivers what they send.</summary>
    private bool Step(long end)
    {
        TimeSpan? next = Server.NextPollDelay();
        foreach (var (session, _) in Members)
        {
            next = session.NextPollDelay() is { } d && (next is null || d < next) ? d : next;
        }

        var now = Time.GetTimestamp();
        if (now >= end)
        {
            return false;
        }

        var delay = next is { } n ? (n < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : n) : TimeSpan.FromTicks(end - now);
        Time.Advance(now + delay.Ticks > end ? TimeSpan.FromTicks(end - now) : delay);
        Server.Poll();
        foreach (var (session, _) in Members)
        {
            session.Poll();
        }

        Pump();
        return true;
    }

    /// <summary>Delivers everything queued (and what it causes); reordered datagrams go after the rest.</summary>
    public void Pump()
    {
        while (_queue.Count > 0 || _held.Count > 0)
        {
            while (_queue.TryDequeue(out var item))
            {
                if (_reorder > 0 && _random.NextDouble() < _reorder)
                {
                    _held.Add(item);
                    continue;
                }

                Deliver(item);
            }

            var held = _held.ToArray();
            _held.Clear();
            foreach (var item in held)
            {
                Deliver(item);
            }
        }
    }

    private void Deliver((byte[] Datagram, VcspAddress From, VcspAddress To) item)
    {
        if (_endpoints.TryGetValue(item.To, out var receive))
        {
            receive(item.Datagram, item.From);
        }
    }

    private IDatagramSink Attach(VcspAddress address, Action<byte[], VcspAddress> receive)
    {
        _endpoints[address] = receive;
        return new Sink(this, address);
    }

    /// <summary>Sees every datagram sent (for debugging a test).</summary>
    public Action<byte[], VcspAddress, VcspAddress>? Trace { get; set; }

    private void Enqueue(byte[] datagram, VcspAddress from, VcspAddress to)
    {
        Trace?.Invoke(datagram, from, to);
        Sent++;
        SentByFlag[datagram[1]] = SentByFlag.GetValueOrDefault(datagram[1]) + 1;
        if (_drop > 0 && _random.NextDouble() < _drop)
        {
            return;
        }

        _queue.Enqueue((datagram, from, to));
        if (_duplicate > 0 && _random.NextDouble() < _duplicate)
        {
            _queue.Enqueue(((byte[])datagram.Clone(), from, to));
        }
    }

    private sealed class Sink(WireLab lab, VcspAddress from) : IDatagramSink
    {
        public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination) => lab.Enqueue(datagram.ToArray(), from, destination);
    }

    /// <summary>What one member was told.</summary>
    internal sealed class LabEvents : IClientEvents
    {
        public List<(string Sender, string Text)> Messages { get; } = [];

        public long Lost { get; private set; }

        public int Undelivered { get; private set; }

        public List<string> Ends { get; } = [];

        public void OnJoined(ReadOnlySpan<byte> groupName)
        {
        }

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) => Messages.Add((Encoding.UTF8.GetString(sender), Encoding.UTF8.GetString(message)));

        public void OnClosed(SessionEnd end) => Ends.Add(end.ToString());

        public void OnPong(TimeSpan roundTrip)
        {
        }

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }

        public void OnRelayLost(long datagrams) => Lost += datagrams;

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) => Undelivered++;

        public void OnRejoining(int attempt, TimeSpan delay)
        {
        }
    }
}
