using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace VcspGen.Benchmarks;

/// <summary>A real <c>nats-server</c> with JetStream for the cluster suites: a free loopback port, a temporary store.</summary>
internal sealed class NatsProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _store;

    private NatsProcess(Process process, string store, string url)
    {
        _process = process;
        _store = store;
        Url = url;
    }

    /// <summary>Its URL, <c>nats://127.0.0.1:PORT</c>.</summary>
    public string Url { get; }

    /// <summary>Starts one and waits until it is ready.</summary>
    /// <param name="patience">How long it may take.</param>
    /// <returns>The server.</returns>
    public static async Task<NatsProcess> StartAsync(TimeSpan patience)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var store = Path.Combine(Path.GetTempPath(), "vcsp-bench-nats-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(store);
        var start = new ProcessStartInfo("nats-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", store })
        {
            start.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource();
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Server is ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await ready.Task.WaitAsync(patience).ConfigureAwait(false);
        return new NatsProcess(process, store, "nats://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Kills it and deletes its store.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        Directory.Delete(_store, recursive: true);
    }
}
