using System;
using System.Diagnostics;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>tshark capturing UDP on loopback into a file, started and waited for until the capture is live.</summary>
internal static class LoopbackCapture
{
    /// <summary>Starts <c>tshark -i lo -f FILTER ARGS -w FILE</c> and returns once it says "Capture started".</summary>
    /// <param name="filter">The capture filter.</param>
    /// <param name="file">The pcapng file to write.</param>
    /// <param name="stopWhen">More arguments: how tshark stops by itself (-c N, -a duration:N).</param>
    /// <returns>The running tshark; the caller stops it or waits for it, and disposes it.</returns>
    public static async Task<Process> StartAsync(string filter, string file, params string[] stopWhen)
    {
        var start = new ProcessStartInfo("tshark") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in (string[])["-i", "lo", "-f", filter, .. stopWhen, "-w", file])
        {
            start.ArgumentList.Add(arg);
        }

        var tshark = Process.Start(start)!;
        _ = tshark.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);

        // tshark says "Capture started." once the capture is live ("Capturing on" comes before).
        var said = new StringBuilder();
        var ready = Task.Run(
            () =>
            {
                while (tshark.StandardError.ReadLine() is { } line)
                {
                    lock (said)
                    {
                        said.AppendLine(line);
                    }

                    if (line.Contains("Capture started", StringComparison.Ordinal))
                    {
                        return true;
                    }
                }

                return false;
            },
            TestContext.Current.CancellationToken);
        if (!await ready.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken))
        {
            tshark.Kill();
            tshark.Dispose();
            Assert.Fail($"tshark did not start capturing: {said}");
        }

        _ = tshark.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        return tshark;
    }
}
