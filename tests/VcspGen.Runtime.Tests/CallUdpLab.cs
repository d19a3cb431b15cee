using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// A group server with a real SIP endpoint, and members with theirs, on real sockets on 127.0.0.1: the group on a
/// UDP port, SIP on UDP and TCP. Each machine runs on its <see cref="UdpHost"/>, and its SIP endpoint hands messages
/// to it under that host's lock.
/// </summary>
internal sealed class CallUdpLab : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
    private readonly List<Task> _runs = [];
    private readonly List<IDisposable> _owned = [];

    /// <param name="codecs">The server's codecs, most preferred first.</param>
    /// <param name="withSip">False for a group without a SIP endpoint (it has no call and drops VoiceJoin).</param>
    public CallUdpLab(IReadOnlyList<byte> codecs, bool withSip = true)
    {
        ServerHost = Own(new UdpHost(new IPEndPoint(IPAddress.Loopback, 0)));
        ServerSip = withSip ? Own(new SipEndpoint(new IPEndPoint(IPAddress.Loopback, 0))) : null;
        var options = new GroupOptions
        {
            Name = "lobby",
            Address = ServerHost.LocalAddress,
            Codecs = codecs,
            SipPort = ServerSip?.LocalEndPoint.Port ?? 5060,
            SipTimers = new SipTimers { T1 = TimeSpan.FromMilliseconds(100) },
        };
        Server = new GroupServer(options, ServerHost, TimeProvider.System, null, ServerSip);
        _runs.Add(ServerHost.RunAsync(Server, TimeProvider.System, _stop.Token));
        if (ServerSip is not null)
        {
            _runs.Add(ServerSip.RunAsync((m, p) => ServerHost.Invoke(() => Server.ReceiveSip(m, p)), _stop.Token));
        }
    }

    public UdpHost ServerHost { get; }

    public SipEndpoint? ServerSip { get; }

    public GroupServer Server { get; }

    public T OnServer<T>(Func<GroupServer, T> read)
    {
        T value = default!;
        ServerHost.Invoke(() => value = read(Server));
        return value;
    }

    /// <summary>A member with its own SIP endpoint, joined to the group (not yet to the call).</summary>
    /// <param name="name">The member name.</param>
    /// <param name="codecs">The codecs its VC-INIT lists.</param>
    /// <param name="transport">The transport its SIP user agent takes INVITEs on.</param>
    /// <param name="serverSip">The server's SIP endpoint as the member expects it (defaults to the lab server's).</param>
    /// <param name="announcedSipPort">The SIP port its VoiceJoin names, when that is another user agent's (say sipp's).</param>
    /// <param name="learnServerSip">True for a member configured with no server SIP endpoint (it learns it from the INVITE).</param>
    public async Task<CallMember> MemberAsync(string name, IReadOnlyList<byte> codecs, SipTransport transport = SipTransport.Udp, IPEndPoint? serverSip = null, int? announcedSipPort = null, bool learnServerSip = false, TimeSpan? t1 = null)
    {
        var host = Own(new UdpHost(new IPEndPoint(IPAddress.Loopback, 0)));
        var sip = Own(new SipEndpoint(new IPEndPoint(IPAddress.Loopback, 0)));
        var events = new LabEvents();
        var calls = new ConcurrentCallEvents();
        var callOptions = new CallOptions
        {
            SipEndPoint = new IPEndPoint(IPAddress.Loopback, announcedSipPort ?? sip.LocalEndPoint.Port),
            SipTransport = transport,
            ServerSipEndPoint = learnServerSip ? null : serverSip ?? ServerSip?.LocalEndPoint ?? new IPEndPoint(IPAddress.Loopback, 5060),
            MediaPort = host.LocalEndPoint.Port,
            Codecs = codecs,
            Timers = new SipTimers { T1 = t1 ?? TimeSpan.FromMilliseconds(100) },
        };
        var chat = new ChatClient(new ClientOptions { Server = ServerHost.LocalAddress, Name = name }, host, TimeProvider.System, events, events, callOptions, sip, calls);
        _runs.Add(host.RunAsync(chat, TimeProvider.System, _stop.Token));
        _runs.Add(sip.RunAsync((m, p) => host.Invoke(() => chat.ReceiveSip(m, p)), _stop.Token));
        var member = new CallMember(host, sip, chat, events, calls);
        member.Do(c => c.Join());
        await events.WaitForAsync("joined lobby");
        return member;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_runs);
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _stop.Dispose();
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }
}

