using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Runtime;
using VcspGen.Runtime.Nats;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// "Not delivered" across nodes (issue 16, item 2; PROTOCOL.md §15.2): a member of one node that holds its node's relay
/// log back is skipped there, and the sender on the other node is told, by name, which of its messages that member
/// missed. Two hosts in this process on a real <c>nats-server</c>; the lagging member is a raw socket that joined and
/// never acknowledges; the relay log is small and the lag limit short, so the skip comes within a second.
/// </summary>
[Collection(nameof(ClusterAlone))]
public sealed class ClusterUndeliveredTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AMemberSkippedOnAnotherNodeIsReportedToTheSenderByName()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var nats = await NatsServer.StartAsync();
        await using var clusterA = new NatsCluster(nats.Url, "a");
        await using var clusterB = new NatsCluster(nats.Url, "b");
        using var a = new VcspServerHost(IPAddress.Loopback, sipPort: null, cluster: clusterA);
        using var b = new VcspServerHost(IPAddress.Loopback, sipPort: null, cluster: clusterB);
        static GroupOptions Options(GroupBinding binding) => new() { Name = "lobby", Address = binding.Address, RelayLogSize = 16, LagLimit = TimeSpan.FromMilliseconds(300) };
        var groupA = a.AddGroup(0, Options);
        var groupB = b.AddGroup(0, Options);
        await clusterA.StartAsync(cancel);
        await clusterB.StartAsync(cancel);
        using var stop = new CancellationTokenSource();
        var runs = Task.WhenAll(a.RunAsync(stop.Token, TimeSpan.Zero), b.RunAsync(stop.Token, TimeSpan.Zero));

        // mallory joins node b and never acknowledges a Msg.
        var (mallory, _) = await Loopback.JoinAsync(groupB.LocalEndPoint.Port, "mallory", Patience);
        using var lagging = mallory;
        var events = new Reports();
        using var alice = new VcspClientHost(new ClientHostOptions { Client = new ClientOptions { Server = groupA.Host.LocalAddress, Name = "alice" }, Bind = IPAddress.Loopback }, events, events);
        var aliceRun = alice.RunAsync(stop.Token);
        alice.Invoke(c => c.Join());
        await Eventually.UntilAsync(() => alice.Invoke(c => c.Group.State) == ClientState.Member, "alice joined", Patience);
        await Eventually.UntilAsync(() => groupA.Invoke(g => g.RemoteMemberCount) == 1, "node a lists mallory", Patience);

        // alice sends 60 messages: node b relays them to mallory until its log of 16 is full, waits 300 ms, skips her.
        for (var i = 0; i < 60; i++)
        {
            var text = Encoding.UTF8.GetBytes("m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Eventually.UntilAsync(() => alice.Invoke(c => c.Group.TrySend(text)), "alice's queue took message " + i, Patience);
        }

        await Eventually.UntilAsync(() => events.Undelivered.ContainsKey("mallory"), "alice heard that mallory missed messages", Patience);
        Assert.True(groupB.Invoke(g => g.SkippedDatagrams) > 0);
        Assert.DoesNotContain("other nodes", events.Undelivered.Keys); // carried to node b: nothing failed between the nodes
        await stop.CancelAsync();
        await runs;
        await aliceRun;
    }

    /// <summary>Who missed alice's messages, as the Error Undelivered reports name them.</summary>
    private sealed class Reports : IClientEvents, IDirectMessageEvents
    {
        public ConcurrentDictionary<string, int> Undelivered { get; } = new(StringComparer.Ordinal);

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) =>
            Undelivered.AddOrUpdate(Encoding.UTF8.GetString(member), 1, (_, n) => n + 1);

        public void OnJoined(ReadOnlySpan<byte> groupName)
        {
        }

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
        {
        }

        public void OnClosed(SessionEnd end)
        {
        }

        public void OnPong(TimeSpan roundTrip)
        {
        }

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }

        public void OnRelayLost(long datagrams)
        {
        }

        public void OnRejoining(int attempt, TimeSpan delay)
        {
        }

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
        {
        }
    }
}
