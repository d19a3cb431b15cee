using System;
using System.Linq;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>The call as operators see it: its gauges, counters and log lines, and what a shutdown sends its members.</summary>
public sealed class CallObservabilityTests
{
    [Fact]
    public void CallGaugesAndCountersFollowTheCall()
    {
        using var metrics = new VcspMetrics();
        using var started = new MetricCollector<long>(metrics.Meter, "vcsp.server.calls.started");
        using var ended = new MetricCollector<long>(metrics.Meter, "vcsp.server.calls.ended");
        using var media = new MetricCollector<long>(metrics.Meter, "vcsp.server.media.relayed");
        var lab = new CallLab(metrics: metrics);
        var alice = lab.JoinCall("alice");
        lab.JoinCall("bob");
        lab.JoinCall("carol");

        // The gauges are read after the fact, by a collector made now.
        using var active = new MetricCollector<int>(metrics.Meter, "vcsp.server.calls.active");
        using var callMembers = new MetricCollector<int>(metrics.Meter, "vcsp.server.call.members");
        active.RecordObservableInstruments();
        callMembers.RecordObservableInstruments();
        Assert.Equal(1, active.LastMeasurement!.Value);
        Assert.Equal(3, callMembers.LastMeasurement!.Value);

        lab.Server.Receive(Datagrams.Encode(new Media { Challenge = alice.Call.CallChallenge!.Value, Timestamp = 1, Codec = alice.Call.Codec, Data = new byte[188] }), alice.Address);
        Assert.Equal(2, media.GetMeasurementSnapshot().Sum(m => m.Value)); // to bob and carol

        lab.Server.CloseCall();
        lab.Pump();
        active.RecordObservableInstruments();
        callMembers.RecordObservableInstruments();
        Assert.Equal(0, active.LastMeasurement.Value);
        Assert.Equal(0, callMembers.LastMeasurement.Value);
        Assert.Equal(1, started.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(1, ended.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public void RefusedSipMessagesAreCounted()
    {
        using var metrics = new VcspMetrics();
        using var refused = new MetricCollector<long>(metrics.Meter, "vcsp.server.sip.refused");
        var lab = new CallLab(metrics: metrics);
        var options = Sip.SipMessage.Request("REGISTER", "sip:vcsp@127.0.0.1:5060") // a method the server does not take (OPTIONS it answers 200)
            .With("Via", "SIP/2.0/UDP 127.0.0.1:7001;branch=z9hG4bKx")
            .With("From", "<sip:x@127.0.0.1>;tag=1")
            .With("To", "<sip:vcsp@127.0.0.1>")
            .With("Call-ID", "c1")
            .With("CSeq", "1 REGISTER");
        lab.Server.ReceiveSip(options, new Sip.SipPeer(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 7001), SipTransport.Udp));
        Assert.Equal(1, refused.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(lab.Server.SipDropped, refused.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public void TheCallIsLoggedAsItStartsGainsAndLosesMembersAndEnds()
    {
        var logger = new ListLogger();
        var lab = new CallLab(logger: logger);
        var alice = lab.JoinCall("alice");
        lab.JoinCall("bob");
        Assert.True(alice.Call.Leave());
        lab.Pump();
        lab.Server.CloseCall();
        lab.Pump();

        var lines = logger.Entries.Where(e => e.Level == LogLevel.Information && e.Line.Contains("call", StringComparison.Ordinal) && !e.Line.Contains("INVITE", StringComparison.Ordinal)).Select(e => e.Line).ToArray();
        Assert.Equal(
            new[]
            {
                "Group lobby: the call started",
                "Group lobby: alice (127.0.0.1:6001) is in the call as call member 1 (codec 111); 1 in the call",
                "Group lobby: bob (127.0.0.1:6002) is in the call as call member 2 (codec 111); 2 in the call",
                "Group lobby: alice (127.0.0.1:6001) left the call; 1 in the call",
                "Group lobby: bob (127.0.0.1:6002) left the call; 0 in the call",
                "Group lobby: the call ended",
            },
            lines);
    }

    [Fact]
    public void ShutdownSendsEveryCallMemberAByeAndRemovesEveryMember()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var bob = lab.JoinCall("bob");
        lab.AddMember("carol");
        lab.Sip.Log.Clear();
        lab.Server.Shutdown();
        lab.Pump();

        var byes = lab.Sip.Log.Where(m => m.Message.IsRequest && m.Message.Method == "BYE").Select(m => m.To).ToArray();
        Assert.Equal(2, byes.Length);
        Assert.Contains(alice.SipEndPoint, byes);
        Assert.Contains(bob.SipEndPoint, byes);
        Assert.All(new[] { alice, bob }, m => Assert.Equal(CallState.Idle, m.Call.State));
        Assert.Equal(0, lab.Server.MemberCount);
        Assert.Equal(0, lab.Server.CallMemberCount);
    }
}
