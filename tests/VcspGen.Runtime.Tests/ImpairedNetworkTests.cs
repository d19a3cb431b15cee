using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Group chat through a real UDP relay on loopback that drops, duplicates and reorders datagrams by a seeded
/// schedule, in both directions: every message is still delivered whole, once and in order, by the resend paths
/// (the server's ResendRequest and Error OutOfOrder towards senders, the flush Ping, the receivers' ResendRequest
/// against the server's relay cache, and the server's tail repeats).
/// </summary>
public sealed class ImpairedNetworkTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1, 0.05, 0.05, 0.10)]
    [InlineData(2, 0.10, 0.05, 0.10)]
    public async Task EveryMessageIsDeliveredWholeOnceAndInOrder(int seed, double drop, double duplicate, double reorder)
    {
        await using var relay = new ImpairingRelay(IPAddress.Loopback, new Impairment(drop, duplicate, reorder), seed);
        await using var lab = new UdpLab("127.0.0.1", _ => new GroupOptions { Name = "lobby", Address = relay.Address });
        relay.Start(lab.ServerHost.LocalEndPoint);

        var names = new[] { "alice", "bob", "carol" };
        var clients = new Dictionary<string, LabClient>();
        foreach (var name in names)
        {
            var client = lab.Client(name, server: relay.Address);
            client.Do(c => c.Join());
            await client.Events.WaitForAsync("joined lobby");
            clients[name] = client;
        }

        // alice and bob each send three bursts of messages, short and long (up to 5 fragments), at the same time.
        var random = new Random(seed);
        var sent = new Dictionary<string, List<string>> { ["alice"] = [], ["bob"] = [] };
        for (var burst = 0; burst < 3; burst++)
        {
            foreach (var sender in sent.Keys)
            {
                for (var i = 0; i < 8; i++)
                {
                    var words = random.Next(1, 80);
                    var text = $"{sender}#{burst}.{i}: " + string.Join(' ', Enumerable.Range(0, words).Select(w => $"w{w}"));
                    Assert.True(clients[sender].Get(c => c.Group.TrySend(Encoding.UTF8.GetBytes(text))), "sent: " + text);
                    sent[sender].Add(text);
                }
            }

            await Task.Delay(300, TestContext.Current.CancellationToken);
        }

        // Each member must see exactly the other senders' messages, each once, in the order they were sent.
        List<string> Heard(string receiver, string sender) =>
            [.. clients[receiver].Events.Log.Where(l => l.StartsWith($"<{sender}> ", StringComparison.Ordinal)).Select(l => l[(sender.Length + 3)..])];

        var expected = (from receiver in names from sender in sent.Keys where sender != receiver select (receiver, sender)).ToList();
        var deadline = DateTime.UtcNow + Deadline;
        while (expected.Any(e => Heard(e.receiver, e.sender).Count < sent[e.sender].Count) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await Task.Delay(500, TestContext.Current.CancellationToken); // time for any late duplicate to (wrongly) show up
        string Diagnosis() =>
            string.Join("\n", names.Select(n => $"{n}: state={clients[n].Get(c => c.Group.State)} abandoned={clients[n].Get(c => c.Group.AbandonedMessages)} "
                + string.Join(",", sent.Keys.Where(k => k != n).Select(k => $"{k}:{Heard(n, k).Count}/{sent[k].Count}"))
                + " log: " + string.Join(" | ", clients[n].Events.Log.Where(l => !l.StartsWith('<')))))
            + $"\nserver: abandoned={lab.OnServer(s => s.AbandonedMessages)} "
            + string.Join(" ", Enum.GetValues<DropReason>().Select(r => $"{r}={lab.OnServer(s => s.Dropped(r))}"))
            + $"\nrelay: {relay.Forwarded} forwarded, {relay.Dropped} dropped, {relay.Duplicated} duplicated, {relay.Reordered} reordered";
        foreach (var (receiver, sender) in expected)
        {
            Assert.True(
                sent[sender].SequenceEqual(Heard(receiver, sender)),
                $"{receiver} heard from {sender}; missing: {string.Join(" / ", sent[sender].Except(Heard(receiver, sender)).Select(m => m[..Math.Min(12, m.Length)]))}\n{Diagnosis()}");
        }

        Assert.All(names, n => Assert.Equal(0, clients[n].Get(c => c.Group.AbandonedMessages)));
        Assert.True(relay.Dropped > 0 && relay.Duplicated > 0 && relay.Reordered > 0, $"the relay did impair: {relay.Dropped} dropped, {relay.Duplicated} duplicated, {relay.Reordered} reordered");
        Assert.True(lab.OnServer(s => s.Dropped(DropReason.Duplicate) + s.Dropped(DropReason.OutOfOrder)) > 0, "the server saw duplicates or gaps");
    }
}
