// The embedding sample shown in README.md ("Embedding the runtime"); ReadmeEmbeddingTests keeps the two identical.
using System;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen;
using VcspGen.Runtime;
using VcspGen.Spec;

namespace MyChat;

/// <summary>A group server and one client in one process, on loopback.</summary>
public static class Embedding
{
    /// <summary>Joins a group, says hello, and returns what the server answered to LIST.</summary>
    public static async Task<string> HelloAsync(CancellationToken stop)
    {
        using var hosts = CancellationTokenSource.CreateLinkedTokenSource(stop);

        // The server: each group on a UDP port of its own, all served by a few event-loop threads (no SIP port: no calls).
        using var server = new VcspServerHost(IPAddress.Loopback, sipPort: null);
        var lobby = server.AddGroup(0, bound => new GroupOptions { Name = "lobby", Address = bound.Address });
        var serving = server.RunAsync(hosts.Token);

        // The client: the host owns the socket and the lock; events arrive on its dispatcher, never under the lock.
        var events = new Events();
        var options = new ClientHostOptions { Client = new ClientOptions { Server = VcspAddress.FromEndPoint(lobby.LocalEndPoint), Name = "alice" } };
        using var client = new VcspClientHost(options, events, events);
        var running = client.RunAsync(hosts.Token);

        client.Invoke(c => c.Join()); // every call into a state machine goes through its host
        await events.Joined.Task.WaitAsync(stop);
        client.Invoke(c => c.Group.TrySend("hello"u8));
        client.Invoke(c => c.Group.TrySendCommand(CommandCode.List, default));
        var members = await events.Listed.Task.WaitAsync(stop);
        client.Invoke(c => c.Quit()); // FIN, answered by the server
        await events.Closed.Task.WaitAsync(stop);

        await hosts.CancelAsync();
        await Task.WhenAll(serving, running);
        return members;
    }

    private sealed class Events : IClientEvents, IDirectMessageEvents
    {
        public TaskCompletionSource Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> Listed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnJoined(ReadOnlySpan<byte> groupName) => Joined.TrySetResult();

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) =>
            Console.WriteLine($"<{Encoding.UTF8.GetString(sender)}> {Encoding.UTF8.GetString(message)}");

        public void OnClosed(SessionEnd end) => Closed.TrySetResult();

        public void OnPong(TimeSpan roundTrip) => Console.WriteLine($"pong {roundTrip.TotalMilliseconds} ms");

        public void OnRejoining(int attempt, TimeSpan delay) => Console.WriteLine($"rejoining in {delay.TotalSeconds} s");

        public void OnRelayLost(long datagrams) => Console.WriteLine($"lost {datagrams} relayed datagrams");

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) =>
            Console.WriteLine($"not delivered to {Encoding.UTF8.GetString(member)}: {firstSequence}..{endSequence}");

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data) =>
            Listed.TrySetResult(Encoding.UTF8.GetString(data));

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact) =>
            Console.WriteLine($"[dm {Encoding.UTF8.GetString(sender)}] {Encoding.UTF8.GetString(message)}");
    }
}
