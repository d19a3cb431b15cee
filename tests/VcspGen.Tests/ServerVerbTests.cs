using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary><c>vcsp server</c>: argument errors exit 2; a real run answers a join on loopback and stops cleanly.</summary>
public sealed class ServerVerbTests
{
    [Theory]
    [InlineData("server", "--port", "0x")]
    [InlineData("server", "--port", "70000")]
    [InlineData("server", "--policy", "maybe")]
    [InlineData("server", "--bind", "not-an-address")]
    [InlineData("server", "--max-members", "0")]
    [InlineData("server", "--max-members", "many")]
    [InlineData("server", "--member-timeout", "0")]
    [InlineData("server", "--bogus", "1")]
    [InlineData("server", "--port")]
    [InlineData("server", "--group", "a", "--group", "b")]
    [InlineData("server", "--group", "a:5000", "--group", "b:5000")]
    [InlineData("server", "--group", "this-group-name-is-longer-than-32-bytes")]
    public void WrongArgumentsPrintUsageAndExitWithTwo(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, Vcsp.Cli.Program.Run(args, output, error, TestContext.Current.CancellationToken));
        Assert.Contains("usage: vcsp server", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, output.ToString());
    }

    [Fact]
    public void HelpPrintsUsage()
    {
        using var output = new StringWriter();
        Assert.Equal(0, Vcsp.Cli.Program.Run(["server", "--help"], output, TextWriter.Null, TestContext.Current.CancellationToken));
        Assert.Contains("--policy", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--max-members", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--member-timeout", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerAnswersAJoinOnLoopbackAndStopsCleanly()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var text = new StringWriter();
        var output = TextWriter.Synchronized(text); // its methods lock the writer itself, so Written() locks it too
        string Written()
        {
            lock (output)
            {
                return text.ToString();
            }
        }

        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => Vcsp.Cli.Program.Run(["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--owner", "alice", "--max-members", "1"], output, TextWriter.Null, stop.Token), TestContext.Current.CancellationToken);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Written().Contains("group lobby on 127.0.0.1:" + port, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the server did not start: " + Written());
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var server = new IPEndPoint(IPAddress.Loopback, port);
        var request = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 42, Server = VcspAddress.FromEndPoint(server), Name = "bob"u8 };
        var buffer = new byte[128];
        Assert.Equal(VcspEncodeStatus.Ok, request.TryEncode(buffer, out var n));
        await client.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, server, TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var received = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(buffer.AsSpan(0, received), out var response));
        Assert.Equal(42u, response.Sequence);
        Assert.Equal("lobby", System.Text.Encoding.UTF8.GetString(response.GroupName));

        // Bob confirms (PROTOCOL.md §8.1 step 6) and fills the group of one (--max-members 1): carol is refused GroupFull.
        var confirm = new Ack { Challenge = response.Challenge, Sequence = 43, Flags = AckFlags.ReplyRequested };
        Assert.Equal(VcspEncodeStatus.Ok, confirm.TryEncode(buffer, out n));
        await client.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, server, TestContext.Current.CancellationToken);
        received = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(buffer.AsSpan(0, received), out _));
        using var carol = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        carol.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var carolRequest = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 7, Server = VcspAddress.FromEndPoint(server), Name = "carol"u8 };
        Assert.Equal(VcspEncodeStatus.Ok, carolRequest.TryEncode(buffer, out n));
        await carol.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, server, TestContext.Current.CancellationToken);
        received = await carol.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(buffer.AsSpan(0, received), out var reject));
        Assert.Equal(RejectReason.GroupFull, reject.Reason);

        await stop.CancelAsync();
        Assert.Equal(0, await run);
        Assert.Contains("stopped", Written(), StringComparison.Ordinal);
    }
}
