using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.IO;
using System.Linq;
using System.Threading;

namespace Vcsp.Cli;

/// <summary>
/// The command line, on System.CommandLine: <c>--help</c> anywhere, <c>--opt=value</c> and <c>--opt value</c>,
/// <c>--version</c>, shell completions through its <c>[suggest]</c> directive. Wrong usage prints what is wrong and the
/// verb's help to standard error and exits with 2, as the command always did.
/// </summary>
internal sealed class VcspCommandLine
{
    /// <summary>The exit code of wrong usage.</summary>
    public const int WrongUsage = 2;

    private const int HelpWidth = 110;

    private readonly Dictionary<Command, string> _epilogs = [];
    private readonly RootCommand _root;

    public VcspCommandLine(Stream input, TextWriter output, TextWriter error, CancellationToken stop)
    {
        Input = input;
        Output = output;
        Error = error;
        Stop = stop;
        _root = new RootCommand("vcsp: the VCSP toolkit's command. A demo of the codecs and the runtime, a group server and a chat client.")
        {
            DemoCommand.Create(this),
            ServerCommand.Create(this),
            ClientArguments.Create(this),
            DecodeCommand.Create(this),
            DissectorCommand.Create(this),
        };
        _root.HelpName = "vcsp"; // not the test host's executable name when tests run the command in their process
        foreach (var option in _root.Options.OfType<HelpOption>())
        {
            option.Action = new HelpWithEpilog(new HelpAction { MaxWidth = HelpWidth }, _epilogs);
        }
    }

    /// <summary>Standard input (the client reads its lines from it).</summary>
    public Stream Input { get; }

    /// <summary>Standard output.</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; }

    /// <summary>Stops a long-running verb (Ctrl-C, SIGTERM, or a test).</summary>
    public CancellationToken Stop { get; }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code.</summary>
    public int Invoke(string[] args)
    {
        var parsed = _root.Parse(args);
        if (parsed.Action is ParseErrorAction)
        {
            var verb = parsed.CommandResult.Command;
            foreach (var problem in parsed.Errors)
            {
                Error.WriteLine($"{Prefix(verb)}: {problem.Message}");
            }

            Error.WriteLine();
            WriteHelp(verb, Error);
            return WrongUsage;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = Output, Error = Error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    /// <summary>The value of <paramref name="option"/> when the command line gave it, else null (a value type's default is not "given").</summary>
    public static T? Given<T>(ParseResult parsed, Option<T> option)
        where T : struct =>
        parsed.GetResult(option) is { Implicit: false } ? parsed.GetValue(option) : null;

    /// <summary>Text printed after a command's generated help (its commands, exit codes, examples).</summary>
    public void SetEpilog(Command command, string epilog) => _epilogs[command] = epilog;

    /// <summary>Wrong usage found after parsing (values that parse but do not fit together): the message and the verb's help on standard error, exit code 2.</summary>
    public int Fail(Command verb, string problem)
    {
        Error.WriteLine($"{Prefix(verb)}: {problem}");
        Error.WriteLine();
        WriteHelp(verb, Error);
        return WrongUsage;
    }

    private void WriteHelp(Command verb, TextWriter to) =>
        _root.Parse(verb is RootCommand ? ["--help"] : [verb.Name, "--help"]).Invoke(new InvocationConfiguration { Output = to, Error = to });

    private static string Prefix(Command verb) => verb is RootCommand ? "vcsp" : "vcsp " + verb.Name;

    /// <summary>System.CommandLine's help, then the command's epilog (its HelpBuilder is not public in 3.0).</summary>
    private sealed class HelpWithEpilog(HelpAction help, Dictionary<Command, string> epilogs) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            help.Invoke(parseResult);
            if (epilogs.TryGetValue(parseResult.CommandResult.Command, out var epilog))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine(epilog.TrimEnd());
                output.WriteLine();
            }

            return 0;
        }
    }
}
