namespace Vcsp.Cli;

/// <summary>Which front end <c>vcsp client</c> shows.</summary>
internal enum ClientUi
{
    /// <summary>The terminal chat client when standard input and output are both terminals; otherwise line mode.</summary>
    Auto,

    /// <summary>Line mode: lines in from standard input, lines out to standard output (scripts and tests use it).</summary>
    Line,

    /// <summary>The terminal chat client: scrollback above a fixed input line, with timestamps, colours and history.</summary>
    Terminal,
}
