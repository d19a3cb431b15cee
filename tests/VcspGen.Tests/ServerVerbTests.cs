using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
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
    [InlineData("server", "--port=abc")]
    [InlineData("server", "--log-level", "loud")]
    [InlineData("server", "--config", "/nonexistent/vcsp.json")]
    [InlineData("server", "--owner", "carol smith")]
    [InlineData("server", "--port", "1", "--port", "2")]
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
    [InlineData("server", "--advertise", "198.51.100.7")] // no port
    [InlineData("server", "--advertise", "198.51.100.7:0")]
    [InlineData("server", "--advertise", "198.51.100.7:70000")]
    [InlineData("server", "--advertise", "2001:db8::7:4000")] // IPv6 without brackets
    [InlineData("server", "--advertise", "[2001:db8::7]")] // IPv6 without a port
    [InlineData("server", "--advertise", "[198.51.100.7]:4000")]
    [InlineData("server", "--advertise", "bad host:4000")]
    [InlineData("server", "--advertise", "=198.51.100.7:4000")] // an empty group name
    [InlineData("server", "--advertise", "blue=198.51.100.7:4000")] // no such group
    [InlineData("server", "--group", "red:5000", "--advertise", "198.51.100.7:4000")] // no group on --port
    [InlineData("server", "--cluster", "nats://127.0.0.1:4222")] // no --node
    [InlineData("server", "--node", "a")] // no --cluster
    [InlineData("server", "--cluster", "nats://127.0.0.1:4222", "--node", "a b")]
    [InlineData("server", "--cluster", "127.0.0.1:4222", "--node", "a")] // no scheme
    [InlineData("server", "--cluster", "http://127.0.0.1:4222", "--node", "a")]
    public void WrongArgumentsPrintUsageAndExitWithTwo(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, Vcsp.Cli.Program.Run(args, output, error, TestContext.Current.CancellationToken));
        Assert.Contains("Usage:\n  vcsp server [options]", error.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.StartsWith("vcsp server: ", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, output.ToString());
    }

    [Fact]
    public void AClusterWhoseNatsServerCannotBeReachedFailsTheStartWithExitOneAndSaysWhere()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop(); // nothing listens there now
        var url = "nats://127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(1, Vcsp.Cli.Program.Run(["server", "--bind", "127.0.0.1", "--group", "lobby:0", "--sip-port", "0", "--cluster", url, "--node", "a"], output, error, TestContext.Current.CancellationToken));
        Assert.Contains($"vcsp server: The cluster's NATS server {url} cannot be reached", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HelpPrintsUsage()
    {
        using var output = new StringWriter();
        Assert.Equal(0, Vcsp.Cli.Program.Run(["server", "--help"], output, TextWriter.Null, TestContext.Current.CancellationToken));
        Assert.Contains("--policy", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--max-members", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--member-timeout", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--advertise <[NAME=]HOST:PORT>", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--config <FILE>", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--log-level <LEVEL>", output.ToString(), StringComparison.Ordinal);
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
        var request = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 42, Server = VcspAddress.FromEndPoint(server), Name = "bob"u8, Padding = new byte[48] };
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
        var carolRequest = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 7, Server = VcspAddress.FromEndPoint(server), Name = "carol"u8, Padding = new byte[48] };
        Assert.Equal(VcspEncodeStatus.Ok, carolRequest.TryEncode(buffer, out n));
        await carol.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, server, TestContext.Current.CancellationToken);
        received = await carol.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(buffer.AsSpan(0, received), out var reject));
        Assert.Equal(RejectReason.GroupFull, reject.Reason);

        await stop.CancelAsync();
        Assert.Equal(0, await run);
        Assert.Contains("stopped", Written(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerAnswersAsTheAddressesItAdvertises()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var text = new StringWriter();
        var output = TextWriter.Synchronized(text);
        string Written()
        {
            lock (output)
            {
                return text.ToString();
            }
        }

        // lobby on --port advertises a port forward's address; red, on its own port, a host name (resolved at start).
        using var stop = new CancellationTokenSource();
        string[] args = ["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture), "--group", "lobby", "--group", "red:0",
            "--advertise", "198.51.100.7:4000", "--advertise", "red=localhost:4001"];
        var run = Task.Run(() => Vcsp.Cli.Program.Run(args, output, TextWriter.Null, stop.Token), TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        Match red;
        while (!(red = Regex.Match(Written(), @"group red on 127\.0\.0\.1:(\d+), advertised as [^\n]*127\.0\.0\.1:4001")).Success)
        {
            Assert.True(DateTime.UtcNow < deadline, "the server did not start: " + Written());
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Contains($"group lobby on 127.0.0.1:{port}, advertised as 198.51.100.7:4000, SIP on", Written(), StringComparison.Ordinal);
        var lobby = new IPEndPoint(IPAddress.Loopback, port);
        var redGroup = new IPEndPoint(IPAddress.Loopback, int.Parse(red.Groups[1].Value, CultureInfo.InvariantCulture));
        var forwarded = VcspAddress.IPv4([198, 51, 100, 7], 4000);
        var named = VcspAddress.IPv4([127, 0, 0, 1], 4001);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var buffer = new byte[128];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        async Task<int> ExchangeAsync(IPEndPoint to, uint sequence, VcspAddress server)
        {
            var request = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = sequence, Server = server, Name = "bob"u8, Padding = new byte[48] };
            Assert.Equal(VcspEncodeStatus.Ok, request.TryEncode(buffer, out var n));
            await client.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, to, TestContext.Current.CancellationToken);
            return await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        }

        // red's advertised address is not lobby's: refused.
        var received = await ExchangeAsync(lobby, 41, named);
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(buffer.AsSpan(0, received), out var reject));
        Assert.Equal(RejectReason.AddressMismatch, reject.Reason);

        // lobby answers as 198.51.100.7:4000, and the join is confirmed (PROTOCOL.md §8.1 step 6).
        received = await ExchangeAsync(lobby, 42, forwarded);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(buffer.AsSpan(0, received), out var response));
        Assert.Equal((42u, forwarded), (response.Sequence, response.Server));
        var confirm = new Ack { Challenge = response.Challenge, Sequence = 43, Flags = AckFlags.ReplyRequested };
        Assert.Equal(VcspEncodeStatus.Ok, confirm.TryEncode(buffer, out var length));
        await client.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, lobby, TestContext.Current.CancellationToken);
        received = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(buffer.AsSpan(0, received), out _));

        // red answers as localhost:4001.
        received = await ExchangeAsync(redGroup, 7, named);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(buffer.AsSpan(0, received), out response));
        Assert.Equal((7u, named), (response.Sequence, response.Server));

        await stop.CancelAsync();
        Assert.Equal(0, await run);
    }
}
