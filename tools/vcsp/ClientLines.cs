using System;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen;
using VcspGen.Runtime;
using VcspGen.Spec;

namespace Vcsp.Cli;

/// <summary>What <c>vcsp client</c> does with a line of input: a group message, or a command and the wait for its answer.</summary>
internal static class ClientLines
{
    public const string Commands = "commands: /list /info /ping /dm NAME TEXT /kick NAME /res /vc-init [CODECS] /vc-leave /vc-restart /quit /help";

    /// <summary>The commands, one a line, for the terminal front end's /help.</summary>
    public const string Help = """
        commands (anything else you type goes to the group):
          /list             the members (with their addresses when you are the administrator)
          /info             the group's address, name, owner and member count
          /ping             a VCSP echo to the server, with the round trip in milliseconds
          /dm NAME TEXT     a direct message, peer to peer (also /whisper and /tell; NAME may be HOST:PORT)
          /kick NAME        remove a member (the administrator only)
          /res              leave and join again (and the call, if in it)
          /vc-init [LIST]   join the group's call; /vc-leave leaves it, /vc-restart leaves and joins it again
          /quit             leave and exit (also Ctrl-C)
          /help             this list
        keys: Up/Down the lines typed before, PageUp/PageDown scroll back and forth
        """;

    private static readonly TimeSpan AnswerPatience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan QueuePoll = TimeSpan.FromMilliseconds(10);

    /// <summary>Handles one line; returns false after /quit.</summary>
    public static async Task<bool> HandleLineAsync(VcspClientHost client, ConsoleEvents console, string line, CancellationToken stop)
    {
        line = line.TrimEnd('\r');
        if (line.Length == 0)
        {
            return true;
        }

        if (line[0] != '/')
        {
            await SendAsync(client, console, Encoding.UTF8.GetBytes(line), stop).ConfigureAwait(false);
            return true;
        }

        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = (space < 0 ? line : line[..space]).ToLowerInvariant();
        var rest = space < 0 ? string.Empty : line[(space + 1)..].Trim();
        switch (verb)
        {
            case "/quit":
                await QuitAsync(client, console).ConfigureAwait(false);
                return false;
            case "/help":
                console.Print(Commands);
                return true;
            case "/list" or "/info" when rest.Length == 0:
                await CommandAsync(client, console, verb == "/list" ? CommandCode.List : CommandCode.Info, string.Empty, stop).ConfigureAwait(false);
                return true;
            case "/kick" when rest.Length > 0 && !rest.Contains(' ', StringComparison.Ordinal):
                await CommandAsync(client, console, CommandCode.Kick, rest, stop).ConfigureAwait(false);
                return true;
            case "/ping" when rest.Length == 0:
                var pongs = console.Pongs;
                client.Invoke(c => c.Group.Ping());
                if (!await console.WaitAsync(client, c => console.Pongs != pongs || c.Group.State != ClientState.Member, AnswerPatience, stop).ConfigureAwait(false))
                {
                    console.Print("! ping: no answer");
                }

                return true;
            case "/dm" or "/whisper" or "/tell" when rest.IndexOf(' ', StringComparison.Ordinal) is > 0 and var gap:
                await DirectAsync(client, console, rest[..gap], rest[(gap + 1)..], stop).ConfigureAwait(false);
                return true;
            case "/dm" or "/whisper" or "/tell":
                console.Print($"! usage: {verb} NAME TEXT (a member's name, one word, or HOST:PORT; then the message)");
                return true;
            case "/kick":
                console.Print("! usage: /kick NAME (one member's name)");
                return true;
            case "/vc-init":
                byte[]? codecs = null;
                if (rest.Length > 0 && !CodecNames.TryParse(rest, out codecs))
                {
                    console.Print($"! vc-init: '{TerminalText.Sanitize(rest)}' is not a codec list: {CodecNames.Known}");
                    return true;
                }

                var joining = false;
                joining = client.Invoke(c => c.Call!.Join(codecs));
                if (!joining)
                {
                    console.Print("! vc-init: not a member of the group, or already in (or joining) the call");
                    return true;
                }

                await WaitForCallAsync(client, console, stop).ConfigureAwait(false);
                return true;
            case "/vc-leave" when rest.Length == 0:
                var leaving = false;
                leaving = client.Invoke(c => c.Call!.Leave());
                if (!leaving)
                {
                    console.Print("! vc-leave: not in the call");
                    return true;
                }

                await WaitForCallAsync(client, console, stop).ConfigureAwait(false);
                return true;
            case "/vc-restart" when rest.Length == 0:
                var restarting = false;
                restarting = client.Invoke(c => c.RestartCall());
                if (!restarting)
                {
                    console.Print("! vc-restart: not in the call");
                    return true;
                }

                await WaitForCallAsync(client, console, stop).ConfigureAwait(false);
                return true;
            case "/res" when rest.Length == 0:
                var restarted = false;
                restarted = client.Invoke(c => c.Restart());
                if (!restarted)
                {
                    console.Print("! res: not a member");
                    return true;
                }

                await console.WaitAsync(client, c => c.Group.State is ClientState.Member or ClientState.Closed, AnswerPatience * 2, stop).ConfigureAwait(false);
                return true;
            default:
                console.Print($"! '{TerminalText.Sanitize(line)}' is not a command; {Commands}");
                return true;
        }
    }

