using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// A real baresip (Debian's <c>baresip-core</c>; scripts/test.sh installs it) on 127.0.0.1, with a configuration
/// directory of its own: one local account that answers every call at once (<c>answermode=auto</c>), PCMU and PCMA
/// (<c>g711</c>), a file of silence as its audio source (<c>aufile</c>) and no audio player (none is loaded), SIP on UDP at
/// <see cref="SipPort"/>. The test drives it over its <c>ctrl_tcp</c> module (netstring JSON commands such as
/// <c>dial</c> and <c>hangup</c> of the <c>menu</c> module, and the call events it reports), and reads the SIP
/// messages it sent and received from its trace (<c>-s</c>) on stdout.
/// </summary>
internal sealed partial class BaresipAgent : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly string[] ModuleFolders = ["/usr/lib/baresip/modules", "/usr/lib/x86_64-linux-gnu/baresip/modules", "/usr/lib/aarch64-linux-gnu/baresip/modules", "/usr/local/lib/baresip/modules"];

    private readonly TempFolder _folder;
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly List<BaresipEvent> _events = [];
    private readonly Dictionary<string, TaskCompletionSource<(bool Ok, string Data)>> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];
    private TcpClient? _control;
    private int _token;

    private BaresipAgent(TempFolder folder, Process process, string user, int sipPort)
    {
        _folder = folder;
        _process = process;
        User = user;
        SipPort = sipPort;
        _readers.Add(Pump(process.StandardOutput));
        _readers.Add(Pump(process.StandardError));
    }

    /// <summary>The user part of its account (<c>sip:USER@127.0.0.1</c>): baresip answers only a Request-URI that names it.</summary>
    public string User { get; }

    /// <summary>Its SIP port on 127.0.0.1 (UDP; baresip listens on TCP there too).</summary>
    public int SipPort { get; }

    public IPEndPoint SipEndPoint => new(IPAddress.Loopback, SipPort);

    /// <summary>What baresip printed so far, without its colour escapes.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return Colour().Replace(_output.ToString(), string.Empty);
            }
        }
    }

    /// <summary>The call events (ctrl_tcp's <c>"event":true</c> messages) so far, in order.</summary>
    public BaresipEvent[] Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Every SIP message of its trace so far, in order: who sent it, to whom, and its text.</summary>
    public IReadOnlyList<TracedSip> Trace
    {
        get
        {
            string raw;
            lock (_gate)
            {
                raw = _output.ToString();
            }

            return [.. TraceBlock().Matches(raw).Select(m => new TracedSip(m.Groups["from"].Value, m.Groups["to"].Value, m.Groups["text"].Value))];
        }
    }

    /// <summary>What to print when a test fails: the events and baresip's whole output.</summary>
    public string Diagnostics => $"baresip events: {string.Join(" | ", Events.Select(e => e.ToString()))}\nbaresip output:\n{Output}";

    /// <summary>Starts baresip with a fresh configuration and waits until its control socket takes a connection.</summary>
    /// <param name="user">The account's user part.</param>
    /// <param name="addressWithPort">
    /// True to write the account's address with the SIP port (<c>sip:USER@127.0.0.1:PORT</c>), so that the From of
    /// baresip's requests names its port as the Via and Contact do; false for the plain <c>sip:USER@127.0.0.1</c>.
    /// </param>
    public static async Task<BaresipAgent> StartAsync(string user, bool addressWithPort = false)
    {
        var folder = new TempFolder();
        try
        {
            var (sipPort, controlPort) = FreePorts();
            var modules = ModuleFolders.FirstOrDefault(Directory.Exists)
                ?? throw new InvalidOperationException("baresip's modules are not installed (no " + string.Join(", ", ModuleFolders) + "): scripts/test.sh installs baresip-core");
            var silence = Path.Combine(folder.Path, "silence.wav");
            File.WriteAllBytes(silence, Silence(TimeSpan.FromSeconds(60)));
            string[] config =
            [
                "poll_method epoll",
                $"sip_listen 127.0.0.1:{sipPort}",
                "net_interface 127.0.0.1", // the address of its Contact and its SDP's c= line
                $"audio_source aufile,{silence}", // no audio device: a file of silence (menu hangs up at its end)
                $"module_path {modules}",
                "module g711.so",
                "module aufile.so",
                "module_app account.so",
                "module_app menu.so", // dial, hangup and answermode
                "module_app ctrl_tcp.so",
                $"ctrl_tcp_listen 127.0.0.1:{controlPort}",
            ];
            File.WriteAllLines(Path.Combine(folder.Path, "config"), config);
            File.WriteAllText(Path.Combine(folder.Path, "accounts"), $"<sip:{user}@127.0.0.1{(addressWithPort ? ":" + sipPort.ToString(CultureInfo.InvariantCulture) : string.Empty)}>;regint=0;answermode=auto\n");

            var info = new ProcessStartInfo("baresip")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = folder.Path,
            };
            foreach (var argument in new[] { "-f", folder.Path, "-s" })
            {
                info.ArgumentList.Add(argument);
            }

            Process process;
            try
            {
                process = Process.Start(info) ?? throw new InvalidOperationException("baresip did not start");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException($"baresip is not installed ({e.Message}): scripts/test.sh installs baresip-core", e);
            }

            var agent = new BaresipAgent(folder, process, user, sipPort);
            try
            {
                await agent.ConnectAsync(controlPort);
                return agent;
            }
            catch
            {
                await agent.DisposeAsync();
                throw;
            }
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Sends a ctrl_tcp command and returns its answer; fails the test unless baresip says it went well.</summary>
    public async Task<string> CommandAsync(string command, string? parameters = null)
    {
        var token = "t" + Interlocked.Increment(ref _token).ToString(CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<(bool Ok, string Data)>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _pending[token] = answer;
        }

        var json = parameters is null
            ? JsonSerializer.Serialize(new Dictionary<string, string> { ["command"] = command, ["token"] = token })
            : JsonSerializer.Serialize(new Dictionary<string, string> { ["command"] = command, ["params"] = parameters, ["token"] = token });
        var payload = Encoding.UTF8.GetBytes(json);
        var frame = Encoding.ASCII.GetBytes(payload.Length.ToString(CultureInfo.InvariantCulture) + ":").Concat(payload).Append((byte)',').ToArray();
        await _control!.GetStream().WriteAsync(frame, TestContext.Current.CancellationToken);
        var (ok, data) = await answer.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.True(ok, $"baresip refused '{command}': {data}\n{Diagnostics}");
        return data;
    }

    /// <summary>Waits until baresip has reported <paramref name="count"/> events of <paramref name="type"/> (CALL_ESTABLISHED...).</summary>
    public Task WaitForEventAsync(string type, int count = 1) =>
        WaitUntilAsync(() => Events.Count(e => e.Type == type) >= count, $"baresip's event {type} #{count}");

    /// <summary>Polls <paramref name="condition"/> until it holds, failing with baresip's output if it does not in time or baresip exits.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (_process.HasExited)
            {
                Assert.Fail($"baresip exited ({_process.ExitCode}) while waiting for {what}\n{Diagnostics}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}\n{Diagnostics}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        await _stop.CancelAsync();
        _control?.Dispose();
        try
        {
            await Task.WhenAll(_readers);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _process.Dispose();
        _stop.Dispose();
        _folder.Dispose();
    }

    /// <summary>A WAVE file of silence: 8 kHz, 16-bit, mono.</summary>
    private static byte[] Silence(TimeSpan length)
    {
        const int Rate = 8000;
        var data = (int)(length.TotalSeconds * Rate) * 2;
        using var stream = new MemoryStream(44 + data);
        using (var writer = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true))
        {
            writer.Write("RIFF"u8);
            writer.Write(36 + data);
            writer.Write("WAVEfmt "u8);
            writer.Write(16);
            writer.Write((short)1); // PCM
            writer.Write((short)1); // mono
            writer.Write(Rate);
            writer.Write(Rate * 2); // bytes per second
            writer.Write((short)2); // block align
            writer.Write((short)16); // bits per sample
            writer.Write("data"u8);
            writer.Write(data);
            writer.Write(new byte[data]);
        }

        return stream.ToArray();
    }

    /// <summary>
    /// A SIP port and a control port free on 127.0.0.1. baresip binds the SIP port on UDP and TCP, and the next port
    /// on TCP too (its TLS port), so all three must be free.
    /// </summary>
    private static (int Sip, int Control) FreePorts()
    {
        for (var attempt = 0; ; attempt++)
        {
            var sip = Programs.FreePort();
            if (sip < ushort.MaxValue && !Programs.IsBound(sip + 1, SocketType.Stream))
            {
                int control;
                do
                {
                    control = Programs.FreePort();
                }
                while (control == sip || control == sip + 1);
                return (sip, control);
            }

            Assert.True(attempt < 50, "no free pair of ports for baresip");
        }
    }

    private async Task ConnectAsync(int controlPort)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"baresip exited ({_process.ExitCode}) at start\n{Diagnostics}");
            }

            var client = new TcpClient(AddressFamily.InterNetwork);
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, controlPort, TestContext.Current.CancellationToken);
                _control = client;
                break;
            }
            catch (SocketException)
            {
                client.Dispose();
                Assert.True(DateTime.UtcNow < deadline, $"baresip's ctrl_tcp did not listen on {controlPort}\n{Diagnostics}");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
        }

        _readers.Add(ReadControl(_control.GetStream()));
        await WaitUntilAsync(() => Output.Contains("baresip is ready.", StringComparison.Ordinal), "baresip to be ready");
    }

    private async Task Pump(StreamReader reader)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            lock (_gate)
            {
                _output.Append(buffer, 0, n);
            }
        }
    }

    /// <summary>Reads ctrl_tcp's netstrings (<c>LENGTH:JSON,</c>): answers to commands, and events.</summary>
    private async Task ReadControl(NetworkStream stream)
    {
        var pending = new List<byte>();
        var buffer = new byte[4096];
        int n;
        while ((n = await stream.ReadAsync(buffer, _stop.Token)) > 0)
        {
            pending.AddRange(buffer.AsSpan(0, n));
            while (true)
            {
                var colon = pending.IndexOf((byte)':');
                if (colon < 0)
                {
                    break;
                }

                var length = int.Parse(Encoding.ASCII.GetString([.. pending.Take(colon)]), CultureInfo.InvariantCulture);
                if (pending.Count < colon + 1 + length + 1)
                {
                    break;
                }

                var json = Encoding.UTF8.GetString([.. pending.Skip(colon + 1).Take(length)]);
                pending.RemoveRange(0, colon + 1 + length + 1); // and the trailing comma
                Handle(json);
            }
        }
    }

    private void Handle(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        lock (_gate)
        {
            if (root.TryGetProperty("response", out _) && Text("token") is { } token && _pending.Remove(token, out var answer))
            {
                answer.TrySetResult((root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True, Text("data") ?? string.Empty));
            }
            else if (root.TryGetProperty("event", out _))
            {
                _events.Add(new BaresipEvent(Text("type") ?? "?", Text("direction"), Text("peeruri"), Text("param")));
            }
        }
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Colour();

    // -s prints each message as "ESC[36;1m#", "UDP from -> to", the message (CRLF lines), then "ESC[;m".
    [GeneratedRegex(@"\x1b\[36;1m#\r?\n(?:UDP|TCP) (?<from>\S+) -> (?<to>\S+)\r?\n(?<text>.*?)\x1b\[;m", RegexOptions.Singleline)]
    private static partial Regex TraceBlock();
}

/// <summary>One event that baresip's ctrl_tcp reported.</summary>
internal sealed record BaresipEvent(string Type, string? Direction, string? Peer, string? Param)
{
    public override string ToString() => $"{Type} {Direction} {Peer} ({Param})";
}

/// <summary>One SIP message of baresip's trace.</summary>
internal sealed record TracedSip(string From, string To, string Text)
{
    /// <summary>The request line or status line.</summary>
    public string StartLine => Text.Split('\n')[0].TrimEnd('\r');

    /// <summary>The method of a request's CSeq, or of the request a response answers (INVITE, ACK, BYE...).</summary>
    public string CSeqMethod => Text.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase))?.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty;

    /// <summary>The Call-ID: the dialog (or the attempt at one) that the message belongs to.</summary>
    public string CallId => Header("Call-ID") ?? Header("i") ?? string.Empty;

    public bool IsResponse => StartLine.StartsWith("SIP/2.0 ", StringComparison.Ordinal);

    public override string ToString() => $"{From} -> {To}: {StartLine}";

    private string? Header(string name) =>
        Text.Split('\n').Select(l => l.TrimEnd('\r')).TakeWhile(l => l.Length > 0).Skip(1)
            .FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))?[(name.Length + 1)..].Trim();
}
