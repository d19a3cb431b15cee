using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using VcspGen.Runtime;
using VcspGen.Runtime.Nats;

namespace VcspGen.Benchmarks;

/// <summary>
/// What a call across nodes adds to the Media relay (issue 16, item 4; PROTOCOL.md §15.6): one Media datagram from
/// node a's <c>PublishMedia</c> (where the group hands each call member's datagram to the cluster, as it relays it to
/// its own call members) to node b's group, which then relays it at once exactly as a single server does
/// (<see cref="MediaRelay"/> measures that relay). Two <see cref="NatsCluster"/> nodes in this process on a real
/// <c>nats-server</c>; node b's group is the benchmark's, counting what arrives. One 188-byte MPEG-TS payload per
/// datagram, one datagram per iteration (P50 and P99 of single datagrams, <see cref="ClusterRelayConfig"/>). Needs
/// <c>nats-server</c> on the PATH; not run in CI.
/// </summary>
[Config(typeof(ClusterRelayConfig))]
public class ClusterMediaHop
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly byte[] _payload = new byte[188];
    private NatsProcess? _nats;
    private NatsCluster? _a;
    private NatsCluster? _b;
    private ClusterLink? _link;
    private Arrivals? _arrivals;
    private uint _timestamp;

    /// <summary>Starts NATS and the two nodes.</summary>
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    /// <summary>One Media datagram from node a's group to node b's.</summary>
    [Benchmark]
    public void MediaAcrossNodes()
    {
        var target = Interlocked.Read(ref _arrivals!.Count) + 1;
        _link!.PublishMedia(1, 33, _timestamp++, _payload);
        var deadline = Stopwatch.GetTimestamp() + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
        while (Interlocked.Read(ref _arrivals.Count) < target)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException("a Media datagram did not arrive at node b");
            }

            Thread.SpinWait(20);
        }
    }

    /// <summary>Stops everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _a?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _nats?.Dispose();
    }

    private async Task SetupAsync()
    {
        _nats = await NatsProcess.StartAsync(Patience).ConfigureAwait(false);
        var url = _nats.Url;
        var options = new GroupOptions { Name = "bench", Address = VcspAddress.IPv4([127, 0, 0, 1], 1) };
        _a = new NatsCluster(url, "a");
        _b = new NatsCluster(url, "b");
        _arrivals = new Arrivals();
        _link = ((VcspCluster)_a).Attach(new Arrivals(), options);
        ((VcspCluster)_b).Attach(_arrivals, options);
        await _a.StartAsync(CancellationToken.None).ConfigureAwait(false);
        await _b.StartAsync(CancellationToken.None).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false); // the subscriptions are in place
        MediaAcrossNodes();
    }

    /// <summary>Node b's group as the cluster reaches it: it counts the Media datagrams of node a.</summary>
    private sealed class Arrivals : IClusterGroup
    {
        public long Count;

        public string Name => "bench";

        public void OnRemoteMedia(string node, ushort memberId, byte codec, uint timestamp, ReadOnlyMemory<byte> data) => Interlocked.Increment(ref Count);

        public void OnClaimResult(string name, long id, bool won)
        {
        }

        public void OnRemoteJoined(RemoteMember member)
        {
        }

        public void OnRemoteLeft(ulong session)
        {
        }

        public bool OnRemoteMessage(string node, ulong session, ReadOnlyMemory<byte> name, uint firstSequence, int fragments, ReadOnlyMemory<byte> framed) => true;

        public void OnRemoteUndelivered(ulong session, uint firstSequence, uint endSequence, byte[] member)
        {
        }

        public void OnKick(ulong session, string by)
        {
        }

        public void OnNotCarried(ulong session, uint firstSequence, uint endSequence)
        {
        }
    }
}