/// <summary>A member in a <see cref="CallUdpLab"/>.</summary>
internal sealed record CallMember(UdpHost Host, SipEndpoint Sip, ChatClient Chat, LabEvents Events, ConcurrentCallEvents Calls)
{
    public MemberCall Call => Chat.Call!;

    public void Do(Action<ChatClient> action) => Host.Invoke(() => action(Chat));

    public T Get<T>(Func<ChatClient, T> read)
    {
        T value = default!;
        Host.Invoke(() => value = read(Chat));
        return value;
    }
}

/// <summary>What a member's call reports, readable from the test's thread; media data is appended to a stream.</summary>
internal sealed class ConcurrentCallEvents : ICallEvents
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly MemoryStream _media = new();
    private readonly Lock _gate = new();

    public string[] Log => [.. _log];

    public int MediaPackets { get; private set; }

    public HashSet<ushort> Sources { get; } = [];

    public byte[] MediaBytes()
    {
        lock (_gate)
        {
            return _media.ToArray();
        }
    }

    public Task WaitForPrefixAsync(string prefix) =>
        UdpLab.WaitUntilAsync(() => _log.Any(l => l.StartsWith(prefix, StringComparison.Ordinal)), $"'{prefix}...' (call log: {string.Join(" | ", _log)})");

    public void OnCallStarted(byte codec, ushort? callChallenge) => _log.Enqueue($"started codec {codec}" + (callChallenge is null ? " without challenge" : string.Empty));

    public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs) => _log.Enqueue($"rejected {reason}");

    public void OnCallEnded(CallEnd end) => _log.Enqueue("ended: " + end);

    public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            _media.Write(data);
            MediaPackets++;
            Sources.Add(source);
        }
    }
}

/// <summary>Runs real programs (sipp, ffmpeg, ffprobe) for interop tests, with a time limit and their output kept for failures.</summary>
internal static class Programs
{
    /// <summary>Starts a program; the result's task ends with its exit code and output.</summary>
    public static Running Start(string program, IEnumerable<string> arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException(program + " did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{program} is not installed ({e.Message}): scripts/test.sh installs it", e);
        }

        return new Running(process);
    }

    /// <summary>Runs a program to its end and returns its exit code and output.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan limit)
    {
        using var running = Start(program, arguments, workingDirectory);
        return await running.WaitAsync(limit);
    }

    /// <summary>
    /// A UDP and TCP port on 127.0.0.1 that nothing uses right now, for a program that binds it itself (sipp, baresip).
    /// It is drawn at random below the kernel's ephemeral range: a port the kernel hands out to a socket bound to port
    /// 0 (every other test's) could be taken again between this check and the program's bind (sipp then exits with
    /// "Unable to bind main socket").
    /// </summary>
    public static int FreePort()
    {
        var (low, high) = FixedRange();
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(low, high);
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 200)
            {
            }
        }
    }

    /// <summary>The ports below the kernel's ephemeral range that tests draw from (10000 up to its start).</summary>
    private static (int Low, int High) FixedRange()
    {
        var start = 32768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            start = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
        }

        return (10000, Math.Max(start, 12000));
    }

    /// <summary>Whether something is bound to a port on 127.0.0.1 (a program has started listening).</summary>
    public static bool IsBound(int port, SocketType type)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    internal sealed class Running(Process process) : IDisposable
    {
        private readonly Task<string> _stdout = process.StandardOutput.ReadToEndAsync();
        private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();

        public Process Process { get; } = process;

        public async Task<(int Code, string Output)> WaitAsync(TimeSpan limit)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(limit);
            try
            {
                await Process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync(CancellationToken.None);
                return (-1, $"killed after {limit}:\n{await _stdout}\n{await _stderr}");
            }

            return (Process.ExitCode, await _stdout + "\n" + await _stderr);
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }
    }
}
