using System;
using System.Buffers;
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
using VcspGen;
using VcspGen.Runtime;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace Vcsp.Cli;

/// <summary>
/// <c>vcsp client</c>: joins a group and chats. Lines from standard input go to the group, or are commands when they
/// start with '/'. Standard input is read through a <see cref="PipeReader"/>, one line at a time: a command's line is
/// not followed until its answer has come, so a script's lines run in order (the pipe's backpressure holds the rest).
/// </summary>
internal static class ClientCommand
{
    public const string Usage = """
        usage: vcsp client --server HOST[:PORT] --name NAME [call options]

          --server HOST[:PORT]  the group to join: an IP address or host name, and its port (default 50429);
                                IPv6 with a port is written [ADDRESS]:PORT
          --name NAME           your member name, 1 to 32 bytes of UTF-8, no control characters
        Call options:
          --codecs LIST         the codecs /vc-init offers, most preferred first (default: all six):
                                opus, pcmu, pcma, g722, h264, mp2t or their ids
          --sip-port PORT       the port of this client's SIP user agent (default 0: any free port)
          --sip-transport T     udp (default) or tcp: how the server's INVITE reaches this client
          --server-sip HOST:PORT  where the server's SIP endpoint is (default: the group's address, port 5060);
                                INVITEs from anywhere else are dropped
          --send-media FILE     an MPEG-TS file to stream (in real time) once in the call, one 188-byte packet per datagram
          --record-media FILE   write the media data received in the call to FILE

        Every line you type goes to the group, except lines that start with '/':
          /list             the members (with their addresses when you are the administrator)
          /info             the group's address, name, owner and member count
          /ping             a VCSP echo to the server, with the round trip in milliseconds
          /dm NAME TEXT     a direct message, peer to peer (also /whisper and /tell; NAME may be HOST:PORT)
          /kick NAME        remove a member (the administrator only)
          /res              leave and join again (and the call, if in it)
          /vc-init [LIST]   join the group's call (VoiceJoin, then SIP INVITE / 200 OK / ACK)
          /vc-leave         leave the call (the member stays in the group)
          /vc-restart       leave the call and join it again
          /quit             leave and exit
          /help             this list
        When standard input ends, the client stays in the group, printing, until Ctrl-C or SIGTERM.
        Exit codes: 0 after /quit, Ctrl-C or SIGTERM; 1 when the join fails or the server ends the session; 2 wrong arguments.
        """;

    private const string Commands = "commands: /list /info /ping /dm NAME TEXT /kick NAME /res /vc-init [CODECS] /vc-leave /vc-restart /quit /help";
    private static readonly TimeSpan AnswerPatience = TimeSpan.FromSeconds(10);

    /// <summary>The parsed options.</summary>
    internal sealed record Options(string ServerHost, int Port, string Name)
    {
        public byte[]? Codecs { get; init; }

        public int SipPort { get; init; }

        public SipTransport SipTransport { get; init; }

        public string? ServerSip { get; init; }

        public string? SendMedia { get; init; }

        public string? RecordMedia { get; init; }
    }

