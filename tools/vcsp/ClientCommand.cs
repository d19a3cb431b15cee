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
using VcspGen.Spec;

namespace Vcsp.Cli;

/// <summary>
/// <c>vcsp client</c>: joins a group and chats. Lines from standard input go to the group, or are commands when they
/// start with '/'. Standard input is read through a <see cref="PipeReader"/>, one line at a time: a command's line is
/// not followed until its answer has come, so a script's lines run in order (the pipe's backpressure holds the rest).
/// </summary>
internal static class ClientCommand
{
    private static readonly TimeSpan AnswerPatience = TimeSpan.FromSeconds(10);

    /// <summary>The parsed options.</summary>
    internal sealed record Options(string ServerHost, int Port, string Name)
    {
        public byte[]? Codecs { get; init; }

        public int SipPort { get; init; }

        /// <summary>The other --server values: the other nodes of the group's cluster.</summary>
        public IReadOnlyList<(string Host, int Port)> Alternates { get; init; } = [];

        public SipTransport SipTransport { get; init; }

        public string? ServerSip { get; init; }

        public string? SendMedia { get; init; }

        public string? RecordMedia { get; init; }

        public TimeSpan Keepalive { get; init; } = TimeSpan.FromSeconds(15);

        /// <summary>The front end: the terminal chat client, line mode, or (Auto) the terminal client when standard input and output are terminals.</summary>
        public ClientUi Ui { get; init; }
    }

    /// <summary>Joins, chats until /quit, Ctrl-C or SIGTERM, then leaves with a FIN.</summary>
    public static async Task<int> RunAsync(Options options, Stream input, TextWriter output, TextWriter error, CancellationToken stop)
    {
        IPAddress address;
        var alternates = new List<VcspAddress>();
        var resolving = options.ServerHost;
        try
        {
            var first = IPAddress.TryParse(options.ServerHost, out var literal)
                ? [literal]
                : (await Dns.GetHostAddressesAsync(options.ServerHost, stop).ConfigureAwait(false))
                    .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
                    .ToArray();
            address = first[0];

            // The host name's other addresses, then the other --server values' (of the same family): the group's other
            // nodes, joined in turn when the membership is lost (PROTOCOL.md §15.4).
            alternates.AddRange(first.Skip(1).Where(a => a.AddressFamily == address.AddressFamily).Select(a => VcspAddress.FromEndPoint(new IPEndPoint(a, options.Port))));
            foreach (var (host, port) in options.Alternates)
            {
                resolving = host;
                var addresses = IPAddress.TryParse(host, out var other) ? [other] : await Dns.GetHostAddressesAsync(host, stop).ConfigureAwait(false);
                alternates.AddRange(addresses.Where(a => a.AddressFamily == address.AddressFamily).Select(a => VcspAddress.FromEndPoint(new IPEndPoint(a, port))));
            }
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            error.WriteLine($"vcsp client: cannot resolve '{resolving}': {e.Message}");
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
        using var screen = TerminalScreen.IsWanted(options.Ui, output) ? new TerminalScreen(options.Name, $"{options.Name} on {server}", TerminalScreen.ColourWanted) : null;
        var console = screen is null ? new ConsoleEvents(output, record) { OwnName = options.Name } : new ConsoleEvents(screen.Write, record) { OwnName = options.Name, SayListChanges = true };
        VcspClientHost client;
        try
        {
            // The host owns the socket, the SIP user agent and the lock; the console's events come on its dispatcher,
            // so printing and recording never hold the lock.
            client = new VcspClientHost(
                new ClientHostOptions
                {
                    Client = new ClientOptions { Server = VcspAddress.FromEndPoint(server), Alternates = [.. alternates.Distinct().Where(a => a != VcspAddress.FromEndPoint(server))], Name = options.Name, KeepaliveInterval = options.Keepalive },
                    Bind = local,
                    SipPort = options.SipPort,
                    Call = binding => new CallOptions
                    {
                        SipEndPoint = new IPEndPoint(LocalAddressToward(server, local), binding.Sip!.Port),
                        SipTransport = options.SipTransport,
                        ServerSipEndPoint = options.ServerSip is { } serverSip ? IPEndPoint.Parse(serverSip) : null,
                        MediaPort = binding.Local.Port,
                        // --send-media streams MPEG-TS: without --codecs, the call offers mp2t only (the server picks by its own order, §12.2).
                        Codecs = options.Codecs ?? (options.SendMedia is null ? GroupOptions.DefaultCodecs : [(byte)VcspCodec.Mp2t]),
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
            return screen is null
                ? await ChatAsync(client, console, server, input, error, stop).ConfigureAwait(false)
                : await TerminalChat.RunAsync(client, console, screen, server, error, stop).ConfigureAwait(false);
        }
        finally
        {
            await hostStop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(run, media).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// --send-media: once the call has started (with a call challenge) under MPEG-TS, streams the file in real time. A
    /// call under another codec is refused, with a message, and the next call is waited for.
    /// </summary>
    private static async Task StreamWhenInCallAsync(VcspClientHost client, ConsoleEvents console, string file, CancellationToken stop)
    {
        while (true)
        {
            if (!await console.WaitAsync(client, c => c.Call!.State == CallState.InCall && c.Call.CallChallenge is not null, Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false))
            {
                return;
            }

            // The file is MPEG-TS: under another negotiated codec it would be mislabelled media, so it is not sent.
            var codec = client.Invoke(c => c.Call!.Codec);
            if (codec == (byte)VcspCodec.Mp2t)
            {
                break;
            }

            console.Print($"! media: not sending {file}: the call's codec is {CodecNames.Describe([codec])}, and --send-media streams MPEG-TS (mp2t); offer mp2t (--codecs mp2t, or /vc-init mp2t)");

            // Waits for this call to be over. The condition is checked when something changes, so a /vc-leave and a
            // /vc-init that both ran before it was checked show only as a call under another codec or challenge.
            var challenge = client.Invoke(c => c.Call!.CallChallenge);
            if (!await console.WaitAsync(client, c => c.Call!.State != CallState.InCall || c.Call.Codec != codec || c.Call.CallChallenge != challenge, Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false))
            {
                return;
            }
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
                    // Stay in the group, printing, until Ctrl-C or SIGTERM (or the server ends the session). A lost
                    // membership being joined again is not an end: waiting for "closed" then would return at once, and spin.
                    await console.WaitAsync(client, c => c.Group.State == ClientState.Closed && !c.Rejoining, Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false);
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
                    if (!await ClientLines.HandleLineAsync(client, console, line, stop).ConfigureAwait(false))
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
                        if (!await ClientLines.HandleLineAsync(client, console, last, stop).ConfigureAwait(false))
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

        await ClientLines.QuitAsync(client, console).ConfigureAwait(false);
        return 0;
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
}
