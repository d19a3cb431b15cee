using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Terminal.Gui.App;
using Terminal.Gui.Drawing;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Vcsp.Cli;

/// <summary>
/// The terminal chat client's screen (Terminal.Gui): the scrollback above, a status line, and a fixed input line at
/// the bottom that incoming text never touches. Terminal.Gui runs on a thread of its own; lines to show come from any
/// thread (<see cref="Write"/>) and are handed to it, and the lines typed come out of <see cref="Lines"/>.
/// Up and Down walk the input history, PageUp and PageDown scroll, Ctrl-C is /quit, and Esc does nothing (a chat
/// should not close on a stray key).
/// </summary>
internal sealed class TerminalScreen : IDisposable
{
    private readonly string _prompt;
    private readonly string _status;
    private readonly bool _colour;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _pending = new();
    private readonly List<(string Time, ConsoleEvents.LineKind Kind, string Text, int NameEnd)> _waiting = [];
    private readonly TerminalHistory _history = new();
    private IApplication? _app;
    private TerminalScrollback? _scrollback;
    private Label? _statusLine;
    private bool _drainPosted;
    private Thread? _thread;
    private string? _failure;

    /// <summary>A screen for member <paramref name="name"/>; <paramref name="status"/> is shown above the input line.</summary>
    public TerminalScreen(string name, string status, bool colour)
    {
        _prompt = TerminalText.Sanitize(name) + "> ";
        _status = TerminalText.Sanitize(status);
        _colour = colour;
    }

    /// <summary>Whether colour is wanted: not when NO_COLOR is set to anything (https://no-color.org).</summary>
    public static bool ColourWanted => string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>
    /// Whether <c>vcsp client</c> shows this screen: <see cref="ClientUi.Terminal"/> always; <see cref="ClientUi.Auto"/>
    /// when the client writes to the process's console and standard input and output are both terminals.
    /// </summary>
    public static bool IsWanted(ClientUi ui, System.IO.TextWriter output) => ui switch
    {
        ClientUi.Terminal => true,
        ClientUi.Auto => ReferenceEquals(output, Console.Out) && !Console.IsInputRedirected && !Console.IsOutputRedirected,
        _ => false,
    };

    /// <summary>The lines typed (Enter), in order; completed when the screen closes.</summary>
    public ChannelReader<string> Lines => _lines.Reader;

