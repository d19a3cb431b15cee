using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary><c>AddVcspServer</c> on the generic host: options from configuration, the hosted service, its graceful stop, bind failures.</summary>
public sealed class AddVcspServerTests
{
    private static CancellationToken Stop => TestContext.Current.CancellationToken;

    [Fact]
    public void OptionsBindFromConfiguration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vcsp:Bind"] = "127.0.0.1",
            ["Vcsp:SipPort"] = "5070",
            ["Vcsp:ShutdownGrace"] = "00:00:01",
            ["Vcsp:Groups:0:Name"] = "lobby",
            ["Vcsp:Groups:0:Port"] = "5000",
            ["Vcsp:Groups:0:Owner"] = "admin",
            ["Vcsp:Groups:0:Policy"] = "Drop",
            ["Vcsp:Groups:0:Codecs:0"] = "Mp2t",
            ["Vcsp:Groups:0:Codecs:1"] = "Opus",
            ["Vcsp:Groups:0:MaxMembers"] = "8",
            ["Vcsp:Groups:0:MemberTimeout"] = "00:00:30",
            ["Vcsp:Groups:0:Advertise:0"] = "192.0.2.1:6000",
            ["Vcsp:Groups:1:Name"] = "quiet",
        }).Build();
        var services = new ServiceCollection();
        services.AddOptions<VcspServerOptions>().Bind(configuration.GetSection("Vcsp"));
        services.AddVcspServer(o => o.EventLoops = 1);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<VcspServerOptions>>().Value;
        Assert.Equal(("127.0.0.1", 5070, 1, TimeSpan.FromSeconds(1)), (options.Bind, options.SipPort!.Value, options.EventLoops, options.ShutdownGrace));
        Assert.Equal(["lobby", "quiet"], options.Groups.Select(g => g.Name));
        var lobby = options.Groups[0];
        Assert.Equal((5000, "admin", JoinPolicy.Drop, 8, TimeSpan.FromSeconds(30)), (lobby.Port, lobby.Owner, lobby.Policy, lobby.MaxMembers, lobby.MemberTimeout));
        Assert.Equal([VcspCodec.Mp2t, VcspCodec.Opus], lobby.Codecs);
        Assert.Equal(["192.0.2.1:6000"], lobby.Advertise);
        Assert.Equal((50429, JoinPolicy.Reject, 256), (options.Groups[1].Port, options.Groups[1].Policy, options.Groups[1].MaxMembers)); // the defaults
    }

    [Fact]
    public async Task TheHostedServiceServesAndOnStopShutsTheGroupsDown()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMetrics();
        builder.Services.AddVcspServer(o =>
        {
            o.Bind = "127.0.0.1";
            o.SipPort = 0;
            o.EventLoops = 1;
            o.Groups.Add(new VcspGroupSettings { Name = "lobby", Port = 0 });
            o.Groups.Add(new VcspGroupSettings { Name = "annex", Port = 0, Advertise = { "192.0.2.1:6000" } });
        });
        using var app = builder.Build();
        await app.StartAsync(Stop);

        var server = app.Services.GetRequiredService<VcspServerHost>();
        Assert.Equal(["lobby", "annex"], server.Groups.Select(g => g.Name));
        Assert.NotNull(server.SipEndPoint);
        var lobby = server.Groups[0];
        var left = new ConcurrentQueue<(string, MemberLeaveReason)>();
        lobby.MemberLeft += (m, why) => left.Enqueue((m.Name, why));

        // Its metrics come from the container's IMeterFactory.
        var metrics = app.Services.GetRequiredService<VcspMetrics>();
        using var members = new MetricCollector<int>(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), VcspMetrics.MeterName, "vcsp.server.members");

        var events = new TaskEvents();
        using var client = new VcspClientHost(new ClientHostOptions { Client = new ClientOptions { Server = VcspAddress.FromEndPoint(lobby.LocalEndPoint), Name = "alice" } }, events, events);
        using var clientStop = CancellationTokenSource.CreateLinkedTokenSource(Stop);
        var running = client.RunAsync(clientStop.Token);
        client.Invoke(c => c.Join());
        await events.Joined.Task.WaitAsync(TimeSpan.FromSeconds(10), Stop);
        var listed = await lobby.ListMembersAsync(Stop);
        Assert.Equal("alice", Assert.Single(listed).Name);
        members.RecordObservableInstruments();
        Assert.Equal(1, members.GetMeasurementSnapshot().Single(m => (string?)m.Tags["group"] == "lobby").Value);
        Assert.NotSame(VcspMetrics.Default, metrics);

        // The admin API kicks a member as the owner's KICK does: the client is told it was kicked.
        var kickedEvents = new TaskEvents();
        using var bob = new VcspClientHost(new ClientHostOptions { Client = new ClientOptions { Server = VcspAddress.FromEndPoint(lobby.LocalEndPoint), Name = "bob" } }, kickedEvents, kickedEvents);
        var bobRunning = bob.RunAsync(clientStop.Token);
        bob.Invoke(c => c.Join());
        await kickedEvents.Joined.Task.WaitAsync(TimeSpan.FromSeconds(10), Stop);
        Assert.True(await lobby.KickAsync("bob", "enough", Stop));
        Assert.Equal(CloseReason.Kicked, (await kickedEvents.Closed.Task.WaitAsync(TimeSpan.FromSeconds(10), Stop)).Reason);
        Assert.False(await lobby.KickAsync("bob", cancellationToken: Stop));

        await app.StopAsync(Stop);
        Assert.Equal([("bob", MemberLeaveReason.Kicked), ("alice", MemberLeaveReason.ServerShutdown)], left);
        Assert.True(lobby.Invoke(g => g.IsShutDown));
        await clientStop.CancelAsync();
        await Task.WhenAll(running, bobRunning);
    }

    [Fact]
    public async Task AGroupPortInUseFailsTheStartNamingTheGroupAndThePort()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVcspServer(o =>
        {
            o.Bind = "127.0.0.1";
            o.SipPort = null;
            o.Groups.Add(new VcspGroupSettings { Name = "busy", Port = port });
        });
        using var app = builder.Build();

        var failure = await Assert.ThrowsAsync<VcspBindException>(() => app.StartAsync(Stop));
        Assert.StartsWith($"cannot bind the UDP port of group busy on 127.0.0.1:{port}: ", failure.Message);
        Assert.Equal(SocketError.AddressAlreadyInUse, failure.SocketErrorCode);
        Assert.Equal(port, failure.EndPoint.Port);
    }

    [Fact]
    public void ASipPortInUseIsNamedAsTheSipPort()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        var failure = Assert.Throws<VcspBindException>(() => new VcspServerHost(IPAddress.Loopback, port, eventLoops: 1));
        Assert.StartsWith($"cannot bind the SIP port (UDP and TCP) on 127.0.0.1:{port}: ", failure.Message);
        Assert.IsAssignableFrom<SocketException>(failure); // code that caught the SocketException still does
    }

    [Fact]
    public async Task InvalidOptionsFailTheStartSayingWhat()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVcspServer(o =>
        {
            o.Bind = "not-an-address";
            o.Groups.Add(new VcspGroupSettings { Name = "a", Port = 70000 });
            o.Groups.Add(new VcspGroupSettings { Name = "a", Advertise = { "nowhere" } });
        });
        using var app = builder.Build();
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Stop));
        Assert.Equal(
            new[]
            {
                "Bind: 'not-an-address' is not an IP address",
                "Groups 'a': Port 70000 is not a port (0 to 65535)",
                "Groups 'a': two groups have that name",
                "Groups 'a': Advertise 'nowhere' is not HOST:PORT",
            },
            failure.Failures);
    }

    private sealed class TaskEvents : IClientEvents, IDirectMessageEvents
    {
        public TaskCompletionSource Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<SessionEnd> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnJoined(ReadOnlySpan<byte> groupName) => Joined.TrySetResult();

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
        {
        }

        public void OnClosed(SessionEnd end) => Closed.TrySetResult(end);

        public void OnPong(TimeSpan roundTrip)
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
}
