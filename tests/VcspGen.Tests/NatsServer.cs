using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// A real <c>nats-server</c> with JetStream on a free loopback port and a temporary store (issue 16): killed with
/// SIGKILL and started again on the same port and store, as an operator's restart would.
/// </summary>
internal sealed class NatsServer : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "vcsp-nats-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<string> _lines = new();
    private Process? _process;

    private NatsServer(int port) => Port = port;

    /// <summary>Its TCP port.</summary>
    public int Port { get; }

    /// <summary>Its URL for <c>vcsp server --cluster</c>.</summary>
    public string Url => "nats://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Every line it logged.</summary>
    public string[] Lines => [.. _lines];

    /// <summary>Starts one and waits until it accepts connections.</summary>
    public static async Task<NatsServer> StartAsync()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var server = new NatsServer(port);
        await server.RunAsync();
        return server;
    }

    /// <summary>Kills it with SIGKILL (no goodbye to its clients) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Starts it again on the same port and store.</summary>
    public Task RestartAsync() => RunAsync();

    public void Dispose()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit(5000);
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_store, recursive: true);
        }
        catch (IOException)
        {
            // Still held for a moment: the temporary directory is cleaned by the system.
        }
    }

    private async Task RunAsync()
    {
        _process?.Dispose();
        Directory.CreateDirectory(_store);
        var start = new ProcessStartInfo("nats-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", _store })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Note(e.Data);
        process.ErrorDataReceived += (_, e) => Note(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!_lines.Any(l => l.Contains("Server is ready", StringComparison.Ordinal)))
        {
            Assert.False(process.HasExited, "nats-server exited:\n" + string.Join('\n', _lines));
            Assert.True(DateTime.UtcNow < deadline, "nats-server did not start:\n" + string.Join('\n', _lines));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private void Note(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
