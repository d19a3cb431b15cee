using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using VcspGen.Runtime;
using VcspGen.Runtime.Nats;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>
/// A group spread over two nodes on a real <c>nats-server</c> (issue 16, item 6): one sender's messages to a member of
/// the other node (<c>cross node</c>), against a member of the sender's own node in the same cluster
/// (<c>same node</c>) and a group of one server with no cluster (<c>single</c>), in the same run. Real UDP on loopback,
/// real NATS with JetStream on a free loopback port and a temporary store, the members <see cref="ClientSession"/>s
/// on their own sockets. <see cref="Latency"/> times one message from the sender's <c>TrySend</c> to the receiver's
/// <c>OnMessage</c>, one message per iteration (P50 and P99 columns); <see cref="Throughput"/> times bursts of
/// <see cref="Burst"/> messages until the last one arrives. The groups' <see cref="GroupOptions.RelayQuiet"/> is zero:
/// the protocol's deliberate 100 ms of sender silence is the same on every path and is not what is measured.
/// Needs <c>nats-server</c> on the PATH; not run in CI.
/// </summary>
[Config(typeof(ClusterRelayConfig))]
public class ClusterRelay
{
    /// <summary>Messages per <see cref="Throughput"/> invocation.</summary>
    public const int Burst = 256;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly CancellationTokenSource _stop = new();
    private NatsProcess? _nats;
    private NatsCluster? _clusterA;
    private NatsCluster? _clusterB;
    private VcspServerHost? _a;
    private VcspServerHost? _b;
    private EventLoop? _clientLoop;
    private UdpHost? _senderHost;
    private UdpHost? _receiverHost;
    private ClientSession? _sender;
    private Receiver? _receiver;
    private byte[] _text = Encoding.UTF8.GetBytes(new string('m', 64));

    /// <summary>Where the receiver is.</summary>
    [Params("single", "same node", "cross node")]
    public string Path { get; set; } = "cross node";

    /// <summary>Starts NATS and the nodes (or the single server), and joins the sender and the receiver.</summary>
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    /// <summary>One message from the sender to the receiver.</summary>
    [Benchmark]
    public void Latency() => SendAndWait(1);

    /// <summary><see cref="Burst"/> messages from the sender until the receiver has the last (time per message).</summary>
    [Benchmark(OperationsPerInvoke = Burst)]
    public void Throughput() => SendAndWait(Burst);

    /// <summary>Stops everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _stop.Cancel();
        _senderHost?.Dispose();
        _receiverHost?.Dispose();
        _clientLoop?.Dispose();
        _a?.Dispose();
        _b?.Dispose();
        _clusterA?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _clusterB?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _nats?.Dispose();
    }

    private void SendAndWait(int count)
    {
        var target = Interlocked.Read(ref _receiver!.Messages) + count;
        var sent = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
        while (Interlocked.Read(ref _receiver.Messages) < target)
        {
            if (sent < count && _senderHost!.Invoke(() => _sender!.TrySend(_text)))
            {
                sent++;
                continue;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"{Path}: {Interlocked.Read(ref _receiver.Messages)} of {target} received, {sent} of {count} sent");
            }

            Thread.SpinWait(20);
        }
    }

    private async Task SetupAsync()
    {
        GroupOptions Options(GroupBinding binding) => new() { Name = "bench", Address = binding.Address, RelayQuiet = TimeSpan.Zero };
        VcspAddress senderServer;
        VcspAddress receiverServer;
        if (Path == "single")
        {
            _a = new VcspServerHost(IPAddress.Loopback, sipPort: null);
            senderServer = receiverServer = _a.AddGroup(0, Options).Host.LocalAddress;
        }
        else
        {
            _nats = await NatsProcess.StartAsync(Patience).ConfigureAwait(false);
            var url = _nats.Url;
            _clusterA = new NatsCluster(url, "a");
            _clusterB = new NatsCluster(url, "b");
            _a = new VcspServerHost(IPAddress.Loopback, sipPort: null, cluster: _clusterA);
            _b = new VcspServerHost(IPAddress.Loopback, sipPort: null, cluster: _clusterB);
            senderServer = _a.AddGroup(0, Options).Host.LocalAddress;
            var other = _b.AddGroup(0, Options).Host.LocalAddress;
            await _clusterA.StartAsync(_stop.Token).ConfigureAwait(false);
            await _clusterB.StartAsync(_stop.Token).ConfigureAwait(false);
            receiverServer = Path == "same node" ? senderServer : other;
        }

        _ = _a.RunAsync(_stop.Token);
        _ = _b?.RunAsync(_stop.Token);
        _clientLoop = new EventLoop("bench clients");
        (_senderHost, _sender, _) = await JoinAsync(senderServer, "sender").ConfigureAwait(false);
        (_receiverHost, _, _receiver) = await JoinAsync(receiverServer, "receiver").ConfigureAwait(false);

        // Until the sender's node lists the receiver (the cluster's bucket), a message could go before it joined.
        await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        SendAndWait(1);
    }

    private async Task<(UdpHost Host, ClientSession Session, Receiver Events)> JoinAsync(VcspAddress server, string name)
    {
        var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
        var events = new Receiver();
        var session = new ClientSession(new ClientOptions { Server = server, Name = name }, host, TimeProvider.System, events);
        _ = host.RunAsync(session, TimeProvider.System, _clientLoop!, _stop.Token);
        host.Invoke(session.Join);
        var deadline = DateTime.UtcNow + Patience;
        while (host.Invoke(() => session.State) != ClientState.Member)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{name} did not join {server}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return (host, session, events);
    }

    /// <summary>Counts what the receiver gets.</summary>
    private sealed class Receiver : IClientEvents
    {
        public long Messages;

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) => Interlocked.Increment(ref Messages);

        public void OnJoined(ReadOnlySpan<byte> groupName)
        {
        }

        public void OnClosed(SessionEnd end) => Console.WriteLine("the receiver's session ended: " + end);

        public void OnPong(TimeSpan roundTrip)
        {
        }

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }

        public void OnRelayLost(long datagrams) => Console.WriteLine($"the receiver lost {datagrams} datagrams");

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence)
        {
        }

        public void OnRejoining(int attempt, TimeSpan delay)
        {
        }
    }
}