    /// <summary>Parses the options, or returns an error message.</summary>
    public static (Options? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        string? server = null;
        string? name = null;
        var call = new Options(string.Empty, 0, string.Empty);
        for (var i = 0; i < args.Count; i++)
        {
            var option = args[i];
            if (option is not ("--server" or "--name" or "--codecs" or "--sip-port" or "--sip-transport" or "--server-sip" or "--send-media" or "--record-media"))
            {
                return (null, $"unknown option '{option}'");
            }

            if (i + 1 >= args.Count)
            {
                return (null, $"option '{option}' needs a value");
            }

            var value = args[++i];
            switch (option)
            {
                case "--server":
                    server = value;
                    break;
                case "--name":
                    name = value;
                    break;
                case "--codecs" when CodecNames.TryParse(value, out var codecs):
                    call = call with { Codecs = codecs };
                    break;
                case "--codecs":
                    return (null, $"'{value}' is not a codec list: {CodecNames.Known}");
                case "--sip-port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var sipPort) && sipPort <= 65535:
                    call = call with { SipPort = sipPort };
                    break;
                case "--sip-port":
                    return (null, $"'{value}' is not a SIP port (0 to 65535)");
                case "--sip-transport" when value is "udp" or "tcp":
                    call = call with { SipTransport = value == "tcp" ? SipTransport.Tcp : SipTransport.Udp };
                    break;
                case "--sip-transport":
                    return (null, $"SIP transport must be udp or tcp, not '{value}'");
                case "--server-sip" when IPEndPoint.TryParse(value, out var sipEndPoint) && sipEndPoint.Port != 0:
                    call = call with { ServerSip = value };
                    break;
                case "--server-sip":
                    return (null, $"'{value}' is not ADDRESS:PORT");
                case "--send-media" when File.Exists(value):
                    call = call with { SendMedia = value };
                    break;
                case "--send-media":
                    return (null, $"no such file: '{value}'");
                default:
                    call = call with { RecordMedia = value };
                    break;
            }
        }

        if (server is null || name is null)
        {
            return (null, "--server and --name are required");
        }

        if (Encoding.UTF8.GetByteCount(name) is < 1 or > 32 || name.Any(char.IsControl))
        {
            return (null, $"member name '{name}' must be 1 to 32 bytes of UTF-8 without control characters");
        }

        if (!TrySplitHostPort(server, out var host, out var port))
        {
            return (null, $"'{server}' is not HOST[:PORT] with a port from 1 to 65535");
        }

        return (call with { ServerHost = host, Port = port, Name = name }, null);
    }

    /// <summary>Joins, chats until /quit, Ctrl-C or SIGTERM, then leaves with a FIN.</summary>
    public static async Task<int> RunAsync(Options options, Stream input, TextWriter output, TextWriter error, CancellationToken stop)
    {
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(options.ServerHost, out var literal)
                ? literal
                : (await Dns.GetHostAddressesAsync(options.ServerHost, stop).ConfigureAwait(false))
                    .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
                    .First();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException or ArgumentException)
        {
            error.WriteLine($"vcsp client: cannot resolve '{options.ServerHost}': {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }

        var server = new IPEndPoint(address, options.Port);
        var local = IPAddress.IsLoopback(address)
            ? address
            : address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        FileStream? record;
        try
        {
            record = options.RecordMedia is { } path ? new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0) : null; // unbuffered: the file grows packet by packet
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"vcsp client: {e.Message}");
            return 1;
        }

        await using var recording = record;
        var console = new ConsoleEvents(output, record);
        VcspClientHost client;
        try
        {
            // The host owns the socket, the SIP user agent and the lock; the console's events come on its dispatcher,
            // so printing and recording never hold the lock.
            client = new VcspClientHost(
                new ClientHostOptions
                {
                    Client = new ClientOptions { Server = VcspAddress.FromEndPoint(server), Name = options.Name },
                    Bind = local,
                    SipPort = options.SipPort,
                    Call = binding => new CallOptions
                    {
                        SipEndPoint = new IPEndPoint(LocalAddressToward(server, local), binding.Sip!.Port),
                        SipTransport = options.SipTransport,
                        ServerSipEndPoint = options.ServerSip is { } serverSip ? IPEndPoint.Parse(serverSip) : null,
                        MediaPort = binding.Local.Port,
                        Codecs = options.Codecs ?? GroupOptions.DefaultCodecs,
                    },
                },
                console,
                console,
                console);
        }
        catch (SocketException e)
        {
            error.WriteLine($"vcsp client: {e.Message}");
            return 1;
        }

