using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace Vcsp.Cli;

/// <summary>The <c>vcsp</c> command: one verb per job, parsed by System.CommandLine (<see cref="VcspCommandLine"/>).</summary>
public static class Program
{
    /// <summary>Runs a verb. Exit codes: 0 success, 1 failure, 2 wrong arguments.</summary>
    /// <param name="args">The verb and its options.</param>
    /// <returns>The process exit code.</returns>
    public static int Main(string[] args)
    {
        // Ctrl-C and SIGTERM stop a running verb cleanly (exit 0), instead of killing the process.
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var input = Console.OpenStandardInput();
        return Run(args, input, Console.Out, Console.Error, stop.Token);
    }

    /// <summary>Runs a verb, writing to the given streams (tests call this directly).</summary>
    /// <param name="args">The verb and its options.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="stop">Stops a long-running verb.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken stop = default) =>
        Run(args, Stream.Null, output, error, stop);

    /// <summary>Runs a verb with the given standard input (the client reads its lines from it).</summary>
    /// <param name="args">The verb and its options.</param>
    /// <param name="input">Standard input.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="stop">Stops a long-running verb.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, Stream input, TextWriter output, TextWriter error, CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        return new VcspCommandLine(input ?? Stream.Null, output, error, stop).Invoke(args);
    }
}
