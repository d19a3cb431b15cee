using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// What operators see: metrics on the VcspGen.Runtime meter (each test on a <see cref="VcspMetrics"/> of its own, so
/// tests running at the same time do not mix), every drop logged with its reason, and joins, leaves and kicks logged.
/// </summary>
public sealed class ObservabilityTests
{
    private static readonly VcspAddress Alice = ServerDriver.Address(1);

    [Fact]
    public void CountersReportDatagramsDropsByReasonAndMessages()
    {
        using var metrics = new VcspMetrics();
        var totals = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == metrics.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? reason = null;
            foreach (var tag in tags)
            {
                reason = tag.Key == "reason" ? tag.Value as string : reason;
                Assert.True(tag.Key != "group" || (string?)tag.Value == "metrics");
            }

            var key = reason is null ? instrument.Name : instrument.Name + "/" + reason;
            totals[key] = totals.GetValueOrDefault(key) + value;
        });
        listener.Start();

        var lab = new ServerDriver(new GroupOptions { Name = "metrics", Address = ServerDriver.Group }, metrics);
        lab.Join(Alice, "alice"); // a JoinRequest and an Ack in, a Response and an Ack out
        lab.Server.Receive(Encode(new Syn { Challenge = 0x0001, Sequence = 2, Data = "spoof"u8 }), ServerDriver.Address(9));
        lab.Server.Receive([1, 2, 3], Alice);
        lab.Say(Alice, "hello"u8);

        Assert.Equal(5, totals["vcsp.server.datagrams.received"]);
        Assert.Equal(2, totals["vcsp.server.datagrams.sent"]);
        Assert.Equal(1, totals["vcsp.server.drops/UnknownSender"]);
        Assert.Equal(1, totals["vcsp.server.drops/Malformed"]);
        Assert.Equal(1, totals["vcsp.server.messages.relayed"]);
        Assert.Equal(lab.Server.Dropped(DropReason.UnknownSender), totals["vcsp.server.drops/UnknownSender"]);
    }

    [Fact]
    public void TheMembersGaugeReadsTheGroupEvenWhenTheListenerCameAfterTheJoins()
    {
        using var metrics = new VcspMetrics();
        var lab = new ServerDriver(metrics: metrics);
        lab.Join(ServerDriver.Address(1), "alice");
        lab.Join(ServerDriver.Address(2), "bob");
        lab.Join(ServerDriver.Address(3), "carol");

        // Attached after the joins: an UpDownCounter would read 0 here (and -1 after the Fin).
        using var members = new MetricCollector<int>(metrics.Meter, "vcsp.server.members");
        members.RecordObservableInstruments();
        var reading = members.LastMeasurement!;
        Assert.Equal(3, reading.Value);
        Assert.Equal("lobby", reading.Tags["group"]);

        lab.Fin(ServerDriver.Address(2));
        members.RecordObservableInstruments();
        Assert.Equal(2, members.LastMeasurement!.Value);
        Assert.Equal(lab.Server.MemberCount, members.LastMeasurement.Value);
    }

    [Fact]
    public void LevelGaugesReadReassembliesPendingAndTheRelayLog()
    {
        using var metrics = new VcspMetrics();
        var lab = new ServerDriver(new GroupOptions { Name = "lobby", Address = ServerDriver.Group, RelayQuiet = TimeSpan.Zero }, metrics);
        lab.Join(ServerDriver.Address(1), "alice");
        lab.Join(ServerDriver.Address(2), "bob");
        using var pending = new MetricCollector<int>(metrics.Meter, "vcsp.server.reassemblies.pending");
        using var log = new MetricCollector<int>(metrics.Meter, "vcsp.server.relay_log.occupancy");

        lab.SayFirstFragment(ServerDriver.Address(1), "the first half"u8);
        lab.Say(ServerDriver.Address(2), "a whole message"u8); // relayed at once (no quiet window), held for alice's Ack
        pending.RecordObservableInstruments();
        log.RecordObservableInstruments();
        Assert.Equal(1, pending.LastMeasurement!.Value);
        Assert.Equal(lab.Server.RelayLogCount, log.LastMeasurement!.Value);
        Assert.True(log.LastMeasurement.Value > 0);
    }

    [Fact]
    public void AGroupStopsBeingObservedWhenRemoved()
    {
        using var metrics = new VcspMetrics();
        var lab = new ServerDriver(metrics: metrics);
        using var members = new MetricCollector<int>(metrics.Meter, "vcsp.server.members");
        members.RecordObservableInstruments();
        Assert.Single(members.GetMeasurementSnapshot());

        metrics.Remove(lab.Server);
        members.Clear();
        members.RecordObservableInstruments();
        Assert.Empty(members.GetMeasurementSnapshot());
    }

    [Fact]
    public void MetersComeFromTheFactoryWhenThereIsOne()
    {
        using var factory = new TestMeterFactory();
        using var metrics = new VcspMetrics(factory);
        Assert.Same(factory.Created.Single(), metrics.Meter);
        Assert.Equal(VcspMetrics.MeterName, metrics.Meter.Name);
    }

    [Fact]
    public void EveryDropIsLoggedWithTheGroupAndItsReason()
    {
        var logger = new ListLogger();
        var server = new GroupServer(new GroupOptions { Name = "logged", Address = ServerDriver.Group }, new RecordingSink(), new ManualTimeProvider(), logger);
        server.Receive(Encode(new Fin { Challenge = 0x0101, Sequence = 1 }), Alice);
        server.Receive([0xFF], Alice);
        Assert.Equal(
            new[] { "Group logged: dropped a datagram from 127.0.0.1:40001: UnknownSender", "Group logged: dropped a datagram from 127.0.0.1:40001: Malformed" },
            logger.Lines.ToArray());
        Assert.All(logger.Entries, e => Assert.Equal(LogLevel.Debug, e.Level));
    }

    [Fact]
    public void JoinsLeavesAndKicksAreLoggedWithTheMemberAndTheReason()
    {
        var logger = new ListLogger();
        var lab = new ServerDriver(new GroupOptions { Name = "lobby", Address = ServerDriver.Group, Owner = "admin", MemberTimeout = TimeSpan.FromSeconds(60) }, logger: logger);
        lab.Join(ServerDriver.Address(1), "admin");
        lab.Join(ServerDriver.Address(2), "bob");
        lab.Join(ServerDriver.Address(3), "carol");
        lab.KickCommand(ServerDriver.Address(1), "bob");
        lab.Fin(ServerDriver.Address(3));
        lab.Time.Advance(TimeSpan.FromSeconds(61));
        lab.Server.Poll();

        var info = logger.Entries.Where(e => e.Level == LogLevel.Information).Select(e => e.Line).ToArray();
        Assert.Equal(
            new[]
            {
                "Group lobby: admin (127.0.0.1:40001) joined; 1 members",
                "Group lobby: bob (127.0.0.1:40002) joined; 2 members",
                "Group lobby: carol (127.0.0.1:40003) joined; 3 members",
                "Group lobby: bob (127.0.0.1:40002) kicked by admin: kicked by the administrator",
                "Group lobby: bob (127.0.0.1:40002) left: Kicked; 2 members",
                "Group lobby: carol (127.0.0.1:40003) left: Fin; 1 members",
                "Group lobby: admin (127.0.0.1:40001) left: TimedOut; 0 members",
            },
            info);
    }

    [Fact]
    public void AFullGroupIsAWarningOnceUntilSomeoneLeaves()
    {
        var logger = new ListLogger();
        var lab = new ServerDriver(new GroupOptions { Name = "small", Address = ServerDriver.Group, MaxMembers = 1 }, logger: logger);
        lab.Join(ServerDriver.Address(1), "alice");
        for (var i = 0; i < 3; i++)
        {
            lab.Server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = (uint)(5 + i), Server = ServerDriver.Group, Name = "bob"u8 }), ServerDriver.Address(2));
        }

        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal("Group small is full (1 members): a join from 127.0.0.1:40002 was refused (raise the member cap if this is expected)", warning.Line);

        lab.Fin(ServerDriver.Address(1));
        lab.Join(ServerDriver.Address(3), "carol");
        lab.Server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 9, Server = ServerDriver.Group, Name = "bob"u8 }), ServerDriver.Address(2));
        Assert.Equal(2, logger.Entries.Count(e => e.Level == LogLevel.Warning));
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, this);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
