using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// A group server and chat clients, each on its own real UDP socket on one loopback address, for end-to-end tests.
/// Every state machine runs on its <see cref="UdpHost"/>; tests reach them through <see cref="UdpHost.Invoke"/>.
/// </summary>
internal sealed class UdpLab : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
    private readonly List<(UdpHost Host, Task Run)> _hosts = [];

    public UdpLab(string loopback, Func<VcspAddress, GroupOptions>? options = null, int? port = null)
    {
        Loopback = IPAddress.Parse(loopback);
        ServerHost = new UdpHost(new IPEndPoint(Loopback, port ?? 0));
        Server = new GroupServer(options?.Invoke(ServerHost.LocalAddress) ?? new GroupOptions { Name = "lobby", Address = ServerHost.LocalAddress, Owner = "alice" }, ServerHost, TimeProvider.System);
        _hosts.Add((ServerHost, ServerHost.RunAsync(Server, TimeProvider.System, _stop.Token)));
    }

    public IPAddress Loopback { get; }

    public UdpHost ServerHost { get; }

    public GroupServer Server { get; }

    /// <summary>Reads the server's state under its host's lock.</summary>
    public T OnServer<T>(Func<GroupServer, T> read)
    {
        T value = default!;
        ServerHost.Invoke(() => value = read(Server));
        return value;
    }

    /// <summary>Starts a chat client on its own socket (not joined yet).</summary>
    public LabClient Client(string name, TimeSpan? retry = null, VcspAddress? server = null)
    {
        var host = new UdpHost(new IPEndPoint(Loopback, 0));
        var events = new LabEvents();
        var options = new ClientOptions { Server = server ?? ServerHost.LocalAddress, Name = name, RetryTimeout = retry ?? TimeSpan.FromMilliseconds(250) };
        var client = new ChatClient(options, host, TimeProvider.System, events, events);
        _hosts.Add((host, host.RunAsync(client, TimeProvider.System, _stop.Token)));
        return new LabClient(host, client, events);
    }

    /// <summary>Starts a client and waits until it has joined.</summary>
    public async Task<LabClient> JoinAsync(string name)
    {
        var client = Client(name);
        client.Do(c => c.Join());
        await client.Events.WaitForAsync("joined lobby");
        return client;
    }

    /// <summary>A raw UDP socket on the lab's loopback, for sending hand-made datagrams.</summary>
    public Socket RawSocket()
    {
        var socket = new Socket(Loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(Loopback, 0));
        return socket;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Receives one datagram, or null when none comes within <paramref name="wait"/>.</summary>
    public static async Task<byte[]?> ReceiveAsync(Socket socket, TimeSpan wait)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(wait);
        var buffer = new byte[2048];
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return buffer[..n];
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_hosts.Select(h => h.Run));
        foreach (var (host, _) in _hosts)
        {
            host.Dispose();
        }

        _stop.Dispose();
    }
}

/// <summary>A chat client in a <see cref="UdpLab"/>.</summary>
internal sealed record LabClient(UdpHost Host, ChatClient Chat, LabEvents Events)
{
    public VcspAddress Address => Host.LocalAddress;

    public void Do(Action<ChatClient> action) => Host.Invoke(() => action(Chat));

    public T Get<T>(Func<ChatClient, T> read)
    {
        T value = default!;
        Host.Invoke(() => value = read(Chat));
        return value;
    }
}

/// <summary>Everything a chat client reports, as text lines, readable from the test's thread.</summary>
internal sealed class LabEvents : IClientEvents, IDirectMessageEvents
{
    private readonly ConcurrentQueue<string> _log = new();

    public string[] Log => [.. _log];

    public int Count(string line) => _log.Count(l => l == line);

    public Task WaitForAsync(string line) => UdpLab.WaitUntilAsync(() => _log.Contains(line), $"'{line}' (log: {string.Join(" | ", _log)})");

    public Task WaitForPrefixAsync(string prefix) =>
        UdpLab.WaitUntilAsync(() => _log.Any(l => l.StartsWith(prefix, StringComparison.Ordinal)), $"'{prefix}...' (log: {string.Join(" | ", _log)})");

    public void OnJoined(ReadOnlySpan<byte> groupName) => _log.Enqueue("joined " + Encoding.UTF8.GetString(groupName));

    public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) =>
        _log.Enqueue($"<{Encoding.UTF8.GetString(sender)}> {Encoding.UTF8.GetString(message)}");

    public void OnClosed(SessionEnd end) => _log.Enqueue("closed: " + end);

    public void OnPong(TimeSpan roundTrip) => _log.Enqueue(roundTrip > TimeSpan.Zero ? "pong" : "pong without a round trip");

    public void OnRejoining(int attempt, TimeSpan delay) => _log.Enqueue($"rejoining {attempt}");

    public void OnRelayLost(long datagrams) => _log.Enqueue($"lost {datagrams}");

    public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) =>
        _log.Enqueue($"undelivered to {Encoding.UTF8.GetString(member)}: {firstSequence}..{endSequence}");

    public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data) =>
        _log.Enqueue($"{command} {status}: {Encoding.UTF8.GetString(data)}");

    public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact) =>
        _log.Enqueue($"dm {Encoding.UTF8.GetString(sender)}@{peer}: {Encoding.UTF8.GetString(message)}");
}
