using System;
using System.IO;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Runtime;

namespace Vcsp.Cli;

/// <summary>
/// The terminal front end's loop: the same join, the same commands (<see cref="ClientLines"/>) and the same ends as line
/// mode, with lines coming from <see cref="TerminalScreen"/> instead of standard input. Messages about the end of the
/// session go to standard error after the screen has closed, where they stay readable.
/// </summary>
internal static class TerminalChat
{
    private static readonly TimeSpan JoinPatience = TimeSpan.FromSeconds(20);

    /// <summary>Joins, chats until /quit, Ctrl-C, SIGTERM or the server's end, then leaves with a FIN.</summary>
    public static async Task<int> RunAsync(VcspClientHost client, ConsoleEvents console, TerminalScreen screen, IPEndPoint server, TextWriter error, CancellationToken stop)
    {
        try
        {
            screen.Start();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException or NotSupportedException)
        {
            return Fail(error, "cannot start the terminal screen: " + e.Message + " (try --ui line)");
        }

        try
        {
            console.Print($"joining {server} ...");
            client.Invoke(c => c.Join());
            await console.WaitAsync(client, c => c.Group.State is ClientState.Member or ClientState.Closed, JoinPatience, stop).ConfigureAwait(false);
            var state = client.Invoke(c => c.Group.State);
            if (state != ClientState.Member)
            {
                screen.Stop();
                return stop.IsCancellationRequested && state != ClientState.Closed ? 0
                    : Fail(error, state == ClientState.Closed ? "could not join: " + console.LastClose : "no answer from the server");
            }

            console.Print("type a line and Enter to send it to the group; /help lists the commands, /quit (or Ctrl-C) leaves");
            var lines = screen.Lines;
            var stopped = Task.Delay(Timeout.Infinite, stop);
            while (!stop.IsCancellationRequested)
            {
                if (console.SessionEnded)
                {
                    screen.Stop();
                    return Fail(error, "the session ended: " + console.LastClose);
                }

                var waiting = lines.WaitToReadAsync(CancellationToken.None).AsTask();
                await Task.WhenAny(waiting, console.EndedTask, stopped).ConfigureAwait(false);
                if (waiting.IsCompleted && !await waiting.ConfigureAwait(false))
                {
                    break; // the screen closed by itself: leave as /quit would
                }

                while (!console.SessionEnded && lines.TryRead(out var line))
                {
                    if (line.StartsWith('/'))
                    {
                        console.Print(ConsoleEvents.LineKind.Own, TerminalText.Sanitize(line)); // which command the answer below belongs to
                    }

                    if (line.Trim().Equals("/help", StringComparison.OrdinalIgnoreCase))
                    {
                        console.Print(ConsoleEvents.LineKind.Reply, ClientLines.Help.TrimEnd()); // line mode's /help is one line, for scripts
                        continue;
                    }

                    if (!await ClientLines.HandleLineAsync(client, console, line, stop).ConfigureAwait(false))
                    {
                        return 0;
                    }
                }
            }

            await ClientLines.QuitAsync(client, console).ConfigureAwait(false);
            screen.Stop();
            return screen.Failure is { } failure ? Fail(error, "the terminal screen failed: " + failure) : 0;
        }
        finally
        {
            screen.Stop();
        }
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine("vcsp client: " + message);
        return 1;
    }
}