    /// <summary>Why the screen closed by itself, when it failed after it had started; otherwise null.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Completes once the screen has closed and the terminal is restored.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Starts Terminal.Gui on a thread of its own; returns once it is up (or throws why it could not start).</summary>
    public void Start()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Run(started)) { IsBackground = true, Name = "vcsp terminal" };
        _thread.Start();
        started.Task.GetAwaiter().GetResult();
    }

    /// <summary>Shows a line, stamped with the time now (any thread).</summary>
    public void Write(ConsoleEvents.LineKind kind, string line, int nameEnd)
    {
        var time = DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        IApplication? app;
        lock (_pending)
        {
            _waiting.Add((time, kind, line, nameEnd));
            app = _app;
            if (app is null || _drainPosted)
            {
                return;
            }

            _drainPosted = true;
        }

        Post(app, Drain);
    }

    /// <summary>Closes the screen and waits (a few seconds at most) until the terminal is restored.</summary>
    public void Stop()
    {
        IApplication? app;
        lock (_pending)
        {
            app = _app;
        }

        if (_thread is null)
        {
            return; // never started
        }

        if (app is not null && !_closed.Task.IsCompleted)
        {
            Post(app, () => app.RequestStop());
        }

        _closed.Task.Wait(TimeSpan.FromSeconds(5));
    }

    /// <inheritdoc />
    public void Dispose() => Stop();

    /// <summary>Hands <paramref name="action"/> to the UI thread; one that comes as the screen closes is dropped.</summary>
    private static void Post(IApplication app, Action action)
    {
        try
        {
            app.Invoke(action);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            // Closing: what is left to show is not shown (the terminal is being restored).
        }
    }

    private void Run(TaskCompletionSource started)
    {
        IApplication? app = null;
        Window? window = null;
        try
        {
            app = Application.Create().Init();
            window = Build(app);
            lock (_pending)
            {
                _app = app;
                _drainPosted = true;
            }

            started.SetResult();
            app.Invoke(Drain);
            app.Run(window);
        }
        catch (Exception e)
        {
            // Before the start: Start throws it. After: the screen closes, and the chat leaves as after /quit and says why.
            if (!started.TrySetException(e))
            {
                Volatile.Write(ref _failure, e.Message);
            }
        }
        finally
        {
            lock (_pending)
            {
                _app = null;
            }

            window?.Dispose();
            app?.Dispose(); // restores the terminal
            _lines.Writer.TryComplete();
            _closed.TrySetResult();
        }
    }

    private Window Build(IApplication app)
    {
        var window = new Window { Width = Dim.Fill(), Height = Dim.Fill(), BorderStyle = LineStyle.None };

        // The terminal's own colours for everything Terminal.Gui draws (no theme's blue or grey backgrounds), so with
        // NO_COLOR nothing on the screen is coloured; with colour, only the scrollback's kinds and names are.
        var plain = new Attribute(Color.None, Color.None);
        var scheme = new Scheme(plain)
        {
            Normal = plain,
            HotNormal = plain,
            Focus = plain,
            HotFocus = plain,
            Active = plain,
            HotActive = plain,
            Highlight = plain,
            Editable = plain,
            ReadOnly = plain,
            Disabled = plain,
        };
        window.SetScheme(scheme);
        _scrollback = new TerminalScrollback(_colour) { X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill(2) };
        _statusLine = new Label { X = 0, Y = Pos.AnchorEnd(2), Width = Dim.Fill(), Text = StatusText() };
        var prompt = new Label { X = 0, Y = Pos.AnchorEnd(1), Text = _prompt };
        var input = new TextField { X = Pos.Right(prompt), Y = Pos.AnchorEnd(1), Width = Dim.Fill() };
        window.Add(_scrollback, _statusLine, prompt, input);
        if (!_colour)
        {
            input.SetScheme(scheme); // the input field's own scheme is coloured too
        }

        input.Accepting += (_, e) =>
        {
            var line = input.Text ?? string.Empty;
            input.Text = string.Empty;
            _history.Add(line);
            _lines.Writer.TryWrite(line);
            e.Handled = true;
        };
        input.KeyDown += (_, key) =>
        {
            if (key == Key.CursorUp || key == Key.CursorDown)
            {
                var line = key == Key.CursorUp ? _history.Older(input.Text ?? string.Empty) : _history.Newer();
                if (line is not null)
                {
                    input.Text = line;
                    input.MoveEnd();
                }

                key.Handled = true;
            }
            else if (key == Key.PageUp || key == Key.PageDown)
            {
                var page = Math.Max(1, _scrollback.Viewport.Height - 1);
                _scrollback.Scroll(key == Key.PageUp ? page : -page);
                _statusLine.Text = StatusText();
                key.Handled = true;
            }
        };
        app.Keyboard.KeyDown += (_, key) =>
        {
            if (key == Key.C.WithCtrl)
            {
                _lines.Writer.TryWrite("/quit");
                key.Handled = true;
            }
            else if (key == Key.Esc)
            {
                key.Handled = true;
            }
        };
        input.SetFocus();
        return window;
    }

    private string StatusText() =>
        $"── {_status} ── /help: commands · Up/Down: history · PgUp/PgDn: scroll" + (_scrollback is { RowsBack: > 0 } ? " (scrolled back)" : string.Empty) + " ──";

    private void Drain()
    {
        (string Time, ConsoleEvents.LineKind Kind, string Text, int NameEnd)[] lines;
        lock (_pending)
        {
            lines = [.. _waiting];
            _waiting.Clear();
            _drainPosted = false;
        }

        foreach (var (time, kind, text, nameEnd) in lines)
        {
            _scrollback?.Add(time, kind, text, nameEnd);
        }
    }
}
