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

        // The server: one group on its own UDP port; the state machine runs on a UdpHost.
        using var serverHost = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
        var server = new GroupServer(new GroupOptions { Name = "lobby", Address = serverHost.LocalAddress }, serverHost, TimeProvider.System);
        var serving = serverHost.RunAsync(server, TimeProvider.System, hosts.Token);

        // The client: group messages and DMs on one socket; events arrive on the host's threads.
        using var clientHost = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
        var events = new Events();
        var client = new ChatClient(new ClientOptions { Server = serverHost.LocalAddress, Name = "alice" }, clientHost, TimeProvider.System, events, events);
        var running = clientHost.RunAsync(client, TimeProvider.System, hosts.Token);

        clientHost.Invoke(client.Join); // calls into a state machine go through its host's lock
        await events.Joined.Task.WaitAsync(stop);
        clientHost.Invoke(() => client.Group.TrySend("hello"u8));
        clientHost.Invoke(() => client.Group.TrySendCommand(CommandCode.List, default));
        var members = await events.Listed.Task.WaitAsync(stop);
        clientHost.Invoke(client.Quit); // FIN, answered by the server
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

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data) =>
            Listed.TrySetResult(Encoding.UTF8.GetString(data));

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact) =>
            Console.WriteLine($"[dm {Encoding.UTF8.GetString(sender)}] {Encoding.UTF8.GetString(message)}");
    }
}