    /// <summary>
    /// Sends a group message. While the send queue is full (the server's window is closed: back-pressure,
    /// PROTOCOL.md §7.6), or while a lost membership is being joined again (§7.7), the line waits and is tried again,
    /// so piped input never loses a line; it is given up only when the client is no longer a member, or on stop.
    /// </summary>
    private static async Task SendAsync(VcspClientHost client, ConsoleEvents console, byte[] text, CancellationToken stop)
    {
        while (true)
        {
            var (sent, state, full, rejoining, most) = client.Invoke(c =>
                (c.Group.TrySend(text), c.Group.State, c.Group.SendQueueLength >= c.Group.SendQueueCapacity, c.Rejoining, c.Group.MaxMessageLength));
            if (sent)
            {
                console.PrintOwn(text);
                return;
            }

            if (text.Length > most)
            {
                console.Print($"! not sent: the message is {text.Length} bytes, the most is {most}");
                return;
            }

            if (!rejoining && (state != ClientState.Member || !full))
            {
                console.Print("! not sent: not a member");
                return;
            }

            try
            {
                await Task.Delay(QueuePoll, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Waits until the call is settled: in it, or out of it (VC-INIT answered, VC-LEAVE done).</summary>
    private static async Task WaitForCallAsync(VcspClientHost client, ConsoleEvents console, CancellationToken stop)
    {
        // VC-INIT's VoiceJoin gives up after 7.75 s; a SIP set-up may take up to 64 × T1 (32 s) more.
        if (!await console.WaitAsync(client, c => c.Call!.State is CallState.InCall or CallState.Idle, TimeSpan.FromSeconds(45), stop).ConfigureAwait(false))
        {
            console.Print("! call: no answer yet");
        }
    }

    private static async Task CommandAsync(VcspClientHost client, ConsoleEvents console, CommandCode command, string argument, CancellationToken stop)
    {
        var replies = console.Replies;
        var sent = false;
        sent = client.Invoke(c => c.Group.TrySendCommand(command, Encoding.UTF8.GetBytes(argument)));
        if (!sent)
        {
            console.Print($"! {command.ToString().ToLowerInvariant()}: cannot send now (not a member, or the name is too long)");
            return;
        }

        if (!await console.WaitAsync(client, c => console.Replies != replies || c.Group.State != ClientState.Member, AnswerPatience, stop).ConfigureAwait(false))
        {
            console.Print($"! {command.ToString().ToLowerInvariant()}: no answer");
        }
    }

    private static async Task DirectAsync(VcspClientHost client, ConsoleEvents console, string peer, string text, CancellationToken stop)
    {
        var message = Encoding.UTF8.GetBytes(text);
        var replies = console.Replies;
        var sent = false;
        if (ClientCommand.TrySplitHostPort(peer, out var ip, out var port) && IPAddress.TryParse(ip, out var address) && peer.Contains(':', StringComparison.Ordinal))
        {
            sent = client.Invoke(c => c.Direct.TrySend(VcspAddress.FromEndPoint(new IPEndPoint(address, port)), message));
        }
        else
        {
            sent = client.Invoke(c => c.TrySendDirect(peer, message));
            if (sent)
            {
                // A WHOIS may be on its way first; wait for it so the next line finds the command slot free.
                await console.WaitAsync(client, c => console.Replies != replies || !c.WaitingForWhois, AnswerPatience, stop).ConfigureAwait(false);
            }
        }

        if (sent)
        {
            console.PrintOwnDirect(peer, message);
        }
        else
        {
            var most = client.Invoke(c => c.Direct.MaxMessageLength);
            console.Print(message.Length > most
                ? $"! dm: the message is {message.Length} bytes, the most is {most}"
                : "! dm: cannot send now (not a member, or another command is waiting)");
        }
    }

    public static async Task QuitAsync(VcspClientHost client, ConsoleEvents console)
    {
        var member = false;
        client.Invoke(c =>
        {
            member = c.Group.State == ClientState.Member;
            c.Quit();
        });
        if (member)
        {
            // QUIT does not wait for the Response to report that it has quit (PROTOCOL.md §11.11), but the process
            // keeps the socket open until the FIN is answered or its tries run out, so the server does hear it.
            console.Print("quit");
            await console.WaitAsync(client, c => c.Group.State == ClientState.Closed, TimeSpan.FromSeconds(9), CancellationToken.None).ConfigureAwait(false);
        }
    }
}
