using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Runtime;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// Issue 11 §5: one real <c>vcsp server</c> process hosts 1,000 groups, each on its own UDP port, on a bounded number
/// of threads whatever the group count, and members chat in several of them over real sockets.
/// </summary>
public sealed partial class ManyGroupsTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AThousandGroupsRunOnAFewThreadsAndChatInSeveral()
    {
        var (oneThreads, oneMemory) = await MeasureAsync(1, chat: false);
        var (threads, memory) = await MeasureAsync(1000, chat: true);
        var perGroup = (memory - oneMemory) / 999.0;
        log.WriteLine($"1 group: {oneThreads} threads, {oneMemory / 1024} KiB resident; 1,000 groups: {threads} threads, {memory / 1024} KiB; {perGroup / 1024:F1} KiB per idle group");

        // The event loops are one per core, whatever the group count (one group starts only the first of them); the
        // rest is the .NET runtime's own threads, the SIP endpoint's receive thread and the thread pool's.
        Assert.True(threads <= oneThreads + Environment.ProcessorCount + 1, $"{threads} threads for 1,000 groups against {oneThreads} for one");
        Assert.True(threads <= (2 * Environment.ProcessorCount) + 24, $"{threads} threads");
    }

    /// <summary>Starts <c>vcsp server</c> with <paramref name="count"/> groups, reads its threads and memory, chats, stops it.</summary>
    private async Task<(int Threads, long ResidentBytes)> MeasureAsync(int count, bool chat)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { typeof(Vcsp.Cli.Program).Assembly.Location, "server", "--bind", "127.0.0.1", "--sip-port", "0" })
        {
            start.ArgumentList.Add(arg);
        }

        for (var i = 0; i < count; i++)
        {
            start.ArgumentList.Add("--group");
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"g{i:D4}:0"));
        }

        using var server = Process.Start(start)!;
        var ports = new ConcurrentDictionary<string, int>();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = server.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var reading = Task.Run(
            async () =>
            {
                while (await server.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
                {
                    if (GroupLine().Match(line) is { Success: true } match)
                    {
                        ports[match.Groups[1].Value] = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
                    }
                    else if (line == "stopped")
                    {
                        stopped.TrySetResult();
                    }
                }
            },
            TestContext.Current.CancellationToken);
        try
        {
            var deadline = DateTime.UtcNow + Patience;
            while (ports.Count < count)
            {
                Assert.True(DateTime.UtcNow < deadline && !server.HasExited, $"{ports.Count} of {count} groups came up: {(server.HasExited ? await errors : string.Empty)}");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            await Task.Delay(500, TestContext.Current.CancellationToken); // settled: start-up threads gone, memory allocated
            var status = await File.ReadAllLinesAsync($"/proc/{server.Id}/status", TestContext.Current.CancellationToken);
            var threads = int.Parse(Field(status, "Threads:"), CultureInfo.InvariantCulture);
            var resident = long.Parse(Field(status, "VmRSS:").Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            if (chat)
            {
                foreach (var name in new[] { "g0000", "g0001", "g0500", "g0998", "g0999" })
                {
                    await ChatAsync(name, ports[name]);
                }
            }

            Process.Start("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            await server.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);
            Assert.Equal(0, server.ExitCode);
            await reading;
            Assert.True(stopped.Task.IsCompleted, "the server did not print 'stopped'");
            return (threads, resident);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
            }
        }
    }

    /// <summary>Two members join one group of the server process; one says something and the other hears it.</summary>
    private static async Task ChatAsync(string group, int port)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var server = VcspAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, port));
        var members = new List<(UdpHost Host, ChatClient Client, Events Events, Task Run)>();
        try
        {
            foreach (var name in new[] { "ann", "ben" })
            {
                var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
                var events = new Events();
                var client = new ChatClient(new ClientOptions { Server = server, Name = name }, host, TimeProvider.System, events, events);
                members.Add((host, client, events, host.RunAsync(client, TimeProvider.System, stop.Token)));
                host.Invoke(client.Join);
                await events.Joined.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
            }

            var text = "hello " + group;
            Assert.True(members[0].Host.Invoke(() => members[0].Client.Group.TrySend(Encoding.UTF8.GetBytes(text))));
            Assert.Equal("ann: " + text, await members[1].Events.Heard.Task.WaitAsync(Patience, TestContext.Current.CancellationToken));
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var member in members)
            {
                await member.Run;
                member.Host.Dispose();
            }
        }
    }

    private static string Field(string[] status, string name) =>
        status.Single(l => l.StartsWith(name, StringComparison.Ordinal))[name.Length..].Trim();

    [GeneratedRegex(@"^group (g\d{4}) on 127\.0\.0\.1:(\d+),")]
    private static partial Regex GroupLine();

    private sealed class Events : IClientEvents, IDirectMessageEvents
    {
        public TaskCompletionSource Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> Heard { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnJoined(ReadOnlySpan<byte> groupName) => Joined.TrySetResult();

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) =>
            Heard.TrySetResult(Encoding.UTF8.GetString(sender) + ": " + Encoding.UTF8.GetString(message));

        public void OnClosed(SessionEnd end)
        {
        }

        public void OnPong(TimeSpan roundTrip)
        {
        }

        public void OnRejoining(int attempt, TimeSpan delay)
        {
        }

        public void OnRelayLost(long datagrams)
        {
        }

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence)
        {
        }

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
        {
        }
    }
}
