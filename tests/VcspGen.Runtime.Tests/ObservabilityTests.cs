using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>What operators see: metrics on the VcspGen.Runtime meter, and every drop logged with its reason.</summary>
public sealed class ObservabilityTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);
    private static readonly VcspAddress Alice = VcspAddress.IPv4([127, 0, 0, 1], 40001);


    [Fact]
    public void CountersReportDatagramsDropsByReasonAndMembers()
    {
        // A unique group name isolates this test's measurements from other tests running at the same time.
        var groupName = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        var totals = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == VcspMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? group = null, reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "group")
                {
                    group = tag.Value as string;
                }
                else if (tag.Key == "reason")
                {
                    reason = tag.Value as string;
                }
            }

            if (group == groupName)
            {
                var key = reason is null ? instrument.Name : instrument.Name + "/" + reason;
                totals[key] = totals.GetValueOrDefault(key) + value;
            }
        });
        listener.Start();

        var sink = new RecordingSink();
        var server = new GroupServer(new GroupOptions { Name = groupName, Address = Group }, sink, new ManualTimeProvider());
        server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 1, Server = Group, Name = "alice"u8 }), Alice);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(sink.Take()[0].Datagram, out var response));
        server.Receive(Encode(new Ack { Challenge = response.Challenge, Sequence = 2, Flags = AckFlags.ReplyRequested }), Alice); // the confirmation: now a member
        server.Receive(Encode(new Syn { Challenge = 0x0001, Sequence = 2, Data = "spoof"u8 }), VcspAddress.IPv4([127, 0, 0, 1], 40009));
        server.Receive([1, 2, 3], Alice);

        Assert.Equal(4, totals["vcsp.server.datagrams.received"]);
        Assert.Equal(2, totals["vcsp.server.datagrams.sent"]);
        Assert.Equal(1, totals["vcsp.server.members"]);
        Assert.Equal(1, totals["vcsp.server.drops/UnknownSender"]);
        Assert.Equal(1, totals["vcsp.server.drops/Malformed"]);
        Assert.Equal(server.Dropped(DropReason.UnknownSender), totals["vcsp.server.drops/UnknownSender"]);
    }

    [Fact]
    public void EveryDropIsLoggedWithItsReason()
    {
        var logger = new ListLogger();
        var server = new GroupServer(new GroupOptions { Name = "logged", Address = Group }, new RecordingSink(), new ManualTimeProvider(), logger);
        server.Receive(Encode(new Fin { Challenge = 0x0101, Sequence = 1 }), Alice);
        server.Receive([0xFF], Alice);
        Assert.Equal(
            new[] { "Dropped a datagram from 127.0.0.1:40001: UnknownSender", "Dropped a datagram from 127.0.0.1:40001: Malformed" },
            logger.Lines.ToArray());
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
