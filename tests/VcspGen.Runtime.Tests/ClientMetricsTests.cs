using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>A client's metrics: its socket's datagrams, relay losses, undelivered reports, rejoins and round trips, tagged with its server.</summary>
public sealed class ClientMetricsTests
{
    private static readonly KeyValuePair<string, object?> Server = new("server", "127.0.0.1:50429");

    [Fact]
    public async Task TheReportsAClientHandsItsApplicationAreCounted()
    {
        using var metrics = new VcspMetrics();
        using var lost = new MetricCollector<long>(metrics.Meter, "vcsp.client.relay.lost");
        using var undelivered = new MetricCollector<long>(metrics.Meter, "vcsp.client.undelivered");
        using var rejoins = new MetricCollector<long>(metrics.Meter, "vcsp.client.rejoins");
        using var roundTrips = new MetricCollector<double>(metrics.Meter, "vcsp.client.round_trip");
        var events = new RecordingEvents();
        var queue = new EventQueue(16, events, new NoDirectMessages(), null, metrics, Server);

        queue.OnRelayLost(3);
        queue.OnRelayLost(4);
        queue.OnUndelivered("carol"u8, 10, 12);
        queue.OnRejoining(1, TimeSpan.FromSeconds(1));
        queue.OnRejoining(2, TimeSpan.FromSeconds(2));
        queue.OnPong(TimeSpan.FromMilliseconds(12.5));
        queue.Complete();
        await queue.DispatchAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(7, lost.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(1, undelivered.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(2, rejoins.GetMeasurementSnapshot().Sum(m => m.Value));
        var roundTrip = Assert.Single(roundTrips.GetMeasurementSnapshot());
        Assert.Equal(12.5, roundTrip.Value);
        Assert.Equal("127.0.0.1:50429", roundTrip.Tags["server"]);
        Assert.Equal(6, events.Log.Count); // and every report still reaches the application
    }

    [Fact]
    public async Task AHostedClientsDatagramsAndRoundTripAreMeasured()
    {
        using var metrics = new VcspMetrics();
        using var server = new VcspServerHost(IPAddress.Loopback, sipPort: null, eventLoops: 1);
        var lobby = server.AddGroup(0, bound => new GroupOptions { Name = "lobby", Address = bound.Address });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var serving = server.RunAsync(stop.Token, TimeSpan.Zero);

        var events = new PongEvents();
        var address = VcspAddress.FromEndPoint(lobby.LocalEndPoint);
        using var client = new VcspClientHost(new ClientHostOptions { Client = new ClientOptions { Server = address, Name = "alice" }, Metrics = metrics }, events, events);
        using var roundTrips = new MetricCollector<double>(metrics.Meter, "vcsp.client.round_trip");
        var running = client.RunAsync(stop.Token);
        client.Invoke(c => c.Join());
        await events.Joined.Task.WaitAsync(TimeSpan.FromSeconds(10), stop.Token);
        client.Invoke(c => c.Group.Ping());
        await events.Ponged.Task.WaitAsync(TimeSpan.FromSeconds(10), stop.Token);

        // Read when collected, from the socket's own counters: the listener came after the datagrams.
        using var sent = new MetricCollector<long>(metrics.Meter, "vcsp.client.datagrams.sent");
        using var received = new MetricCollector<long>(metrics.Meter, "vcsp.client.datagrams.received");
        sent.RecordObservableInstruments();
        received.RecordObservableInstruments();
        Assert.InRange(sent.LastMeasurement!.Value, 3, client.Host.DatagramsOut); // JoinRequest, the confirming Ack, Ping (a keepalive may follow)
        Assert.InRange(received.LastMeasurement!.Value, 3, client.Host.DatagramsIn); // Response, Ack, Pong
        Assert.Equal(address.ToString(), sent.LastMeasurement.Tags["server"]);
        Assert.Single(roundTrips.GetMeasurementSnapshot());

        await stop.CancelAsync();
        await Task.WhenAll(serving, running);
    }

    private sealed class PongEvents : IClientEvents, IDirectMessageEvents
    {
        public TaskCompletionSource Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Ponged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnJoined(ReadOnlySpan<byte> groupName) => Joined.TrySetResult();

        public void OnPong(TimeSpan roundTrip) => Ponged.TrySetResult();

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
        {
        }

        public void OnClosed(SessionEnd end)
        {
        }

        public void OnRejoining(int attempt, TimeSpan delay)
        {
        }

        public void OnRelayLost(long datagrams)
        {
        }

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence)
        {
        }

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
        {
        }
    }

    private sealed class NoDirectMessages : IDirectMessageEvents
    {
        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
        {
        }
    }
}
