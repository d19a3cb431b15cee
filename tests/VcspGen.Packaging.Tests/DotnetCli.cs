using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace VcspGen.Packaging.Tests;

/// <summary>What a <c>dotnet</c> command did: its exit code and its standard output and error, interleaved.</summary>
/// <param name="CommandLine">The command, for messages.</param>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Output">Standard output and standard error as they arrived.</param>
/// <param name="Elapsed">How long it took.</param>
internal sealed record DotnetResult(string CommandLine, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>The command, its exit code and its whole output, for an assertion message.</summary>
    public string Describe() => $"`{CommandLine}` exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s. Output:\n{Output}";
}

/// <summary>Runs the <c>dotnet</c> on PATH as a child process, with a timeout, capturing its output.</summary>
internal static class DotnetCli
{
    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>. On timeout the
    /// process tree is killed and the test fails with what it printed so far.
    /// </summary>
    /// <remarks>
    /// The child gets none of the MSBUILD* variables a test host may have inherited from <c>dotnet test</c> (they
    /// would point it at another MSBuild), and it leaves nothing running behind it: no MSBuild node reuse, no
    /// MSBuild server and no shared compiler server (UseSharedCompilation, read by MSBuild from the environment).
    /// A process left behind would keep the output pipes open, and would hold on to the temporary folders.
    /// </remarks>
    public static Task<DotnetResult> RunAsync(
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        params string[] arguments) =>
        RunProgramAsync("dotnet", workingDirectory, environment, timeout, cancellationToken, arguments);

    /// <summary>Runs <paramref name="program"/> (an installed tool's command, say) as <see cref="RunAsync"/> runs dotnet.</summary>
    public static async Task<DotnetResult> RunProgramAsync(
        string program,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            var name = (string)variable.Key;
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }
        }

        var commandLine = program + " " + string.Join(' ', arguments);
        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            // Returns once the process has exited and both output streams have ended.
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            string sofar;
            lock (output)
            {
                sofar = output.ToString();
            }

            var why = cancellationToken.IsCancellationRequested ? "the test was cancelled" : $"it did not finish within {timeout.TotalSeconds:F0} s";
            throw new TimeoutException($"`{commandLine}` was killed: {why}. Output so far:\n{sofar}");
        }

        lock (output)
        {
            return new DotnetResult(commandLine, process.ExitCode, output.ToString(), stopwatch.Elapsed);
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Append(line).Append('\n');
        }
    }
}
