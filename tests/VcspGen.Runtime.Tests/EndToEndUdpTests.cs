using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>A server and two clients, each on its own UDP socket on loopback: real datagrams end to end.</summary>
public sealed class EndToEndUdpTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task TwoClientsJoinChatWithAFragmentedMessageAndLeave(string loopback)
    {
        var ip = IPAddress.Parse(loopback);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        using var serverHost = new UdpHost(new IPEndPoint(ip, 0));
        var server = new GroupServer(new GroupOptions { Name = "lobby", Address = serverHost.LocalAddress }, serverHost, TimeProvider.System);
        var serverRun = serverHost.RunAsync(server, TimeProvider.System, stop.Token);

        var (aliceHost, alice, aliceEvents, aliceRun) = StartClient(ip, serverHost.LocalAddress, "alice", stop.Token);
        var (bobHost, bob, bobEvents, bobRun) = StartClient(ip, serverHost.LocalAddress, "bob", stop.Token);
        using (aliceHost)
        using (bobHost)
        {
            aliceHost.Invoke(alice.Join);
            bobHost.Invoke(bob.Join);
            await aliceEvents.WaitForAsync(e => e.Contains("joined lobby"));
            await bobEvents.WaitForAsync(e => e.Contains("joined lobby"));

            var text = string.Concat(Enumerable.Range(0, 50).Select(i => $"fragment-me-{i} "));
            var sent = false;
            aliceHost.Invoke(() => sent = alice.TrySend(Encoding.UTF8.GetBytes(text)));
            Assert.True(sent);
            await bobEvents.WaitForAsync(e => e.Contains("alice: " + text));

            aliceHost.Invoke(alice.Leave);
            await aliceEvents.WaitForAsync(e => e.Contains("closed: left"));
            await WaitUntilAsync(() => server.MemberCount == 1);

            await stop.CancelAsync();
            await Task.WhenAll(serverRun, aliceRun, bobRun);
        }
    }

    private static (UdpHost Host, ClientSession Session, ConcurrentEvents Events, Task Run) StartClient(IPAddress ip, VcspAddress server, string name, CancellationToken stop)
    {
        var host = new UdpHost(new IPEndPoint(ip, 0));
        var events = new ConcurrentEvents();
        var session = new ClientSession(new ClientOptions { Server = server, Name = name }, host, TimeProvider.System, events);
        return (host, session, events, host.RunAsync(session, TimeProvider.System, stop));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Events from a host's receive thread, readable from the test's.</summary>
    private sealed class ConcurrentEvents : IClientEvents
    {
        private readonly ConcurrentQueue<string> _log = new();

        public async Task WaitForAsync(Func<string[], bool> condition) => await WaitUntilAsync(() => condition(_log.ToArray()));

        public void OnJoined(ReadOnlySpan<byte> groupName) => _log.Enqueue("joined " + Encoding.UTF8.GetString(groupName));

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) =>
            _log.Enqueue(Encoding.UTF8.GetString(sender) + ": " + Encoding.UTF8.GetString(message));

        public void OnClosed(SessionEnd end) => _log.Enqueue("closed: " + end);

        public void OnPong(TimeSpan roundTrip) => _log.Enqueue("pong");

        public void OnRejoining(int attempt, TimeSpan delay) => _log.Enqueue($"rejoining {attempt}");

        public void OnRelayLost(long datagrams) => _log.Enqueue($"lost {datagrams}");

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) =>
            _log.Enqueue($"undelivered to {System.Text.Encoding.UTF8.GetString(member)}");

        public void OnCommandReply(VcspGen.Spec.CommandCode command, VcspGen.Spec.CommandStatus status, ReadOnlySpan<byte> data) =>
            _log.Enqueue($"{command} {status}: {Encoding.UTF8.GetString(data)}");
    }
}
