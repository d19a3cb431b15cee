using System;
using System.Globalization;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// Issue 13's findings in the client's command handling, in line mode against a real server: a command given the wrong
/// arguments says its usage (not "is not a command"), and a DM by name does not print the WHOIS it needed.
/// </summary>
public sealed class ClientCommandUsageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task WrongArgumentsSayTheCommandsUsageAndADmByNamePrintsNoWhois()
    {
        var port = FreePort();
        using var stopServer = new CancellationTokenSource();
        var serverRun = Task.Run(() => Vcsp.Cli.Program.Run(["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture), "--owner", "alice"], TextWriter.Null, TextWriter.Null, stopServer.Token), TestContext.Current.CancellationToken);

        var bob = new StringWriter { NewLine = "\n" };
        var bobOutput = TextWriter.Synchronized(bob);
        var bobInput = new Pipe();
        using var stopBob = new CancellationTokenSource();
        var bobRun = Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "bob"], bobInput.Reader.AsStream(), bobOutput, bobOutput, stopBob.Token), TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow + Patience;
        while (!Text(bobOutput, bob).Contains("joined lobby", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "bob did not join:\n" + Text(bobOutput, bob));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        var alice = new StringWriter { NewLine = "\n" };
        var script = "/dm bob\n/tell\n/kick\n/kick bob carol\n/dm bob by name\n/quit\n";
        Assert.Equal(0, await Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "alice"], new MemoryStream(Encoding.UTF8.GetBytes(script)), alice, alice, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken));

        var said = alice.ToString();
        Assert.Contains("! usage: /dm NAME TEXT", said, StringComparison.Ordinal);
        Assert.Contains("! usage: /tell NAME TEXT", said, StringComparison.Ordinal);
        Assert.Equal(2, CountOf(said, "! usage: /kick NAME"));
        Assert.DoesNotContain("is not a command", said, StringComparison.Ordinal);
        Assert.DoesNotContain("whois", said, StringComparison.Ordinal);
        Assert.DoesNotContain("kick: done", said, StringComparison.Ordinal); // neither bob nor "bob carol" was kicked

        deadline = DateTime.UtcNow + Patience;
        while (!Text(bobOutput, bob).Contains("] by name\n", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "bob did not get the DM:\n" + Text(bobOutput, bob));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        await stopBob.CancelAsync();
        Assert.Equal(0, await bobRun);
        await stopServer.CancelAsync();
        Assert.Equal(0, await serverRun);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Text(TextWriter synchronized, StringWriter text)
    {
        lock (synchronized)
        {
            return text.ToString();
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
