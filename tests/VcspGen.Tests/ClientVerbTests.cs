using System;
using System.Globalization;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary><c>vcsp client</c>: arguments, and real clients driven through standard input against a real server.</summary>
public sealed class ClientVerbTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("client")]
    [InlineData("client", "--server", "127.0.0.1")]
    [InlineData("client", "--name", "bob")]
    [InlineData("client", "--server", "127.0.0.1:99999", "--name", "bob")]
    [InlineData("client", "--server", "127.0.0.1:x", "--name", "bob")]
    [InlineData("client", "--server", "[::1]:0", "--name", "bob")]
    [InlineData("client", "--server", "bad host!", "--name", "bob")]
    [InlineData("client", "--server", "127.0.0.1", "--name", "this-member-name-is-longer-than-32-bytes")]
    [InlineData("client", "--server", "127.0.0.1", "--name", "")]
    [InlineData("client", "--server", "127.0.0.1", "--name", "tab\tname")]
    [InlineData("client", "--server", "127.0.0.1", "--name", "carol smith")]
    [InlineData("client", "--server", "127.0.0.1", "--name", "evil\u202etxt")]
    [InlineData("client", "--server", "127.0.0.1", "--name", "bob", "--keepalive", "0")]
    [InlineData("client", "--server", "127.0.0.1", "--name", "bob", "--sip-transport", "sctp")]
    [InlineData("client", "--server=127.0.0.1", "--name=bob", "--sip-port=x")]
    [InlineData("client", "--server", "127.0.0.1", "--name", "bob", "--bogus", "1")]
    [InlineData("client", "--server")]
    public void WrongArgumentsPrintUsageAndExitWithTwo(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, Vcsp.Cli.Program.Run(args, output, error, TestContext.Current.CancellationToken));
        Assert.Contains("Usage:\n  vcsp client [options]", error.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.StartsWith("vcsp client: ", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, output.ToString());
    }

    [Theory]
    [InlineData("demo")]
    [InlineData("server")]
    [InlineData("client")]
    public void EveryVerbHasHelp(string verb)
    {
        using var output = new StringWriter();
        Assert.Equal(0, Vcsp.Cli.Program.Run([verb, "--help"], output, TextWriter.Null, TestContext.Current.CancellationToken));
        Assert.Contains($"Usage:\n  vcsp {verb} [options]", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientsDrivenByStandardInputChatListDmAndQuit()
    {
        var port = FreePort();
        var server = new Terminal("server");
        using var stopServer = new CancellationTokenSource();
        var serverRun = Task.Run(() => Vcsp.Cli.Program.Run(["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture), "--owner", "alice"], server.Writer, TextWriter.Null, stopServer.Token), TestContext.Current.CancellationToken);
        await server.WaitForAsync("group lobby on 127.0.0.1:" + port);

        // bob's input stays open: he only listens, until he is stopped like Ctrl-C would.
        var bob = new Terminal("bob");
        var bobInput = new Pipe();
        using var stopBob = new CancellationTokenSource();
        var bobRun = Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "bob"], bobInput.Reader.AsStream(), bob.Writer, bob.Writer, stopBob.Token), TestContext.Current.CancellationToken);
        await bob.WaitForAsync("joined lobby");

        // alice's script: the administrator lists, checks the group, pings, talks, DMs bob by name, restarts, quits.
        var alice = new Terminal("alice");
        var longLine = string.Concat(Enumerable.Range(0, 30).Select(i => $"word{i} "));
        var script = $"/list\n/info\n/ping\nhello everyone\n{longLine}\n/dm bob just for you\n/frobnicate\n/res\nstill here\n/quit\nnever sent\n";
        var aliceCode = await Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "alice"], new MemoryStream(Encoding.UTF8.GetBytes(script)), alice.Writer, alice.Writer, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);

        Assert.Equal(0, aliceCode);
        var said = alice.Text;
        Assert.Contains("list:\n  ", said, StringComparison.Ordinal);
        Assert.Contains("  alice 127.0.0.1:", said, StringComparison.Ordinal);
        Assert.Contains("  bob 127.0.0.1:", said, StringComparison.Ordinal);
        Assert.Contains($"info:\n  address=127.0.0.1:{port}\n  name=lobby\n  owner=alice\n  members=2", said, StringComparison.Ordinal);
        Assert.Matches(@"pong: [0-9.]+ ms", said);
        Assert.DoesNotContain("whois:", said, StringComparison.Ordinal); // the DM's own look-up is not the reader's business (issue 13)
        Assert.Contains("! '/frobnicate' is not a command", said, StringComparison.Ordinal);
        Assert.Contains("closed: left\njoined lobby", said, StringComparison.Ordinal);
        Assert.EndsWith("quit\nclosed: left\n", said, StringComparison.Ordinal);

        await bob.WaitForAsync("<alice> still here");
        var heard = bob.Text;
        Assert.True(heard.Contains("<alice> hello everyone\n", StringComparison.Ordinal), $"bob heard:\n{heard}\nalice said:\n{said}");
        Assert.Contains("<alice> " + longLine.TrimEnd(), heard, StringComparison.Ordinal);
        Assert.Contains("[dm alice@127.0.0.1:", heard, StringComparison.Ordinal);
        Assert.Contains("] just for you", heard, StringComparison.Ordinal);
        Assert.DoesNotContain("never sent", heard, StringComparison.Ordinal);

        await stopBob.CancelAsync();
        Assert.Equal(0, await bobRun);
        Assert.EndsWith("quit\nclosed: left\n", bob.Text, StringComparison.Ordinal);

        await stopServer.CancelAsync();
        Assert.Equal(0, await serverRun);
    }

    [Fact]
    public async Task AtTheEndOfInputTheClientStaysUntilStoppedAndAKickEndsItWithOne()
    {
        var port = FreePort();
        var server = new Terminal("server");
        using var stopServer = new CancellationTokenSource();
        var serverRun = Task.Run(() => Vcsp.Cli.Program.Run(["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture), "--owner", "alice"], server.Writer, TextWriter.Null, stopServer.Token), TestContext.Current.CancellationToken);
        await server.WaitForAsync("group lobby on 127.0.0.1:" + port);

        var carol = new Terminal("carol");
        var carolRun = Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "carol"], new MemoryStream("hi, I stay\n"u8.ToArray()), carol.Writer, carol.Writer, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        await carol.WaitForAsync("joined lobby");

        var alice = new Terminal("alice");
        var aliceCode = await Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "alice"], new MemoryStream("/kick carol\n/quit\n"u8.ToArray()), alice.Writer, alice.Writer, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        Assert.Equal(0, aliceCode);
        Assert.Contains("kick: done", alice.Text, StringComparison.Ordinal);

        Assert.Equal(1, await carolRun.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.Contains("closed: kicked", carol.Text, StringComparison.Ordinal);
        Assert.Contains("the session ended: kicked", carol.Text, StringComparison.Ordinal);

        await stopServer.CancelAsync();
        Assert.Equal(0, await serverRun);
    }

    [Fact]
    public async Task OneServerProcessHostsSeveralGroupsEachOnItsOwnPort()
    {
        var (lobby, games) = (FreePort(), FreePort());
        var server = new Terminal("server");
        using var stopServer = new CancellationTokenSource();
        var serverRun = Task.Run(() => Vcsp.Cli.Program.Run(["server", "--bind", "127.0.0.1", "--sip-port", "0", "--group", $"lobby:{lobby}", "--group", $"games:{games}"], server.Writer, TextWriter.Null, stopServer.Token), TestContext.Current.CancellationToken);
        await server.WaitForAsync("group games on 127.0.0.1:" + games);

        foreach (var (port, name) in new[] { (lobby, "lobby"), (games, "games") })
        {
            var client = new Terminal(name);
            var code = await Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", $"127.0.0.1:{port}", "--name", "dana"], new MemoryStream("/info\n/quit\n"u8.ToArray()), client.Writer, client.Writer, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
            Assert.Equal(0, code);
            Assert.Contains($"joined {name}\n", client.Text, StringComparison.Ordinal);
            Assert.Contains($"  address=127.0.0.1:{port}\n  name={name}\n", client.Text, StringComparison.Ordinal);
        }

        await stopServer.CancelAsync();
        Assert.Equal(0, await serverRun);
    }

    [Fact]
    public async Task SigtermMakesARealClientProcessLeaveWithAFinAndExitZero()
    {
        var port = FreePort();
        var server = new Terminal("server");
        using var stopServer = new CancellationTokenSource();
        var serverRun = Task.Run(() => Vcsp.Cli.Program.Run(["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture)], server.Writer, TextWriter.Null, stopServer.Token), TestContext.Current.CancellationToken);
        await server.WaitForAsync("group lobby on 127.0.0.1:" + port);

        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(typeof(Vcsp.Cli.Program).Assembly.Location);
        foreach (var arg in new[] { "client", "--server", "127.0.0.1:" + port, "--name", "erin" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = new Terminal("erin");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Writer.WriteLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        await process.StandardInput.WriteLineAsync("hello from a real process");
        await process.StandardInput.FlushAsync(TestContext.Current.CancellationToken); // input stays open: the client waits
        await output.WaitForAsync("joined lobby");

        // The shell's built-in kill: a minimal machine may have no kill executable.
        using (var kill = System.Diagnostics.Process.Start("sh", ["-c", "kill -TERM " + process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, process.ExitCode);
        await output.WaitForAsync("closed: left");

        await stopServer.CancelAsync();
        Assert.Equal(0, await serverRun);
    }

    [Fact]
    public void AClientWithNoServerGivesUpWithOne()
    {
        var port = FreePort(); // nothing listens there
        var output = new Terminal("lonely");
        var code = Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "lonely"], new MemoryStream("hello\n"u8.ToArray()), output.Writer, output.Writer, TestContext.Current.CancellationToken);
        Assert.Equal(1, code);
        Assert.Contains("vcsp client: could not join: the server did not answer", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientsDrivenByStandardInputCallStreamAnMpegTsFileAndRecordIt()
    {
        var folder = Directory.CreateTempSubdirectory("vcsp-cli-call-").FullName;
        try
        {
            var sent = Path.Combine(folder, "sent.ts");
            var recorded = Path.Combine(folder, "bob.ts");
            Assert.Equal(0, await RunProgramAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "2", "-c:v", "mpeg2video", "-b:v", "300k", "-c:a", "mp2", "-f", "mpegts", sent]));
            var bytes = await File.ReadAllBytesAsync(sent, TestContext.Current.CancellationToken);

            var port = FreePort();
            var server = new Terminal("server");
            using var stopServer = new CancellationTokenSource();
            var serverRun = Task.Run(() => Vcsp.Cli.Program.Run(["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture), "--codecs", "mp2t,opus"], server.Writer, TextWriter.Null, stopServer.Token), TestContext.Current.CancellationToken);
            await server.WaitForAsync("codecs mp2t,opus");
            var serverSip = System.Text.RegularExpressions.Regex.Match(server.Text, @"SIP on (127\.0\.0\.1:[0-9]+)").Groups[1].Value;

            // bob records; alice streams the file once she is in the call. Both type their commands on standard input.
            var bob = new Terminal("bob");
            var bobInput = new Pipe();
            var bobRun = Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "bob", "--server-sip", serverSip, "--codecs", "mp2t", "--record-media", recorded], bobInput.Reader.AsStream(), bob.Writer, bob.Writer, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
            await bob.WaitForAsync("joined lobby");
            await bobInput.Writer.WriteAsync("/vc-init\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await bob.WaitForAsync("call: in the call, codec mp2t");

            var alice = new Terminal("alice");
            var aliceInput = new Pipe();
            var aliceRun = Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "alice", "--server-sip", serverSip, "--send-media", sent], aliceInput.Reader.AsStream(), alice.Writer, alice.Writer, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
            await alice.WaitForAsync("joined lobby");
            await aliceInput.Writer.WriteAsync("/vc-init mp2t\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await alice.WaitForAsync($"media: sent {bytes.Length / 188} packets");

            var deadline = DateTime.UtcNow + Patience;
            while (new FileInfo(recorded).Length < bytes.Length)
            {
                Assert.True(DateTime.UtcNow < deadline, $"bob recorded {new FileInfo(recorded).Length} of {bytes.Length} bytes");
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            // alice leaves the call, then the group; bob restarts his call, leaves it, and quits.
            await aliceInput.Writer.WriteAsync("/vc-leave\n/quit\n"u8.ToArray(), TestContext.Current.CancellationToken);
            Assert.Equal(0, await aliceRun.WaitAsync(Patience, TestContext.Current.CancellationToken));
            Assert.Contains("call: ended: left", alice.Text, StringComparison.Ordinal);
            await bobInput.Writer.WriteAsync("/vc-restart\n/vc-leave\n/vc-leave\n/quit\n"u8.ToArray(), TestContext.Current.CancellationToken);
            Assert.Equal(0, await bobRun.WaitAsync(Patience, TestContext.Current.CancellationToken));
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(bob.Text, "call: in the call, codec mp2t").Count);
            Assert.Contains("call: ended: left\n! vc-leave: not in the call", bob.Text, StringComparison.Ordinal);

            Assert.Equal(bytes, await File.ReadAllBytesAsync(recorded, TestContext.Current.CancellationToken));
            Assert.Equal(0, await RunProgramAsync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", recorded]));

            await stopServer.CancelAsync();
            Assert.Equal(0, await serverRun);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task SendMediaOffersMp2tAloneFindsTheServersSipPortAndRefusesToStreamUnderAnotherCodec()
    {
        var folder = Directory.CreateTempSubdirectory("vcsp-cli-codec-").FullName;
        try
        {
            var sent = Path.Combine(folder, "sent.ts");
            Assert.Equal(0, await RunProgramAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "0.5", "-c:v", "mpeg2video", "-b:v", "200k", "-f", "mpegts", sent]));
            var packets = new FileInfo(sent).Length / 188;

            // The server's default codecs put opus first; its SIP port is a free one (not 5060), and no client is told it.
            var port = FreePort();
            var server = new Terminal("server");
            using var stopServer = new CancellationTokenSource();
            var serverRun = Task.Run(() => Vcsp.Cli.Program.Run(["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture)], server.Writer, TextWriter.Null, stopServer.Token), TestContext.Current.CancellationToken);
            await server.WaitForAsync("SIP on");
            Assert.DoesNotContain("SIP on 127.0.0.1:5060 ", server.Text, StringComparison.Ordinal);

            // alice gives no --codecs: with --send-media her /vc-init offers mp2t alone, so the call is MPEG-TS and she streams.
            var alice = new Terminal("alice");
            var aliceInput = new Pipe();
            var aliceRun = Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "alice", "--send-media", sent], aliceInput.Reader.AsStream(), alice.Writer, alice.Writer, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
            await alice.WaitForAsync("joined lobby");
            await aliceInput.Writer.WriteAsync("/vc-init\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await alice.WaitForAsync("call: in the call, codec mp2t");
            await alice.WaitForAsync($"media: sent {packets} packets");

            // carol asks for opus: the call is opus, and her MPEG-TS file is refused with a message, not sent as opus.
            // Joining the call again with mp2t, she streams it.
            var carol = new Terminal("carol");
            var carolInput = new Pipe();
            var carolRun = Task.Run(() => Vcsp.Cli.Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "carol", "--codecs", "opus", "--send-media", sent], carolInput.Reader.AsStream(), carol.Writer, carol.Writer, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
            await carol.WaitForAsync("joined lobby");
            await carolInput.Writer.WriteAsync("/vc-init\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await carol.WaitForAsync("call: in the call, codec opus");
            await carol.WaitForAsync($"! media: not sending {sent}: the call's codec is opus, and --send-media streams MPEG-TS (mp2t); offer mp2t (--codecs mp2t, or /vc-init mp2t)");
            Assert.DoesNotContain("media: sent", carol.Text, StringComparison.Ordinal);
            await carolInput.Writer.WriteAsync("/vc-leave\n/vc-init mp2t\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await carol.WaitForAsync("call: in the call, codec mp2t");
            await carol.WaitForAsync($"media: sent {packets} packets");
            Assert.DoesNotContain("did not answer", alice.Text + carol.Text, StringComparison.Ordinal);

            await aliceInput.Writer.WriteAsync("/quit\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await carolInput.Writer.WriteAsync("/quit\n"u8.ToArray(), TestContext.Current.CancellationToken);
            Assert.Equal(0, await aliceRun.WaitAsync(Patience, TestContext.Current.CancellationToken));
            Assert.Equal(0, await carolRun.WaitAsync(Patience, TestContext.Current.CancellationToken));
            await stopServer.CancelAsync();
            Assert.Equal(0, await serverRun);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> RunProgramAsync(string program, string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"{program}: {await output}{await error}");
        return process.ExitCode;
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
