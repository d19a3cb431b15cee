using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// Members that crash and servers that restart or pause, with real <c>vcsp</c> processes on loopback (issue 12, item 3):
/// a killed client is removed after the member timeout and its name (the owner's) is free again; clients rejoin a
/// server that restarted, or that was paused, by themselves, and what is sent after it arrives.
/// </summary>
public sealed class LivenessProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task AKilledClientIsRemovedAfterTheMemberTimeoutAndTheOwnersNameIsFreeAgain()
    {
        var port = FreePort();
        var address = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        using var server = VcspProcess.Start("server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture), "--owner", "carol", "--member-timeout", "3");
        await server.WaitForAsync("group lobby on " + address, Patience);
        using var carol = VcspProcess.Start("client", "--server", address, "--name", "carol");
        using var dave = VcspProcess.Start("client", "--server", address, "--name", "dave", "--keepalive", "1");
        await carol.WaitForAsync("joined lobby", Patience);
        await dave.WaitForAsync("joined lobby", Patience);
        await carol.SignalAsync("KILL"); // no Fin: a crash

        // Within the timeout carol is still listed; after it, gone, and the owner's name can be taken again.
        await dave.Input.WriteLineAsync("/list");
        await dave.Input.FlushAsync(TestContext.Current.CancellationToken);
        await dave.WaitForAsync("  carol", Patience);
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        var before = dave.Lines.Length;
        await dave.Input.WriteLineAsync("/list");
        await dave.Input.FlushAsync(TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow + Patience;
        while (!dave.Lines.Skip(before).Any(l => l.StartsWith("list:", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await Task.Delay(200, TestContext.Current.CancellationToken);
        var listed = dave.Lines.Skip(before).ToArray();
        Assert.Contains(listed, l => l.StartsWith("list:", StringComparison.Ordinal));
        Assert.DoesNotContain(listed, l => l.Trim().StartsWith("carol", StringComparison.Ordinal));
        using var carolAgain = VcspProcess.Start("client", "--server", address, "--name", "carol");
        await carolAgain.WaitForAsync("joined lobby", Patience);
        await server.SignalAsync("TERM");
    }

    [Theory]
    [InlineData("restart")]
    [InlineData("pause")]
    public async Task ClientsRejoinAServerThatRestartedOrPausedAndWhatIsSentAfterArrives(string fault)
    {
        var port = FreePort();
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var address = "127.0.0.1:" + portText;
        string[] serverArgs = ["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", portText];
        var server = VcspProcess.Start(serverArgs);
        try
        {
            await server.WaitForAsync("group lobby on " + address, Patience);
            using var alice = VcspProcess.Start("client", "--server", address, "--name", "alice", "--keepalive", "1");
            using var bob = VcspProcess.Start("client", "--server", address, "--name", "bob", "--keepalive", "1");
            await alice.WaitForAsync("joined lobby", Patience);
            await bob.WaitForAsync("joined lobby", Patience);
            await alice.Input.WriteLineAsync("before the fault");
            await alice.Input.FlushAsync(TestContext.Current.CancellationToken);
            await bob.WaitForAsync("<alice> before the fault", Patience);

            if (fault == "restart")
            {
                await server.SignalAsync("KILL");
                await server.WaitForExitAsync(Patience);
                server.Dispose();
                server = VcspProcess.Start(serverArgs); // the same port, knowing nobody
                await server.WaitForAsync("group lobby on " + address, Patience);
            }
            else
            {
                await server.SignalAsync("STOP");
                await Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken); // longer than a request's 7.75 s
                await server.SignalAsync("CONT");
            }

            // After a restart both notice at their next keepalive (Error NotMember), say so, and join again by themselves.
            // After a pause a client may have noticed (more than 7.75 s without an answer) and joined again, or heard
            // the server again in time and kept its session. Either way a line sent after the fault reaches the other.
            if (fault == "restart")
            {
                foreach (var client in new[] { alice, bob })
                {
                    var deadline = DateTime.UtcNow + Patience;
                    while (client.Lines.Count(l => l.Contains("joined lobby", StringComparison.Ordinal)) < 2)
                    {
                        Assert.True(DateTime.UtcNow < deadline, "did not join again:\n" + string.Join('\n', client.Lines));
                        await Task.Delay(50, TestContext.Current.CancellationToken);
                    }

                    Assert.Contains(client.Lines, l => l.Contains("rejoining", StringComparison.Ordinal));
                }
            }

            await alice.Input.WriteLineAsync("after the " + fault);
            await alice.Input.FlushAsync(TestContext.Current.CancellationToken);
            await bob.WaitForAsync("<alice> after the " + fault, Patience);
            await Task.Delay(500, TestContext.Current.CancellationToken);
            Assert.Single(bob.Lines, l => l == "<alice> after the " + fault); // once
        }
        finally
        {
            await server.SignalAsync("CONT");
            await server.SignalAsync("TERM");
            server.Dispose();
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
