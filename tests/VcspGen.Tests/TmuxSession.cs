using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// A real terminal: a detached tmux session on a tmux server of its own (<c>tmux -L</c> with a unique socket name),
/// running one command in a pane of a fixed size. Keys go in with <c>send-keys</c>; the screen comes out with
/// <c>capture-pane</c>. Disposing kills the tmux server, and with it the command.
/// </summary>
internal sealed class TmuxSession : IDisposable
{
    private const string Target = "vcsp";
    private readonly string _socket = "vcsp-test-" + Guid.NewGuid().ToString("N")[..12];
    private string? _socketPath;

    private TmuxSession()
    {
    }

    /// <summary>Starts <paramref name="command"/> (run by sh) in a <paramref name="width"/> × <paramref name="height"/> pane, with <paramref name="environment"/> set.</summary>
    public static TmuxSession Start(string command, int width, int height, params (string Name, string Value)[] environment)
    {
        var session = new TmuxSession();
        List<string> args = ["new-session", "-d", "-s", Target, "-x", width.ToString(System.Globalization.CultureInfo.InvariantCulture), "-y", height.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        foreach (var (name, value) in environment)
        {
            args.Add("-e");
            args.Add($"{name}={value}");
        }

        args.Add(command);
        session.Tmux([.. args]);
        session._socketPath = session.Tmux("display-message", "-p", "#{socket_path}").Trim();
        return session;
    }

    /// <summary>Types <paramref name="text"/> literally (no key names).</summary>
    public void Type(string text) => Tmux("send-keys", "-t", Target, "-l", text);

    /// <summary>Presses keys by tmux's names: Enter, Up, Down, C-c ...</summary>
    public void Press(params string[] keys) => Tmux(["send-keys", "-t", Target, .. keys]);

    /// <summary>The screen as text, one string a row, trailing blanks cut.</summary>
    public string[] Screen() => Tmux("capture-pane", "-p", "-t", Target).Split('\n').Select(l => l.TrimEnd()).ToArray();

    /// <summary>The screen with its attributes as escape sequences (colours show as SGR sequences).</summary>
    public string ScreenWithAttributes() => Tmux("capture-pane", "-p", "-e", "-t", Target);

    /// <summary>The pane's title, which an OSC 0 or OSC 2 sequence printed in it would change.</summary>
    public string Title() => Tmux("display-message", "-p", "-t", Target, "#{pane_title}").Trim();

    /// <summary>The last row that is not blank: in the terminal client, the input line.</summary>
    public string LastLine() => Screen().LastOrDefault(l => l.Length > 0) ?? string.Empty;

    /// <summary>Polls the screen until <paramref name="condition"/> holds; fails with the screen after <paramref name="patience"/>.</summary>
    public async Task<string[]> WaitForAsync(Func<string[], bool> condition, string what, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var screen = Screen();
            if (condition(screen))
            {
                return screen;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the screen never showed {what}:\n{string.Join('\n', screen)}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public void Dispose()
    {
        try
        {
            Tmux("kill-server");
        }
        catch (InvalidOperationException)
        {
            // Gone already (the command ended and the session with it).
        }

        if (_socketPath is { Length: > 0 } path && File.Exists(path))
        {
            File.Delete(path); // tmux leaves its socket behind
        }
    }

    private string Tmux(params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-L", _socket, "-f", "/dev/null", .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using var tmux = Process.Start(start)!;
        var output = tmux.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = tmux.StandardError.ReadToEnd();
        if (!tmux.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            tmux.Kill();
            throw new InvalidOperationException($"tmux {string.Join(' ', args)}: no answer");
        }

        if (tmux.ExitCode != 0)
        {
            throw new InvalidOperationException($"tmux {string.Join(' ', args)}: exit {tmux.ExitCode}: {error}");
        }

        return output.GetAwaiter().GetResult();
    }
}
