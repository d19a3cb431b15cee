using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace Vcsp.Cli;

/// <summary>The <c>vcsp</c> command: one verb per job.</summary>
public static class Program
{
    private const string Usage = """
        usage: vcsp <verb> [options]

        verbs:
          demo    a server and three clients chatting over UDP in one process, every datagram shown
          server  host one or more groups on UDP until Ctrl-C or SIGTERM
          client  join a group and chat: lines go to the group, /commands do the rest

        Run 'vcsp <verb> --help' for a verb's options.
        """;

    private const string DemoUsage = """
        usage: vcsp demo [--codecs]

        Starts a server and three clients in this process, each on its own UDP socket on 127.0.0.1, and
        runs a short conversation: joins, a group message, a fragmented message, a DM by name, LIST, INFO,
        PING and a QUIT. Every datagram is printed as it is sent, decoded by the generated dispatch table.

          --codecs   instead, encode, dispatch and decode one of each kind of packet offline, then show refusals
        """;

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
        if (args.Length == 0)
        {
            error.WriteLine(Usage);
            return 2;
        }

        switch (args[0])
        {
            case "-h" or "--help" or "help":
                output.WriteLine(Usage);
                return 0;
            case "demo":
                if (args.Length == 2 && args[1] is "-h" or "--help")
                {
                    output.WriteLine(DemoUsage);
                    return 0;
                }

                if (args.Length == 2 && args[1] == "--codecs")
                {
                    return CodecDemo.Run(output);
                }

                if (args.Length > 1)
                {
                    error.WriteLine($"vcsp demo: unexpected argument '{args[1]}'\n\n{DemoUsage}");
                    return 2;
                }

                return ChatDemo.RunAsync(output, stop).GetAwaiter().GetResult();
            case "server":
                if (args.Length == 2 && args[1] is "-h" or "--help")
                {
                    output.WriteLine(ServerCommand.Usage);
                    return 0;
                }

                var (options, problem) = ServerCommand.Parse(args[1..]);
                if (options is null)
                {
                    error.WriteLine($"vcsp server: {problem}\n\n{ServerCommand.Usage}");
                    return 2;
                }

                return ServerCommand.RunAsync(options, output, error, stop).GetAwaiter().GetResult();
            case "client":
                if (args.Length == 2 && args[1] is "-h" or "--help")
                {
                    output.WriteLine(ClientCommand.Usage);
                    return 0;
                }

                var (clientOptions, clientProblem) = ClientCommand.Parse(args[1..]);
                if (clientOptions is null)
                {
                    error.WriteLine($"vcsp client: {clientProblem}\n\n{ClientCommand.Usage}");
                    return 2;
                }

                return ClientCommand.RunAsync(clientOptions, input ?? Stream.Null, output, error, stop).GetAwaiter().GetResult();
            default:
                error.WriteLine($"vcsp: unknown verb '{args[0]}'\n\n{Usage}");
                return 2;
        }
    }
}
