// The embedding sample shown in README.md ("Embedding the runtime"); ReadmeEmbeddingTests keeps the two identical.
using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VcspGen;
using VcspGen.Runtime;
using VcspGen.Spec;

namespace MyChat;

/// <summary>A group server on the generic host and one client, in one process, on loopback.</summary>
public static class Embedding
{
    /// <summary>Joins a group, says hello, and returns who said it and the members the server lists.</summary>
    public static async Task<(string Sender, IReadOnlyList<MemberInfo> Members)> HelloAsync(CancellationToken stop)
    {
        // The server: AddVcspServer registers a VcspServerHost (its sockets bound when the host starts) and a hosted
        // service that runs it, logging through the host's loggers and measuring through its IMeterFactory. The
        // options can be bound from configuration instead: services.AddOptions<VcspServerOptions>().Bind(section).
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddVcspServer(options =>
        {
            options.Bind = "127.0.0.1";
            options.SipPort = null; // no SIP port: no calls
            options.Groups.Add(new VcspGroupSettings { Name = "lobby", Port = 0 }); // 0 picks a free port
        });
        using var app = builder.Build();
        await app.StartAsync(stop);
        var lobby = app.Services.GetRequiredService<VcspServerHost>().Groups[0];

        // Group events are raised on the group's event-loop thread under its lock: handlers must be quick.
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lobby.MemberJoined += member => Console.WriteLine($"{member.Name} joined from {member.Address}");
        lobby.MessageRelayed += (in RelayedMessage message) => heard.TrySetResult(Encoding.UTF8.GetString(message.SenderName));

        // The client: the host owns the socket and the lock; events arrive on its dispatcher, never under the lock.
        var events = new Events();
        var clientOptions = new ClientHostOptions { Client = new ClientOptions { Server = VcspAddress.FromEndPoint(lobby.LocalEndPoint), Name = "alice" } };
        using var client = new VcspClientHost(clientOptions, events, events);
        using var clientStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var running = client.RunAsync(clientStop.Token);

        client.Invoke(c => c.Join()); // every call into a state machine goes through its host
        await events.Joined.Task.WaitAsync(stop);
        client.Invoke(c => c.Group.TrySend("hello"u8));
        var sender = await heard.Task.WaitAsync(stop);
        var members = await lobby.ListMembersAsync(stop); // the admin API: a snapshot (KickAsync kicks)
        client.Invoke(c => c.Quit()); // FIN, answered by the server
        await events.Closed.Task.WaitAsync(stop);
        await clientStop.CancelAsync();
        await running;

        // A graceful stop: every group shut down (a BYE to each call member), then the sockets closed.
        await app.StopAsync(stop);
        return (sender, members);
    }

    private sealed class Events : IClientEvents, IDirectMessageEvents
    {
        public TaskCompletionSource Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
            Console.WriteLine($"{command}: {status}");

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact) =>
            Console.WriteLine($"[dm {Encoding.UTF8.GetString(sender)}] {Encoding.UTF8.GetString(message)}");
    }
}
