using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Runtime;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>
/// The group delivery soak (issue 12): one real server and many members on loopback UDP in this process, a few of them
/// sending as fast as their windows allow. It reports the delivered fraction, datagrams per delivery, delivery latency
/// (p50, p99) and memory. Not a BenchmarkDotNet suite: one long run, measured end to end.
/// <c>dotnet run -c Release --project benchmarks/VcspGen.Benchmarks -- soak [--members 1000] [--senders 10] [--messages 100]</c>.
/// </summary>
public static class GroupSoak
{
    /// <summary>Runs the soak and prints its results.</summary>
    /// <param name="args">Options: --members, --senders, --messages, --seconds (the longest wait for delivery).</param>
    /// <returns>0.</returns>
    public static int Run(string[] args)
    {
        int Option(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        }

        var members = Option("--members", 1000);
        var senders = Option("--senders", 10);
        var messages = Option("--messages", 100);
        var seconds = Option("--seconds", 120);
        return RunAsync(members, senders, messages, TimeSpan.FromSeconds(seconds)).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int members, int senders, int messages, TimeSpan patience)
    {
        using var stop = new CancellationTokenSource();
        using var server = new VcspServerHost(IPAddress.Loopback, sipPort: null);

        // Every member is on 127.0.0.1: the join rate per source address is raised, as for clients behind one NAT.
        var group = server.AddGroup(0, binding => new GroupOptions
        {
            Name = "soak",
            Address = binding.Address,
            MaxMembers = members + 1,
            JoinRatePerSource = 100_000,
            JoinRate = 100_000,
        });
        var serving = server.RunAsync(stop.Token);
        var serverAddress = group.Host.LocalAddress;

        var loops = Enumerable.Range(0, Environment.ProcessorCount).Select(i => new EventLoop("soak clients " + i)).ToArray();
        var clients = new List<(UdpHost Host, ClientSession Session, Counter Counter)>();
        var running = new List<Task>();
        var started = Stopwatch.StartNew();
        for (var i = 0; i < members; i++)
        {
            var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
            var counter = new Counter();
            var session = new ClientSession(new ClientOptions { Server = serverAddress, Name = "m" + i.ToString(CultureInfo.InvariantCulture) }, host, TimeProvider.System, counter);
            clients.Add((host, session, counter));
            running.Add(host.RunAsync(session, TimeProvider.System, loops[i % loops.Length], stop.Token));
            host.Invoke(session.Join);
        }

        while (clients.Any(c => c.Session.State != ClientState.Member))
        {
            if (started.Elapsed > patience)
            {
                Console.WriteLine($"only {clients.Count(c => c.Session.State == ClientState.Member)} of {members} joined");
                return 1;
            }

            await Task.Delay(50);
        }

        Console.WriteLine($"{members} members joined in {started.Elapsed.TotalSeconds:F1} s");
        var inBefore = group.Host.DatagramsIn;
        var outBefore = group.Host.DatagramsOut;
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var sending = Stopwatch.StartNew();

        // Each sender pipes its messages as fast as its window takes them (every third one two datagrams long).
        var sends = Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            var (host, session, _) = clients[s];
            for (var i = 0; i < messages; i++)
            {
                var text = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Stopwatch.GetTimestamp()} {s} {i} ") + (i % 3 == 2 ? new string('x', 150) : "soak"));
                while (!host.Invoke(() => session.TrySend(text)))
                {
                    await Task.Delay(1);
                }
            }
        })).ToArray();
        await Task.WhenAll(sends);

        long expected = ((long)members * senders * messages) - ((long)senders * messages);
        long Delivered() => clients.Sum(c => Interlocked.Read(ref c.Counter.Messages));
        while (Delivered() < expected && sending.Elapsed < patience)
        {
            await Task.Delay(100);
        }

        var elapsed = sending.Elapsed;
        var delivered = Delivered();
        var datagrams = (group.Host.DatagramsIn - inBefore) + (group.Host.DatagramsOut - outBefore);
        var latencies = clients.SelectMany(c => c.Counter.Latencies()).Order().ToArray();
        double Percentile(double p) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];
        var lost = clients.Sum(c => c.Counter.Lost);
        var undelivered = clients.Sum(c => c.Counter.Undelivered);
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: false);
        Console.WriteLine($"members {members}, senders {senders}, messages {messages} each, over {elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"delivered {delivered} of {expected}: {100.0 * delivered / expected:F2} %; reported lost datagrams {lost}, undelivered reports {undelivered}");
        // The minimum: one Syn in and one Msg out per receiving member for each datagram of each message (issue 12).
        long minimum = 0;
        for (var s = 0; s < senders; s++)
        {
            for (var i = 0; i < messages; i++)
            {
                var length = Encoding.UTF8.GetByteCount(string.Create(CultureInfo.InvariantCulture, $"{Stopwatch.GetTimestamp()} {s} {i} ") + (i % 3 == 2 ? new string('x', 150) : "soak"));
                minimum += Fragmentation.CountFragments(length, Fragmentation.ChunkSize(("m" + s.ToString(CultureInfo.InvariantCulture)).Length)) * (long)members;
            }
        }

        Console.WriteLine($"server datagrams in+out {datagrams}: {(double)datagrams / Math.Max(1, delivered):F3} per delivered message, {(double)datagrams / minimum:F3} times the minimum ({minimum})");
        Console.WriteLine($"latency p50 {Percentile(0.5):F1} ms, p99 {Percentile(0.99):F1} ms, max {(latencies.Length == 0 ? double.NaN : latencies[^1]):F1} ms");
        Console.WriteLine($"managed heap {memoryBefore / 1048576.0:F1} MiB before sending, {memoryAfter / 1048576.0:F1} MiB after; working set {Environment.WorkingSet / 1048576.0:F1} MiB");

        await stop.CancelAsync();
        await Task.WhenAll(running);
        await serving;
        foreach (var (host, _, _) in clients)
        {
            host.Dispose();
        }

        foreach (var loop in loops)
        {
            loop.Dispose();
        }

        return 0;
    }

    /// <summary>What one member received: its messages and their latencies (the send time travels in the text).</summary>
    private sealed class Counter : IClientEvents
    {
        private readonly List<double> _latencies = [];
        public long Messages;
        public long Lost;
        public long Undelivered;

        public double[] Latencies()
        {
            lock (_latencies)
            {
                return [.. _latencies];
            }
        }

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
        {
            var space = message.IndexOf((byte)' ');
            if (space > 0 && long.TryParse(message[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var sent))
            {
                lock (_latencies)
                {
                    _latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                }
            }

            Interlocked.Increment(ref Messages);
        }

        public void OnJoined(ReadOnlySpan<byte> groupName)
        {
        }

        public void OnClosed(SessionEnd end) => Console.WriteLine("a session ended: " + end);

        public void OnPong(TimeSpan roundTrip)
        {
        }

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }

        public void OnRelayLost(long datagrams) => Interlocked.Add(ref Lost, datagrams);

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) => Interlocked.Increment(ref Undelivered);

        public void OnRejoining(int attempt, TimeSpan delay) => Console.WriteLine($"rejoining, try {attempt}");
    }
}