        using var clientHost = client;
        using var hostStop = new CancellationTokenSource();
        var run = client.RunAsync(hostStop.Token);
        var media = options.SendMedia is { } file ? StreamWhenInCallAsync(client, console, file, hostStop.Token) : Task.CompletedTask;
        try
        {
            return await ChatAsync(client, console, server, input, error, stop).ConfigureAwait(false);
        }
        finally
        {
            await hostStop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(run, media).ConfigureAwait(false);
        }
    }

    /// <summary>--send-media: once the call has started (with a call challenge), streams the file in real time.</summary>
    private static async Task StreamWhenInCallAsync(VcspClientHost client, ConsoleEvents console, string file, CancellationToken stop)
    {
        if (!await console.WaitAsync(client, c => c.Call!.State == CallState.InCall && c.Call.CallChallenge is not null, Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await using var input = File.OpenRead(file);
            var result = await new TransportStreamSender(client.Host, client.Invoke(c => c.Call!), TimeProvider.System).SendAsync(PipeReader.Create(input), stop).ConfigureAwait(false);
            console.Print($"media: sent {result.PacketsSent} packets of {file}" + (result.PacketsRefused + result.BytesDiscarded > 0 ? $" ({result.PacketsRefused} refused, {result.BytesDiscarded} bytes not in whole packets)" : string.Empty));
        }
        catch (IOException e)
        {
            console.Print($"! media: {e.Message}");
        }
    }

    /// <summary>The local address that packets to <paramref name="server"/> leave from (for the SDP answer and Contact).</summary>
    private static IPAddress LocalAddressToward(IPEndPoint server, IPAddress bound)
    {
        if (!bound.Equals(IPAddress.Any) && !bound.Equals(IPAddress.IPv6Any))
        {
            return bound;
        }

        using var probe = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            probe.Connect(server); // a UDP connect sends nothing; it only picks the route
            return ((IPEndPoint)probe.LocalEndPoint!).Address;
        }
        catch (SocketException)
        {
            return bound;
        }
    }

    private static async Task<int> ChatAsync(VcspClientHost client, ConsoleEvents console, IPEndPoint server, Stream input, TextWriter error, CancellationToken stop)
    {
        console.Print($"joining {server} ...");
        client.Invoke(c => c.Join());
        await console.WaitAsync(client, c => c.Group.State is ClientState.Member or ClientState.Closed, AnswerPatience * 2, stop).ConfigureAwait(false);
        var state = ClientState.Idle;
        state = client.Invoke(c => c.Group.State);
        if (state != ClientState.Member)
        {
            // Stopped while joining, or the join failed. (A stop that comes just after the join falls through to the
            // loop below, which leaves with a FIN.)
            return stop.IsCancellationRequested && state != ClientState.Closed ? 0
                : Fail(error, state == ClientState.Closed ? "could not join: " + console.LastClose : "no answer from the server");
        }

        var reader = PipeReader.Create(input);
        Task<ReadResult>? reading = null;
        var inputEnded = false;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (console.SessionEnded)
                {
                    return Fail(error, "the session ended: " + console.LastClose);
                }

                if (inputEnded)
                {
                    // Stay in the group, printing, until Ctrl-C or SIGTERM (or the server ends the session).
                    await console.WaitAsync(client, c => c.Group.State == ClientState.Closed, Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false);
                    continue;
                }

                reading ??= reader.ReadAsync(CancellationToken.None).AsTask();
                var ended = console.EndedTask;
                await Task.WhenAny(reading, ended, Task.Delay(Timeout.Infinite, stop)).ConfigureAwait(false);
                if (!reading.IsCompleted)
                {
                    continue;
                }

                var result = await reading.ConfigureAwait(false);
                reading = null;
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    if (!await HandleLineAsync(client, console, line, stop).ConfigureAwait(false))
                    {
                        return 0;
                    }
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        var last = Encoding.UTF8.GetString(buffer);
                        buffer = buffer.Slice(buffer.End);
                        if (!await HandleLineAsync(client, console, last, stop).ConfigureAwait(false))
                        {
                            return 0;
                        }
                    }

                    inputEnded = true;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            if (reading is null)
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
        }

        await QuitAsync(client, console).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Handles one line; returns false after /quit.</summary>
    private static async Task<bool> HandleLineAsync(VcspClientHost client, ConsoleEvents console, string line, CancellationToken stop)
    {
        line = line.TrimEnd('\r');
        if (line.Length == 0)
        {
            return true;
        }

        if (line[0] != '/')
        {
            var text = Encoding.UTF8.GetBytes(line);
            var (sent, most) = client.Invoke(c => (c.Group.TrySend(text), c.Group.MaxMessageLength));
            if (!sent)
            {
                console.Print(text.Length > most
                    ? $"! not sent: the message is {text.Length} bytes, the most is {most}"
                    : "! not sent: not a member");
            }

            return true;
        }

        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = (space < 0 ? line : line[..space]).ToLowerInvariant();
        var rest = space < 0 ? string.Empty : line[(space + 1)..].Trim();
        switch (verb)
        {
            case "/quit":
                await QuitAsync(client, console).ConfigureAwait(false);
                return false;
            case "/help":
                console.Print(Commands);
                return true;
            case "/list" or "/info" when rest.Length == 0:
                await CommandAsync(client, console, verb == "/list" ? CommandCode.List : CommandCode.Info, string.Empty, stop).ConfigureAwait(false);
                return true;
            case "/kick" when rest.Length > 0 && !rest.Contains(' ', StringComparison.Ordinal):
                await CommandAsync(client, console, CommandCode.Kick, rest, stop).ConfigureAwait(false);
                return true;
            case "/ping" when rest.Length == 0:
                var pongs = console.Pongs;
                client.Invoke(c => c.Group.Ping());
                if (!await console.WaitAsync(client, c => console.Pongs != pongs || c.Group.State != ClientState.Member, AnswerPatience, stop).ConfigureAwait(false))
                {
                    console.Print("! ping: no answer");
                }

                return true;
            case "/dm" or "/whisper" or "/tell" when rest.IndexOf(' ', StringComparison.Ordinal) is > 0 and var gap:
                await DirectAsync(client, console, rest[..gap], rest[(gap + 1)..], stop).ConfigureAwait(false);
                return true;
            case "/vc-init":
                byte[]? codecs = null;
                if (rest.Length > 0 && !CodecNames.TryParse(rest, out codecs))
                {
                    console.Print($"! vc-init: '{rest}' is not a codec list: {CodecNames.Known}");
                    return true;
                }

                var joining = false;
                joining = client.Invoke(c => c.Call!.Join(codecs));
                if (!joining)
                {
                    console.Print("! vc-init: not a member of the group, or already in (or joining) the call");
                    return true;
                }

                await WaitForCallAsync(client, console, stop).ConfigureAwait(false);
                return true;
            case "/vc-leave" when rest.Length == 0:
                var leaving = false;
                leaving = client.Invoke(c => c.Call!.Leave());
                if (!leaving)
                {
                    console.Print("! vc-leave: not in the call");
                    return true;
                }

                await WaitForCallAsync(client, console, stop).ConfigureAwait(false);
                return true;
            case "/vc-restart" when rest.Length == 0:
                var restarting = false;
                restarting = client.Invoke(c => c.RestartCall());
                if (!restarting)
                {
                    console.Print("! vc-restart: not in the call");
                    return true;
                }

                await WaitForCallAsync(client, console, stop).ConfigureAwait(false);
                return true;
            case "/res" when rest.Length == 0:
                var restarted = false;
                restarted = client.Invoke(c => c.Restart());
                if (!restarted)
                {
                    console.Print("! res: not a member");
                    return true;
                }

                await console.WaitAsync(client, c => c.Group.State is ClientState.Member or ClientState.Closed, AnswerPatience * 2, stop).ConfigureAwait(false);
                return true;
            default:
                console.Print($"! '{line}' is not a command; {Commands}");
                return true;
        }
    }

    /// <summary>Waits until the call is settled: in it, or out of it (VC-INIT answered, VC-LEAVE done).</summary>
    private static async Task WaitForCallAsync(VcspClientHost client, ConsoleEvents console, CancellationToken stop)
    {
        // VC-INIT's VoiceJoin gives up after 7.75 s; a SIP set-up may take up to 64 × T1 (32 s) more.
        if (!await console.WaitAsync(client, c => c.Call!.State is CallState.InCall or CallState.Idle, TimeSpan.FromSeconds(45), stop).ConfigureAwait(false))
        {
            console.Print("! call: no answer yet");
        }
    }

    private static async Task CommandAsync(VcspClientHost client, ConsoleEvents console, CommandCode command, string argument, CancellationToken stop)
    {
        var replies = console.Replies;
        var sent = false;
        sent = client.Invoke(c => c.Group.TrySendCommand(command, Encoding.UTF8.GetBytes(argument)));
        if (!sent)
        {
            console.Print($"! {command.ToString().ToLowerInvariant()}: cannot send now (not a member, or the name is too long)");
            return;
        }

        if (!await console.WaitAsync(client, c => console.Replies != replies || c.Group.State != ClientState.Member, AnswerPatience, stop).ConfigureAwait(false))
        {
            console.Print($"! {command.ToString().ToLowerInvariant()}: no answer");
        }
    }

    private static async Task DirectAsync(VcspClientHost client, ConsoleEvents console, string peer, string text, CancellationToken stop)
    {
        var message = Encoding.UTF8.GetBytes(text);
        var replies = console.Replies;
        var sent = false;
        if (TrySplitHostPort(peer, out var ip, out var port) && IPAddress.TryParse(ip, out var address) && peer.Contains(':', StringComparison.Ordinal))
        {
            sent = client.Invoke(c => c.Direct.TrySend(VcspAddress.FromEndPoint(new IPEndPoint(address, port)), message));
        }
        else
        {
            sent = client.Invoke(c => c.TrySendDirect(peer, message));
            if (sent)
            {
                // A WHOIS may be on its way first; wait for it so the next line finds the command slot free.
                await console.WaitAsync(client, c => console.Replies != replies || !c.WaitingForWhois, AnswerPatience, stop).ConfigureAwait(false);
            }
        }

        if (!sent)
        {
            var most = client.Invoke(c => c.Direct.MaxMessageLength);
            console.Print(message.Length > most
                ? $"! dm: the message is {message.Length} bytes, the most is {most}"
                : "! dm: cannot send now (not a member, or another command is waiting)");
        }
    }

    private static async Task QuitAsync(VcspClientHost client, ConsoleEvents console)
    {
        var member = false;
        client.Invoke(c =>
        {
            member = c.Group.State == ClientState.Member;
            c.Quit();
        });
        if (member)
        {
            // QUIT does not wait for the Response to report that it has quit (PROTOCOL.md §11.11), but the process
            // keeps the socket open until the FIN is answered or its tries run out, so the server does hear it.
            console.Print("quit");
            await console.WaitAsync(client, c => c.Group.State == ClientState.Closed, TimeSpan.FromSeconds(9), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine("vcsp client: " + message);
        return 1;
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out string line)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            line = string.Empty;
            return false;
        }

        line = Encoding.UTF8.GetString(buffer.Slice(0, position.Value));
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    /// <summary>Splits HOST[:PORT] ([V6]:PORT for IPv6 with a port); the port defaults to 50429.</summary>
    internal static bool TrySplitHostPort(string value, out string host, out int port)
    {
        port = 50429;
        host = value;
        if (value.StartsWith('['))
        {
            if (!IPEndPoint.TryParse(value, out var endPoint))
            {
                return false;
            }

            host = endPoint.Address.ToString();
            port = value.EndsWith(']') ? 50429 : endPoint.Port;
            return port is >= 1 and <= 65535;
        }

        if (IPAddress.TryParse(value, out _))
        {
            return true; // a bare IPv4 or IPv6 address
        }

        var colon = value.LastIndexOf(':');
        if (colon >= 0)
        {
            host = value[..colon];
            if (!int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                return false;
            }
        }

        return host.Length > 0 && Uri.CheckHostName(host) != UriHostNameType.Unknown;
    }

    /// <summary>Prints what the client hears, and wakes the console loop when something arrives.</summary>
    private sealed class ConsoleEvents(TextWriter output, Stream? record) : IClientEvents, IDirectMessageEvents, ICallEvents
    {
        private readonly Lock _print = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _member;
        private bool _recordFailed;

        private int _replies;
        private int _pongs;
        private string _lastClose = string.Empty;

        public int Replies => Volatile.Read(ref _replies);

        public int Pongs => Volatile.Read(ref _pongs);

        public string LastClose => Volatile.Read(ref _lastClose);

        /// <summary>The server ended the session (kicked, or it stopped answering), not this side.</summary>
        public bool SessionEnded => _ended.Task.IsCompleted;

        public Task EndedTask => _ended.Task;

        public void Print(string line)
        {
            lock (_print)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }

        /// <summary>
        /// Waits until <paramref name="condition"/> holds (checked on the client under its lock) or the time is up.
        /// The events come on the host's dispatcher, so the pulse to wait on is taken before the condition is read:
        /// an event handled in between completes it, and nothing is missed.
        /// </summary>
        public async Task<bool> WaitAsync(VcspClientHost client, Func<ChatClient, bool> condition, TimeSpan patience, CancellationToken stop)
        {
            var deadline = patience == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + patience;
            while (true)
            {
                Task changed;
                lock (_print)
                {
                    changed = _changed.Task;
                }

                if (client.Invoke(condition))
                {
                    // What led there is printed before the console goes on (a script's lines run in order).
                    try
                    {
                        await client.WhenEventsDeliveredAsync().WaitAsync(stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Stopping: nothing more is printed in order.
                    }

                    return true;
                }

                var left = deadline == DateTime.MaxValue ? Timeout.InfiniteTimeSpan : deadline - DateTime.UtcNow;
                if (stop.IsCancellationRequested || (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero))
                {
                    return false;
                }

                try
                {
                    await changed.WaitAsync(left, stop).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    return false;
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }

        public void OnJoined(ReadOnlySpan<byte> groupName)
        {
            _member = true;
            Print($"joined {Encoding.UTF8.GetString(groupName)}");
            Changed();
        }

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
        {
            Print($"<{Encoding.UTF8.GetString(sender)}> {Encoding.UTF8.GetString(message)}");
            Changed();
        }

        public void OnClosed(SessionEnd end)
        {
            Volatile.Write(ref _lastClose, end.ToString());
            Print("closed: " + LastClose);
            if (_member && !end.IsLeave)
            {
                _ended.TrySetResult();
            }

            _member = false;
            Changed();
        }

        public void OnPong(TimeSpan roundTrip)
        {
            Print($"pong: {roundTrip.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms");
            Interlocked.Increment(ref _pongs);
            Changed();
        }

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
            var name = command.ToString().ToLowerInvariant();
            if (status != CommandStatus.Ok)
            {
                Print($"! {name}: {status}");
            }
            else if (command == CommandCode.Whois)
            {
                Print($"whois: {Encoding.UTF8.GetString(data)}");
            }
            else if (command == CommandCode.Kick)
            {
                Print("kick: done");
            }
            else
            {
                var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Print($"{name}:" + string.Concat(lines.Select(l => "\n  " + l.Replace('\t', ' '))));
            }

            Interlocked.Increment(ref _replies);
            Changed();
        }

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
        {
            Print($"[dm {Encoding.UTF8.GetString(sender)}@{peer}] {Encoding.UTF8.GetString(message)}");
            Changed();
        }

        public void OnCallStarted(byte codec, ushort? callChallenge)
        {
            Print($"call: in the call, codec {CodecNames.Describe([codec])}" + (callChallenge is null ? " (the peer's offer had no call challenge: no media)" : string.Empty));
            Changed();
        }

        public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs)
        {
            Print($"call: refused ({reason}); the server's codecs: {CodecNames.Describe(serverCodecs.ToArray())}");
            Changed();
        }

        public void OnCallEnded(CallEnd end)
        {
            Print("call: ended: " + end);
            Changed();
        }

        public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data)
        {
            // --record-media: the data as it comes (for one sender's MPEG-TS, a playable stream). On the host's event
            // dispatcher, one event after another, so writes are in arrival order and never hold the client's lock; a
            // failing disk stops the recording, not the call.
            if (record is not null && !_recordFailed)
            {
                try
                {
                    record.Write(data);
                }
                catch (IOException e)
                {
                    _recordFailed = true;
                    Print("! record-media: " + e.Message);
                }
            }

            MediaPackets++;
        }

        public long MediaPackets { get; private set; }

        private void Changed()
        {
            TaskCompletionSource changed;
            lock (_print)
            {
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
        }
    }
}
