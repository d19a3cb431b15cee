using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>A real <c>vcsp</c> process (<c>dotnet vcsp.dll ...</c>): its standard input, the lines it prints, SIGTERM and SIGKILL.</summary>
internal sealed class VcspProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private VcspProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Enqueue("stderr: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Every line printed so far (standard error prefixed with "stderr: ").</summary>
    public string[] Lines => [.. _lines];

    /// <summary>Whether it exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Its standard input.</summary>
    public System.IO.StreamWriter Input => _process.StandardInput;

    /// <summary>Starts <c>vcsp</c> with <paramref name="args"/>.</summary>
    public static VcspProcess Start(params string[] args) => StartWith(null, args);

    /// <summary>Starts <c>vcsp</c> with <paramref name="args"/> and these environment variables set.</summary>
    public static VcspProcess StartWith(System.Collections.Generic.IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new System.Collections.Generic.Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(typeof(Vcsp.Cli.Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new VcspProcess(Process.Start(start)!);
    }

    /// <summary>Waits until a printed line contains <paramref name="text"/>.</summary>
    public async Task WaitForAsync(string text, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!Lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"did not print '{text}':\n{string.Join('\n', Lines.TakeLast(40))}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Sends a signal with the shell's built-in kill (a minimal machine may have no kill executable).</summary>
    public async Task SignalAsync(string signal)
    {
        if (_process.HasExited)
        {
            return;
        }

        using var kill = Process.Start("sh", ["-c", $"kill -{signal} {_process.Id.ToString(CultureInfo.InvariantCulture)}"]);
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Waits for it to exit, at most <paramref name="patience"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan patience)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(patience);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
