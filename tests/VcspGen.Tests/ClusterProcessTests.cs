using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// One group on three <c>vcsp server</c> nodes of a cluster on a real <c>nats-server</c> (issue 16, item 6), with real
/// <c>vcsp client</c> processes on each node: chat exactly once and in order across the nodes, fragments, the name
/// race, LIST, INFO, WHOIS and KICK across nodes, a node killed with SIGKILL, and the NATS server restarted
/// mid-conversation. The collection runs alone: a dozen processes on two cores is load enough.
/// </summary>
[Collection(nameof(ClusterAlone))]
public sealed class ClusterProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EveryMemberOnEveryNodeReceivesEveryMessageOnceAndInEachSendersOrder()
    {
        using var nats = await NatsServer.StartAsync();
        var scrapePorts = new[] { Loopback.FreeTcpPort(), Loopback.FreeTcpPort(), Loopback.FreeTcpPort() };
        using var cluster = await Cluster.StartAsync(nats, 3, i => ["--prometheus", "127.0.0.1:" + scrapePorts[i].ToString(CultureInfo.InvariantCulture)]);
        var names = new[] { "ann", "ben", "cat", "dan", "eve", "fay" };
        var clients = new List<VcspProcess>();
        try
        {
            for (var i = 0; i < names.Length; i++)
            {
                clients.Add(VcspProcess.Start("client", "--server", cluster.Address(i % 3), "--name", names[i]));
            }

            foreach (var client in clients)
            {
                await client.WaitForAsync("joined lobby", Patience);
            }

            // Everyone knows everyone before anyone speaks: a member is relayed what is sent after it joined.
            await WaitForListAsync(clients[0], names, Patience);
            const int Count = 15;
            var fragmented = "long:" + string.Concat(Enumerable.Range(0, 60).Select(i => i.ToString("D4", CultureInfo.InvariantCulture) + "-")); // 305 bytes: three fragments
            foreach (var (client, name) in clients.Zip(names))
            {
                for (var k = 0; k < Count; k++)
                {
                    await client.Input.WriteLineAsync($"m {name} {k}");
                }

                if (name == "ann")
                {
                    await client.Input.WriteLineAsync(fragmented);
                }

                await client.Input.FlushAsync(TestContext.Current.CancellationToken);
            }

            for (var r = 0; r < clients.Count; r++)
            {
                var receiver = clients[r];
                var expected = ((names.Length - 1) * Count) + (r == 0 ? 0 : 1);
                var deadline = DateTime.UtcNow + Patience;
                while (Received(receiver).Count < expected)
                {
                    Assert.True(DateTime.UtcNow < deadline, $"{names[r]} received {Received(receiver).Count} of {expected}:\n{string.Join('\n', receiver.Lines.TakeLast(30))}");
                    await Task.Delay(50, TestContext.Current.CancellationToken);
                }
            }

            await Task.Delay(1000, TestContext.Current.CancellationToken); // nothing more arrives: no duplicates
            for (var r = 0; r < clients.Count; r++)
            {
                var lines = Received(clients[r]);
                foreach (var sender in names.Where(n => n != names[r]))
                {
                    var fromSender = lines.Where(l => l.StartsWith($"<{sender}> m ", StringComparison.Ordinal)).ToList();
                    Assert.Equal(Enumerable.Range(0, Count).Select(k => $"<{sender}> m {sender} {k}"), fromSender);
                }

                if (r != 0)
                {
                    Assert.Single(lines, l => l == "<ann> " + fragmented);
                }
            }

            // Each node shows its cluster traffic: every node carried its two members' messages out and relayed the
            // other four's in, and measured the lag of what it took in.
            using var http = new System.Net.Http.HttpClient { Timeout = Patience };
            for (var node = 0; node < 3; node++)
            {
                var url = $"http://127.0.0.1:{scrapePorts[node]}/metrics";
                var scrape = string.Empty;
                var deadline = DateTime.UtcNow + Patience;
                while (!(Metric(scrape, "vcsp_cluster_messages_received_total") >= (4 * Count) + (node == 0 ? 0 : 1) && Metric(scrape, "vcsp_cluster_messages_sent_total") >= (2 * Count) + (node == 0 ? 1 : 0)))
                {
                    Assert.True(DateTime.UtcNow < deadline, $"node n{node}'s scrape:\n{scrape}");
                    await Task.Delay(200, TestContext.Current.CancellationToken);
                    scrape = await http.GetStringAsync(url, TestContext.Current.CancellationToken);
                }

                Assert.True(Metric(scrape, "vcsp_cluster_lag_milliseconds_count") > 0, scrape);
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task TwoMembersRacingForOneNameOnTwoNodesOneWinsAndTheOtherIsRefusedNameInUse()
    {
        using var nats = await NatsServer.StartAsync();
        using var cluster = await Cluster.StartAsync(nats, 2);
        for (var round = 0; round < 3; round++)
        {
            var name = "zed" + round.ToString(CultureInfo.InvariantCulture);
            using var first = VcspProcess.Start("client", "--server", cluster.Address(0), "--name", name);
            using var second = VcspProcess.Start("client", "--server", cluster.Address(1), "--name", name);
            var deadline = DateTime.UtcNow + Patience;
            while (!(Decided(first) && Decided(second)))
            {
                Assert.True(DateTime.UtcNow < deadline, $"not decided:\n{string.Join('\n', first.Lines)}\n--\n{string.Join('\n', second.Lines)}");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            var joined = new[] { first, second }.Count(c => c.Lines.Contains("joined lobby"));
            var refused = new[] { first, second }.Count(c => c.Lines.Any(l => l.Contains("rejected: NameInUse", StringComparison.Ordinal)));
            Assert.True(joined == 1 && refused == 1, $"round {round}: {joined} joined, {refused} refused:\n{string.Join('\n', first.Lines)}\n--\n{string.Join('\n', second.Lines)}");
        }

        static bool Decided(VcspProcess client) => client.Lines.Any(l => l == "joined lobby" || l.Contains("rejected:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListInfoWhoisAndKickAnswerForTheWholeGroupAndALeaveIsSeenOnEveryNode()
    {
        using var nats = await NatsServer.StartAsync();
        using var cluster = await Cluster.StartAsync(nats, 3, "--owner", "carol");
        using var carol = VcspProcess.Start("client", "--server", cluster.Address(0), "--name", "carol");
        using var dave = VcspProcess.Start("client", "--server", cluster.Address(1), "--name", "dave");
        using var erin = VcspProcess.Start("client", "--server", cluster.Address(2), "--name", "erin");
        foreach (var client in new[] { carol, dave, erin })
        {
            await client.WaitForAsync("joined lobby", Patience);
        }

        await WaitForListAsync(dave, ["carol", "dave", "erin"], Patience);
        await AskUntilAsync(dave, "/info", "  nodes=n0,n1,n2"); // the nodes are heard within a heartbeat of starting
        Assert.Contains("  members=3", dave.Lines);
        Assert.Contains("  node=n1", dave.Lines);

        // A DM by name asks WHOIS of dave's node, which answers with erin's address on n2.
        await SayAsync(dave, "/dm erin across the nodes");
        await erin.WaitForAsync("[dm dave@", Patience);
        Assert.Contains(erin.Lines, l => l.StartsWith("[dm dave@", StringComparison.Ordinal) && l.EndsWith("] across the nodes", StringComparison.Ordinal));

        // The owner on n0 kicks erin, a member of n2: n2 kicks her, and she leaves the group everywhere.
        await WaitForListAsync(carol, ["carol", "dave", "erin"], Patience);
        await SayAsync(carol, "/kick erin");
        await erin.WaitForAsync("closed: kicked", Patience);
        await WaitForListAsync(dave, ["carol", "dave"], Patience);

        // dave leaves on n1: carol's node stops listing him.
        await SayAsync(dave, "/quit");
        await WaitForListAsync(carol, ["carol"], Patience);
    }

    [Fact]
    public async Task ANodeKilledWithSigkillIsCountedDownAndItsMembersLeaveTheGroupAndTheirNamesAreFree()
    {
        using var nats = await NatsServer.StartAsync();
        using var cluster = await Cluster.StartAsync(nats, 2);
        var (alice, bob) = await AliceOnN0AndBobOnN1Async(cluster);
        using var aliceRunning = alice;
        using var bobRunning = bob;

        await cluster.Node(0).SignalAsync("KILL");
        var killed = Stopwatch.StartNew();
        await WaitForListAsync(bob, ["bob"], Patience);
        TestContext.Current.SendDiagnosticMessage($"node n0 killed: its member left the list on n1 after {killed.Elapsed.TotalSeconds:F1} s");
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(20), $"took {killed.Elapsed}");
        await cluster.Node(1).WaitForAsync("node n0 is down", Patience);

        // Her name is free: she joins the node that is left.
        using var aliceAgain = VcspProcess.Start("client", "--server", cluster.Address(1), "--name", "alice");
        await aliceAgain.WaitForAsync("joined lobby", Patience);
        await SayAsync(aliceAgain, "on n1 now");
        await bob.WaitForAsync("<alice> on n1 now", Patience);
    }

    [Fact]
    public async Task AMemberOfANodeKilledWithSigkillRejoinsAnotherNodeByItselfAndChatsOn()
    {
        using var nats = await NatsServer.StartAsync();
        using var cluster = await Cluster.StartAsync(nats, 2);
        var (alice, bob) = await AliceOnN0AndBobOnN1Async(cluster, "--server", cluster.Address(1), "--keepalive", "1");
        using var aliceRunning = alice;
        using var bobRunning = bob;

        await cluster.Node(0).SignalAsync("KILL");
        var killed = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + Patience;
        while (alice.Lines.Count(l => l == "joined lobby") < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "alice did not join the other node:\n" + string.Join('\n', alice.Lines));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        TestContext.Current.SendDiagnosticMessage($"node n0 killed: alice joined n1 by herself after {killed.Elapsed.TotalSeconds:F1} s");
        Assert.Contains(alice.Lines, l => l.Contains("rejoining", StringComparison.Ordinal));
        await SayAsync(alice, "on the other node");
        await bob.WaitForAsync("<alice> on the other node", Patience);
        await WaitForListAsync(bob, ["alice", "bob"], Patience);
    }

    [Fact]
    public async Task ACallsMediaFromAMemberOfOneNodeReachesTheCallMembersOfAnotherByteForByte()
    {
        var folder = System.IO.Directory.CreateTempSubdirectory("vcsp-cluster-call-").FullName;
        try
        {
            var sent = System.IO.Path.Combine(folder, "sent.ts");
            var recorded = System.IO.Path.Combine(folder, "bob.ts");
            Assert.Equal(0, await RunAsync("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "1", "-c:v", "mpeg2video", "-b:v", "200k", "-f", "mpegts", sent));
            var bytes = await System.IO.File.ReadAllBytesAsync(sent, TestContext.Current.CancellationToken);

            using var nats = await NatsServer.StartAsync();
            var scrapePort = Loopback.FreeTcpPort();
            using var cluster = await Cluster.StartAsync(nats, 2, i => i == 1 ? ["--prometheus", "127.0.0.1:" + scrapePort.ToString(CultureInfo.InvariantCulture)] : []);
            using var bob = VcspProcess.Start("client", "--server", cluster.Address(1), "--name", "bob", "--codecs", "mp2t", "--record-media", recorded);
            await bob.WaitForAsync("joined lobby", Patience);
            await SayAsync(bob, "/vc-init");
            await bob.WaitForAsync("call: in the call, codec mp2t", Patience);

            // alice is in the call of node n0; her media reaches bob, in the call of n1, through the cluster.
            using var alice = VcspProcess.Start("client", "--server", cluster.Address(0), "--name", "alice", "--send-media", sent);
            await alice.WaitForAsync("joined lobby", Patience);
            await SayAsync(alice, "/vc-init mp2t");
            await alice.WaitForAsync($"media: sent {bytes.Length / 188} packets", Patience);
            var deadline = DateTime.UtcNow + Patience;
            while (new System.IO.FileInfo(recorded).Length < bytes.Length)
            {
                Assert.True(DateTime.UtcNow < deadline, $"bob recorded {new System.IO.FileInfo(recorded).Length} of {bytes.Length} bytes");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            await Task.Delay(300, TestContext.Current.CancellationToken);
            Assert.Equal(bytes, await System.IO.File.ReadAllBytesAsync(recorded, TestContext.Current.CancellationToken));
            Assert.Equal(0, await RunAsync("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", recorded));

            // n1 measured each datagram's hop from n0 (the added latency of a call across nodes).
            using var http = new System.Net.Http.HttpClient { Timeout = Patience };
            var scrape = string.Empty;
            var deadline2 = DateTime.UtcNow + Patience;
            while (!(Metric(scrape, "vcsp_cluster_media_lag_milliseconds_count") >= bytes.Length / 188))
            {
                Assert.True(DateTime.UtcNow < deadline2, "n1's scrape:\n" + scrape);
                await Task.Delay(200, TestContext.Current.CancellationToken);
                scrape = await http.GetStringAsync($"http://127.0.0.1:{scrapePort}/metrics", TestContext.Current.CancellationToken);
            }

            var mean = Metric(scrape, "vcsp_cluster_media_lag_milliseconds_sum")!.Value / Metric(scrape, "vcsp_cluster_media_lag_milliseconds_count")!.Value;
            TestContext.Current.SendDiagnosticMessage($"media across nodes: {Metric(scrape, "vcsp_cluster_media_lag_milliseconds_count")} datagrams, mean hop {mean:F3} ms");
        }
        finally
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task WhatIsSentWhileTheNatsServerIsDownArrivesOnceAfterItIsBackAndTheConversationGoesOn()
    {
        using var nats = await NatsServer.StartAsync();
        using var cluster = await Cluster.StartAsync(nats, 2);
        var (alice, bob) = await AliceOnN0AndBobOnN1Async(cluster);
        using var aliceRunning = alice;
        using var bobRunning = bob;
        await SayAsync(alice, "before");
        await bob.WaitForAsync("<alice> before", Patience);

        await nats.KillAsync();
        for (var k = 0; k < 5; k++)
        {
            await SayAsync(alice, "during " + k.ToString(CultureInfo.InvariantCulture));
        }

        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        await nats.RestartAsync();
        for (var k = 0; k < 5; k++)
        {
            await bob.WaitForAsync("<alice> during " + k.ToString(CultureInfo.InvariantCulture), Patience);
        }

        await SayAsync(bob, "after");
        await alice.WaitForAsync("<bob> after", Patience);
        await Task.Delay(TimeSpan.FromSeconds(7), TestContext.Current.CancellationToken); // past the node timeout: nobody was counted down
        var during = bob.Lines.Where(l => l.StartsWith("<alice> during ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(k => "<alice> during " + k.ToString(CultureInfo.InvariantCulture)), during);
        Assert.DoesNotContain(cluster.Node(0).Lines.Concat(cluster.Node(1).Lines), l => l.Contains("is down", StringComparison.Ordinal));
        Assert.Contains(cluster.Node(1).Lines, l => l.Contains("connected to the cluster again; watching its bucket again", StringComparison.Ordinal));
        await WaitForListAsync(bob, ["alice", "bob"], Patience);
    }

    /// <summary>Asks <paramref name="command"/> until a line of the answer contains <paramref name="text"/>.</summary>
    private static async Task AskUntilAsync(VcspProcess client, string command, string text)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var before = client.Lines.Length;
            await SayAsync(client, command);
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            if (client.Lines.Skip(before).Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"'{command}' never answered '{text}':\n{string.Join('\n', client.Lines.TakeLast(30))}");
        }
    }

    private static async Task<int> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        await Task.WhenAll(output, error);
        return process.ExitCode;
    }

    /// <summary>The sum of a metric's samples in a Prometheus scrape (every label set), or null when absent.</summary>
    private static double? Metric(string scrape, string name)
    {
        var values = scrape.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))
            .ToList();
        return values.Count == 0 ? null : values.Sum();
    }

    /// <summary>
    /// alice joins node n0 (with <paramref name="aliceArguments"/> too) and bob node n1, and bob's node lists them both.
    /// The caller disposes both.
    /// </summary>
    private static async Task<(VcspProcess Alice, VcspProcess Bob)> AliceOnN0AndBobOnN1Async(Cluster cluster, params string[] aliceArguments)
    {
        var alice = VcspProcess.Start(["client", "--server", cluster.Address(0), .. aliceArguments, "--name", "alice"]);
        var bob = VcspProcess.Start("client", "--server", cluster.Address(1), "--name", "bob");
        try
        {
            await alice.WaitForAsync("joined lobby", Patience);
            await bob.WaitForAsync("joined lobby", Patience);
            await WaitForListAsync(bob, ["alice", "bob"], Patience);
            return (alice, bob);
        }
        catch
        {
            alice.Dispose();
            bob.Dispose();
            throw;
        }
    }

    private static List<string> Received(VcspProcess client) => [.. client.Lines.Where(l => l.StartsWith('<'))];

    private static async Task SayAsync(VcspProcess client, string line)
    {
        await client.Input.WriteLineAsync(line);
        await client.Input.FlushAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Asks /list until it shows exactly <paramref name="names"/> (in any order).</summary>
    private static async Task WaitForListAsync(VcspProcess client, string[] names, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        var want = names.Order(StringComparer.Ordinal).ToArray();
        string[] last = [];
        while (DateTime.UtcNow < deadline)
        {
            var before = client.Lines.Length;
            await SayAsync(client, "/list");
            var answered = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (DateTime.UtcNow < answered && !client.Lines.Skip(before).Any(l => l == "list:"))
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            await Task.Delay(300, TestContext.Current.CancellationToken);
            last = [.. client.Lines.Skip(before).SkipWhile(l => l != "list:").Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim().Split(' ', '\t')[0]).Order(StringComparer.Ordinal)];
            if (last.SequenceEqual(want))
            {
                return;
            }

            await Task.Delay(300, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"the list is [{string.Join(", ", last)}], not [{string.Join(", ", want)}]:\n{string.Join('\n', client.Lines.TakeLast(30))}");
    }

    /// <summary>Nodes n0, n1, ... of a cluster on <paramref name="nats"/>, each hosting lobby on a port of its own.</summary>
    private sealed class Cluster : IDisposable
    {
        private readonly List<(VcspProcess Process, string Address)> _nodes = [];

        public static Task<Cluster> StartAsync(NatsServer nats, int count, params string[] extra) => StartAsync(nats, count, _ => extra);

        public static async Task<Cluster> StartAsync(NatsServer nats, int count, Func<int, string[]> extra)
        {
            var cluster = new Cluster();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var port = FreePort().ToString(CultureInfo.InvariantCulture);
                    var node = VcspProcess.Start(["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port, "--cluster", nats.Url, "--node", "n" + i.ToString(CultureInfo.InvariantCulture), .. extra(i)]);
                    cluster._nodes.Add((node, "127.0.0.1:" + port));
                }

                foreach (var (node, address) in cluster._nodes)
                {
                    await node.WaitForAsync("group lobby on " + address, Patience);
                }

                return cluster;
            }
            catch
            {
                cluster.Dispose();
                throw;
            }
        }

        public string Address(int node) => _nodes[node].Address;

        public VcspProcess Node(int node) => _nodes[node].Process;

        public void Dispose()
        {
            foreach (var (node, _) in _nodes)
            {
                node.Dispose();
            }
        }

        private static int FreePort()
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
    }
}

/// <summary>The cluster tests run alone: each starts a NATS server, up to three nodes and six clients.</summary>
[CollectionDefinition(nameof(ClusterAlone), DisableParallelization = true)]
public sealed class ClusterAlone;
