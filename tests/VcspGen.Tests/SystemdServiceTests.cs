using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// <c>vcsp server</c> as a systemd service: the unit file in the repository passes <c>systemd-analyze verify</c>
/// (installed by the test script when missing), and the process speaks systemd's notify protocol
/// (Microsoft.Extensions.Hosting.Systemd): READY=1 only once its ports answer, STOPPING=1 on SIGTERM. The notify
/// socket is the test's own, as systemd's would be (<c>NOTIFY_SOCKET</c>).
/// </summary>
public sealed class SystemdServiceTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("vcsp-systemd-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TheUnitFilePassesSystemdAnalyzeVerify()
    {
        var unit = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "deploy", "vcsp-server.service"), TestContext.Current.CancellationToken);
        Assert.Contains("Type=notify", unit, StringComparison.Ordinal);
        Assert.Contains("ExecStart=/usr/local/bin/vcsp server --config /etc/vcsp/server.json", unit, StringComparison.Ordinal);

        // verify checks that ExecStart's program exists: point it at the vcsp command this build made.
        var command = Path.Combine(Path.GetDirectoryName(typeof(Vcsp.Cli.Program).Assembly.Location)!, "vcsp");
        Assert.True(File.Exists(command), $"no {command}");
        var file = Path.Combine(_directory, "vcsp-server.service");
        await File.WriteAllTextAsync(file, unit.Replace("/usr/local/bin/vcsp", command, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var (code, output) = await RunAsync("systemd-analyze", "verify", file);
        Assert.True(code == 0 && output.Length == 0, $"systemd-analyze verify: exit {code}\n{output}");

        // The check can fail: a misspelt directive is reported.
        await File.WriteAllTextAsync(file, unit.Replace("Type=notify", "Type=notfy", StringComparison.Ordinal).Replace("/usr/local/bin/vcsp", command, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        (_, output) = await RunAsync("systemd-analyze", "verify", file);
        Assert.Contains("notfy", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSampleConfigurationIsOneTheServerAccepts()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = Path.Combine(RepositoryRoot(), "deploy", "server.json");

        // --port=70000 on top: the command line wins, so the file's other values were read and passed, and only this one is refused.
        Assert.Equal(2, Vcsp.Cli.Program.Run(["server", "--config", config, "--port=70000"], output, error, TestContext.Current.CancellationToken));
        Assert.StartsWith("vcsp server: '70000' is not a port", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheServerTellsSystemdItIsReadyOnlyOnceItsPortAnswersAndThatItIsStoppingOnSigterm()
    {
        var socketPath = Path.Combine(_directory, "notify");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        var port = Loopback.FreeUdpPort();
        using var server = VcspProcess.StartWith(
            new System.Collections.Generic.Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath },
            "server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture));

        Assert.Equal("READY=1", await ReceiveAsync(notify));

        // Ready means bound: a join is answered at once.
        var (member, _) = await Loopback.JoinAsync(port, "svc", Patience);
        member.Dispose();

        await server.SignalAsync("TERM");
        Assert.Equal("STOPPING=1", await ReceiveAsync(notify));
        Assert.Equal(0, await server.WaitForExitAsync(Patience));
        await server.WaitForAsync("stopped", Patience);
    }

    private static async Task<string> ReceiveAsync(Socket notify)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        var buffer = new byte[512];
        var n = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, n).Trim();
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output + await error).Trim());
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VcspGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no VcspGen.sln above " + AppContext.BaseDirectory);
    }
}
