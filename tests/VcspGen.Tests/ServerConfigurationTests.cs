using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// <c>vcsp server</c>'s settings as an operator gives them: a JSON file (<c>--config</c>), environment variables and
/// the command line, in that order of precedence; <c>--opt=value</c>; bind failures that say which port and what for.
/// The precedence runs in real processes, so that the environment is the child's own.
/// </summary>
public sealed class ServerConfigurationTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("vcsp-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TheFileIsOverriddenByTheEnvironmentWhichIsOverriddenByTheCommandLine()
    {
        var (filePort, environmentPort, commandLinePort) = (Loopback.FreeUdpPort(), Loopback.FreeUdpPort(), Loopback.FreeUdpPort());
        var config = Path.Combine(_directory, "server.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "Server": { "Bind": "127.0.0.1", "Port": {{filePort}}, "SipPort": 0, "Groups": [ "lobby", "games:0" ], "MaxMembers": 3 },
              "Logging": { "LogLevel": { "Default": "Warning" } }
            }
            """, TestContext.Current.CancellationToken);

        // The file alone: both of its groups, on its port.
        var fromFile = await StartedAsync(null, ["lobby", "games"], "server", "--config", config);
        Assert.Contains(fromFile, l => l.StartsWith($"group lobby on 127.0.0.1:{filePort},", StringComparison.Ordinal));
        Assert.Contains(fromFile, l => l.StartsWith("group games on 127.0.0.1:", StringComparison.Ordinal));

        // The environment overrides the file's port; the file's groups stay.
        var environment = new Dictionary<string, string> { ["VCSP_Server__Port"] = environmentPort.ToString(CultureInfo.InvariantCulture) };
        var fromEnvironment = await StartedAsync(environment, ["lobby", "games"], "server", "--config", config);
        Assert.Contains(fromEnvironment, l => l.StartsWith($"group lobby on 127.0.0.1:{environmentPort},", StringComparison.Ordinal));
        Assert.Contains(fromEnvironment, l => l.StartsWith("group games on ", StringComparison.Ordinal));

        // The command line overrides both, in the --opt=value form too, and its --group replaces the configured list.
        var fromCommandLine = await StartedAsync(environment, ["solo"], "server", "--config", config, $"--port={commandLinePort}", "--group", "solo");
        Assert.Contains(fromCommandLine, l => l.StartsWith($"group solo on 127.0.0.1:{commandLinePort},", StringComparison.Ordinal));
        Assert.DoesNotContain(fromCommandLine, l => l.StartsWith("group lobby ", StringComparison.Ordinal) || l.StartsWith("group games ", StringComparison.Ordinal));
    }

    [Fact]
    public void AConfiguredValueThatIsWrongIsWrongUsageThatSaysWhy()
    {
        var config = Path.Combine(_directory, "bad.json");
        File.WriteAllText(config, """{ "Server": { "Port": 70000 } }""");
        var (code, output, error) = Run("server", "--config", config);
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("vcsp server: '70000' is not a port (1 to 65535)", error, StringComparison.Ordinal);

        File.WriteAllText(config, """{ "Server": { "Port": """);
        (code, _, error) = Run("server", "--config", config);
        Assert.Equal(2, code);
        Assert.StartsWith($"vcsp server: cannot read '{config}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ABindFailureNamesThePortAndWhatItWasFor()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var taken = ((IPEndPoint)udp.LocalEndPoint!).Port;
        var (code, _, error) = Run("server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", taken.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(1, code);
        Assert.StartsWith($"vcsp server: cannot bind the UDP port of group lobby on 127.0.0.1:{taken}: ", error, StringComparison.Ordinal);

        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        tcp.Listen();
        var sip = ((IPEndPoint)tcp.LocalEndPoint!).Port;
        (code, _, error) = Run("server", "--bind", "127.0.0.1", "--sip-port", sip.ToString(CultureInfo.InvariantCulture), "--port", Loopback.FreeUdpPort().ToString(CultureInfo.InvariantCulture));
        Assert.Equal(1, code);
        Assert.StartsWith($"vcsp server: cannot bind the SIP port (UDP and TCP) on 127.0.0.1:{sip}: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("server", "--help", "--port", "1")]
    [InlineData("server", "--port", "1", "--help")]
    [InlineData("client", "--name", "bob", "-h")]
    [InlineData("demo", "--codecs", "-?")]
    public void HelpWorksAnywhereOnTheLine(params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        Assert.Contains($"Usage:\n  vcsp {args[0]} [options]", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void VersionPrintsTheVersion()
    {
        var (code, output, _) = Run("--version");
        Assert.Equal(0, code);
        var expected = typeof(Vcsp.Cli.Program).Assembly.GetName().Version!;
        Assert.StartsWith($"{expected.Major}.{expected.Minor}.{expected.Build}", output, StringComparison.Ordinal);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = Vcsp.Cli.Program.Run(args, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Starts a server process, waits for its start-up lines, stops it with SIGTERM (exit 0) and returns what it printed.</summary>
    private static async Task<string[]> StartedAsync(IReadOnlyDictionary<string, string>? environment, string[] groups, params string[] args)
    {
        using var server = VcspProcess.StartWith(environment, args);
        foreach (var group in groups)
        {
            await server.WaitForAsync($"group {group} on ", Patience);
        }
        var lines = server.Lines;
        await server.SignalAsync("TERM");
        Assert.Equal(0, await server.WaitForExitAsync(Patience));
        return lines;
    }
}
