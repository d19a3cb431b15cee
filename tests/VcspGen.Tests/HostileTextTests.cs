using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Vcsp.Cli;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// Issue 13 item 1, end to end: every class of character a terminal would interpret (C0 with TAB, LF and CR, DEL, C1,
/// ESC sequences, bidi controls, invisible format characters, malformed UTF-8) sent to <c>vcsp client</c> in group
/// names, member names, messages, DMs, command replies and reject reasons reaches its output only made visible. The
/// real server refuses such member names, so names come from a hostile server: a raw UDP socket that plays the server's
/// part of the protocol (and a raw socket that forges a DM's sender); messages and DMs also go through the real server
/// from a real client.
/// </summary>
public sealed class HostileTextTests
{
    private const ushort Challenge = 0x4242;
    private const uint RelayStart = 100;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>Texts with every class: all of C0 but LF (a line's end in line mode), DEL, all of C1, the bidi controls, format characters.</summary>
    private static readonly string[] Typed =
    [
        "c0 " + string.Concat(Enumerable.Range(0, 0x20).Where(c => c != '\n').Select(c => (char)c)) + " del \u007F end",
        "c1 " + string.Concat(Enumerable.Range(0x80, 0x20).Select(c => (char)c)) + " end",
        "bidi \u200E\u200F\u061C\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069 end",
        "format \u200B\u2060\uFEFF\u00AD\u2028\u2029 end",
        "escapes \u001b[31mred\u001b[0m \u001b]0;pwned\u0007 \u001b[2J \u001bP1$r\u001b\\ end",
    ];

    /// <summary>Names and texts as raw bytes, for the hostile server: LF and CR too, and malformed UTF-8.</summary>
    private static readonly byte[][] Raw =
    [
        "m\u001b[31m"u8.ToArray(),
        "bell\u0007nul\0"u8.ToArray(),
        "t\tl\nc\r"u8.ToArray(),
        "\u202Eevil\u2066"u8.ToArray(),
        "c1\u0085\u009b"u8.ToArray(),
        "del\u007Fzw\u200B\uFEFF"u8.ToArray(),
        [0x6D, 0xFF, 0xC0, 0x80, 0xE2, 0x80],
    ];

    [Fact]
    public async Task MessagesAndDmsThroughTheRealServerArePrintedOnlyMadeVisible()
    {
        var port = FreePort();
        using var stopServer = new CancellationTokenSource();
        var serverRun = Task.Run(() => Program.Run(["server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture)], TextWriter.Null, TextWriter.Null, stopServer.Token), TestContext.Current.CancellationToken);

        var bob = new Terminal("bob");
        var bobInput = new Pipe();
        using var stopBob = new CancellationTokenSource();
        var bobRun = Task.Run(() => Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "bob"], bobInput.Reader.AsStream(), bob.Writer, bob.Writer, stopBob.Token), TestContext.Current.CancellationToken);
        await bob.WaitForAsync("joined lobby");

        var script = string.Concat(Typed.Select(t => t + "\n")) + string.Concat(Typed.Select(t => "/dm bob " + t + "\n")) + "/frob\u001b[2J\u202E\n/quit\n";
        var mallory = new Terminal("mallory");
        Assert.Equal(0, await Task.Run(() => Program.Run(["client", "--server", "127.0.0.1:" + port, "--name", "mallory"], new MemoryStream(Encoding.UTF8.GetBytes(script)), mallory.Writer, mallory.Writer, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken));
        Assert.Contains("! '/frob\u241b[2J<U+202E>' is not a command", mallory.Text, StringComparison.Ordinal); // even one's own typing
        AssertNothingRaw(mallory.Text);

        foreach (var text in Typed)
        {
            await bob.WaitForAsync("<mallory> " + TerminalText.Sanitize(text) + "\n");
            await bob.WaitForAsync("] " + TerminalText.Sanitize(text) + "\n");
        }

        var heard = bob.Text;
        AssertNothingRaw(heard);
        Assert.Contains("c0 \u2400\u2401\u2402", heard, StringComparison.Ordinal);
        Assert.Contains("\u2409\u240B\u240C\u240D", heard, StringComparison.Ordinal); // TAB, VT, FF, CR: pictures
        Assert.Contains(" del \u2421 end", heard, StringComparison.Ordinal);
        Assert.Contains("c1 <U+0080><U+0081>", heard, StringComparison.Ordinal);
        Assert.Contains("<U+009B><U+009C><U+009D><U+009E><U+009F> end", heard, StringComparison.Ordinal);
        Assert.Contains("bidi <U+200E><U+200F><U+061C><U+202A><U+202B><U+202C><U+202D><U+202E><U+2066><U+2067><U+2068><U+2069> end", heard, StringComparison.Ordinal);
        Assert.Contains("format <U+200B><U+2060><U+FEFF><U+00AD><U+2028><U+2029> end", heard, StringComparison.Ordinal);
        Assert.Contains("escapes \u241b[31mred\u241b[0m \u241b]0;pwned\u2407 \u241b[2J \u241bP1$r\u241b\\ end", heard, StringComparison.Ordinal);

        await stopBob.CancelAsync();
        Assert.Equal(0, await bobRun);
        await stopServer.CancelAsync();
        Assert.Equal(0, await serverRun);
    }

    [Fact]
    public async Task AHostileServerCannotGetControlsOntoTheScreenThroughNamesMessagesRepliesOrDms()
    {
        using var server = new HostileServer();
        var bob = new Terminal("bob");
        var input = new Pipe();
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => Program.Run(["client", "--server", "127.0.0.1:" + server.Port, "--name", "bob"], input.Reader.AsStream(), bob.Writer, bob.Writer, stop.Token), TestContext.Current.CancellationToken);

        // The group's name in the Response, then messages from members with hostile names, and hostile texts.
        await bob.WaitForAsync("joined " + TerminalText.Sanitize(HostileServer.GroupName) + "\n");
        for (var i = 0; i < Raw.Length; i++)
        {
            server.SendMsg(RelayStart + (uint)i, Raw[i], Raw[(i + 1) % Raw.Length]);
        }

        foreach (var name in Raw)
        {
            server.SendForgedDm(name, "psst \u001b]0;pwned\u0007"u8);
        }

        for (var i = 0; i < Raw.Length; i++)
        {
            await bob.WaitForAsync($"<{TerminalText.Sanitize(Raw[i])}> {TerminalText.Sanitize(Raw[(i + 1) % Raw.Length])}\n");
            await bob.WaitForAsync($"[dm {TerminalText.Sanitize(Raw[i])}@127.0.0.1:");
        }

        // Command replies: LIST's lines and fields are split as the protocol says, and each is made safe.
        await input.Writer.WriteAsync("/list\n"u8.ToArray(), TestContext.Current.CancellationToken);
        await bob.WaitForAsync("list:\n  \u241b]0;pwned\u2407 127.0.0.1:1\n  <U+202E>evil<U+0085> \u240D\u2400\n");
        await input.Writer.WriteAsync("/info\n"u8.ToArray(), TestContext.Current.CancellationToken);
        await bob.WaitForAsync("info:\n  name=\u241b[2J\uFFFD\n");

        var heard = bob.Text;
        AssertNothingRaw(heard);
        Assert.Contains("<m\u241b[31m> ", heard, StringComparison.Ordinal);
        Assert.Contains("<t\u2409l\u240Ac\u240D> ", heard, StringComparison.Ordinal); // a name with TAB, LF and CR stays one line
        Assert.Contains("<<U+202E>evil<U+2066>> ", heard, StringComparison.Ordinal);
        Assert.Contains("<m\uFFFD\uFFFD\uFFFD\uFFFD> ", heard, StringComparison.Ordinal); // malformed UTF-8
        Assert.Contains("] psst \u241b]0;pwned\u2407\n", heard, StringComparison.Ordinal);

        await stop.CancelAsync();
        Assert.Equal(0, await run);
        AssertNothingRaw(bob.Text);
        Assert.Null(server.Failure);
    }

    [Fact]
    public async Task AHostileRejectPrintsNoControls()
    {
        using var server = new HostileServer { RejectJoins = true };
        var bob = new Terminal("bob");
        var code = await Task.Run(() => Program.Run(["client", "--server", "127.0.0.1:" + server.Port, "--name", "bob"], new MemoryStream("hello\n"u8.ToArray()), bob.Writer, bob.Writer, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        Assert.Equal(1, code);
        // The reason is an enum (a value no enum names is refused by the decoder); the Reject's text is not printed at all.
        Assert.Contains("vcsp client: could not join: rejected: NameInUse", bob.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("pwned", bob.Text, StringComparison.Ordinal);
        AssertNothingRaw(bob.Text);
        Assert.Null(server.Failure);
    }

    /// <summary>Nothing a terminal would interpret: no C0 but the line ends, no DEL, no C1, no bidi or format characters.</summary>
    private static void AssertNothingRaw(string output)
    {
        foreach (var rune in output.EnumerateRunes())
        {
            if (rune.Value == '\n')
            {
                continue;
            }

            var category = Rune.GetUnicodeCategory(rune);
            Assert.False(
                category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                    || (category == UnicodeCategory.Format && rune.Value is not (0x200C or 0x200D)),
                $"U+{rune.Value:X4} printed raw in:\n{output}");
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>
    /// A raw UDP socket on 127.0.0.1 playing the server: admits the join (a Response with a hostile group name, an Ack
    /// to the confirmation), answers Acks that ask for one, LIST and INFO with hostile replies, and the FIN; or refuses
    /// the join with a hostile text. A second socket sends DMs with forged senders.
    /// </summary>
    private sealed class HostileServer : IDisposable
    {
        public static readonly byte[] GroupName = "lobby\u001b]0;pwned\u0007\u202E"u8.ToArray();
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Thread _thread;
        private readonly Lock _lock = new();
        private volatile bool _stopped;
        private IPEndPoint? _client;
        private VcspGen.VcspAddress _server;
        private uint _dmSequence = 1;

        public HostileServer()
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _socket.ReceiveTimeout = 200;
            _thread = new Thread(Serve) { IsBackground = true };
            _thread.Start();
        }

        public bool RejectJoins { get; init; }

        /// <summary>What went wrong on the server's thread, if anything.</summary>
        public string? Failure { get; private set; }

        public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

        public void SendMsg(uint sequence, byte[] sender, byte[] data)
        {
            var packet = new Msg { Challenge = VcspGen.VcspChallenge.None, Sequence = sequence, FragmentOffset = VcspGen.VcspWire.WholeMessage, Sender = sender, Data = data };
            var buffer = new byte[256];
            Assert.Equal(VcspGen.VcspEncodeStatus.Ok, packet.TryEncode(buffer, out var length));
            lock (_lock)
            {
                _socket.SendTo(buffer.AsSpan(0, length), SocketFlags.None, _client!);
            }
        }

        public void SendForgedDm(byte[] sender, ReadOnlySpan<byte> data)
        {
            var packet = new DirectMessage { Challenge = VcspGen.VcspChallenge.None, Sequence = _dmSequence++, FragmentOffset = VcspGen.VcspWire.WholeMessage, Sender = sender, Data = data };
            var buffer = new byte[256];
            Assert.Equal(VcspGen.VcspEncodeStatus.Ok, packet.TryEncode(buffer, out var length));
            _peer.SendTo(buffer.AsSpan(0, length), SocketFlags.None, _client!);
        }

        public void Dispose()
        {
            _stopped = true;
            _thread.Join();
            _socket.Dispose();
            _peer.Dispose();
        }

        private void Serve()
        {
            var buffer = new byte[2048];
            while (!_stopped)
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                int length;
                try
                {
                    length = _socket.ReceiveFrom(buffer, ref from);
                }
                catch (SocketException)
                {
                    continue; // the receive timeout: look at _stopped again
                }

                try
                {
                    lock (_lock)
                    {
                        Answer(buffer.AsSpan(0, length), (IPEndPoint)from);
                    }
                }
                catch (Exception e) when (e is Xunit.Sdk.XunitException or SocketException)
                {
                    Failure ??= e.Message; // a test thread reports it; an exception here would end the test process
                }
            }
        }

        private void Answer(ReadOnlySpan<byte> datagram, IPEndPoint from)
        {
            var reply = new byte[512];
            var length = 0;
            if (JoinRequest.TryDecode(datagram, out var join) == VcspGen.VcspDecodeStatus.Ok)
            {
                _client = from;
                _server = join.Server;
                Assert.Equal(VcspGen.VcspEncodeStatus.Ok, RejectJoins
                    ? new Reject { Challenge = VcspGen.VcspChallenge.None, Sequence = join.Sequence, Reason = RejectReason.NameInUse, Text = "\u001b]0;pwned\u0007"u8 }.TryEncode(reply, out length)
                    : new Response { Challenge = Challenge, Sequence = join.Sequence, InReplyTo = ResponseTo.JoinRequest, Server = _server, GroupName = GroupName }.TryEncode(reply, out length));
            }
            else if (Ack.TryDecode(datagram, out var ack) == VcspGen.VcspDecodeStatus.Ok && ack.Flags == AckFlags.ReplyRequested)
            {
                Assert.Equal(VcspGen.VcspEncodeStatus.Ok, new Ack { Challenge = Challenge, Sequence = ack.Sequence, RelayNext = ack.RelayNext == 0 ? RelayStart : ack.RelayNext, Window = 16 }.TryEncode(reply, out length));
            }
            else if (Command.TryDecode(datagram, out var command) == VcspGen.VcspDecodeStatus.Ok)
            {
                var data = command.Code == CommandCode.List
                    ? "\u001b]0;pwned\u0007\t127.0.0.1:1\n\u202Eevil\u0085\t\r\0\n"u8.ToArray()
                    : [.. "name=\u001b[2J"u8, 0xFF]; // ends in a byte that is never UTF-8
                Assert.Equal(VcspGen.VcspEncodeStatus.Ok, new CommandReply { Challenge = Challenge, Sequence = command.Sequence, FragmentOffset = VcspGen.VcspWire.WholeMessage, Code = command.Code, Status = CommandStatus.Ok, Data = data }.TryEncode(reply, out length));
            }
            else if (Fin.TryDecode(datagram, out var fin) == VcspGen.VcspDecodeStatus.Ok)
            {
                Assert.Equal(VcspGen.VcspEncodeStatus.Ok, new Response { Challenge = Challenge, Sequence = fin.Sequence, InReplyTo = ResponseTo.Fin, Server = _server, GroupName = GroupName }.TryEncode(reply, out length));
            }

            if (length > 0)
            {
                _socket.SendTo(reply.AsSpan(0, length), SocketFlags.None, from);
            }
        }
    }
}
