using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// <c>vcsp client</c>'s terminal front end in a real terminal (tmux, 120 × 30): a real <c>vcsp server</c> process on
/// 127.0.0.1, the terminal client in the tmux pane (standard input and output are the pane's terminal), and another
/// client in line mode (a process whose standard input is a pipe) that talks to it. What is checked is what the
/// screen shows, read with <c>capture-pane</c>.
/// </summary>
public sealed partial class TerminalClientTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task TheInputLineStaysWhileMessagesArriveAndLinesShowTimeAndSender()
    {
        var (server, address) = await StartServerAsync();
        using (server)
        using (var screen = StartTerminalClient(address, "alice"))
        using (var bob = VcspProcess.Start("client", "--server", address, "--name", "bob"))
        {
            await screen.WaitForAsync(s => s.Any(l => Stamped().IsMatch(l) && l.EndsWith(" joined lobby", StringComparison.Ordinal)), "joined lobby", Patience);
            await bob.WaitForAsync("joined lobby", Patience);

            // Half a line typed, then a message arrives: it goes to the scrollback, the input line keeps what was typed.
            const string Half = "I am in the middle of typ";
            screen.Type(Half);
            await screen.WaitForAsync(s => s.Any(l => l == "alice> " + Half), "the half-typed line", Patience);
            await bob.Input.WriteLineAsync("hello alice");
            await bob.Input.FlushAsync(TestContext.Current.CancellationToken);
            var shown = await screen.WaitForAsync(s => s.Any(l => Line("<bob> hello alice").IsMatch(l)), "bob's message with a timestamp", Patience);
            Assert.Equal("alice> " + Half, shown.Last(l => l.Length > 0));
            Assert.Single(shown, l => l.Contains(Half, StringComparison.Ordinal)); // not spliced into the message's row either

            // Enter: the line goes to the group, and shows in the scrollback under alice's name; the input line empties.
            screen.Press("Enter");
            shown = await screen.WaitForAsync(s => s.Any(l => Line("<alice> " + Half).IsMatch(l)) && s.Last(l => l.Length > 0) == "alice>", "alice's own line", Patience);
            await bob.WaitForAsync("<alice> " + Half, Patience);

            // Up brings the line back; Down returns to the empty draft.
            screen.Press("Up");
            await screen.WaitForAsync(s => s.Last(l => l.Length > 0) == "alice> " + Half, "the line again after Up", Patience);
            screen.Press("Down");
            await screen.WaitForAsync(s => s.Last(l => l.Length > 0) == "alice>", "the empty draft after Down", Patience);

            // A DM from bob, and /help.
            await bob.Input.WriteLineAsync("/dm alice just for you");
            await bob.Input.FlushAsync(TestContext.Current.CancellationToken);
            await screen.WaitForAsync(s => s.Any(l => Stamped().IsMatch(l) && l.Contains("[dm bob@127.0.0.1:", StringComparison.Ordinal) && l.EndsWith("] just for you", StringComparison.Ordinal)), "bob's DM", Patience);
            screen.Type("/help");
            screen.Press("Enter");
            shown = await screen.WaitForAsync(s => s.Any(l => l.Contains("/quit             leave and exit", StringComparison.Ordinal)), "the /help list", Patience);
            foreach (var command in new[] { "/list", "/info", "/ping", "/dm NAME TEXT", "/kick NAME", "/res", "/vc-init [LIST]", "/help" })
            {
                Assert.Contains(shown, l => l.TrimStart().StartsWith(command + " ", StringComparison.Ordinal));
            }

            // /quit: the client leaves with a FIN (at once, bob's /info counts one member: without the FIN alice would
            // stay for the server's member timeout, 60 s) and exits with 0.
            screen.Type("/quit");
            screen.Press("Enter");
            await screen.WaitForAsync(s => s.Any(l => l == "[vcsp exited 0]"), "the exit", Patience);
            await bob.Input.WriteLineAsync("/info");
            await bob.Input.FlushAsync(TestContext.Current.CancellationToken);
            await bob.WaitForAsync("  members=", Patience);
            Assert.Equal("  members=1", bob.Lines.Single(l => l.StartsWith("  members=", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task ListsSayWhoJoinedAndLeftAndAKickEndsTheClientWithOne()
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var address = "127.0.0.1:" + port;
        using var server = VcspProcess.Start("server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port, "--owner", "alice");
        await server.WaitForAsync("group lobby on " + address, Patience);
        using var alice = VcspProcess.Start("client", "--server", address, "--name", "alice");
        await alice.WaitForAsync("joined lobby", Patience);
        using var screen = StartTerminalClient(address, "carol");
        await screen.WaitForAsync(s => s.Any(l => l.EndsWith(" joined lobby", StringComparison.Ordinal)), "joined lobby", Patience);
        screen.Type("/list");
        screen.Press("Enter");
        await screen.WaitForAsync(s => s.Any(l => l.Trim() == "alice") && s.Any(l => l.Trim() == "carol"), "the first list", Patience);

        // The protocol tells nobody when members come and go: the next /list says what changed since this one.
        using (var dave = VcspProcess.Start("client", "--server", address, "--name", "dave"))
        {
            await dave.WaitForAsync("joined lobby", Patience);
            screen.Type("/list");
            screen.Press("Enter");
            await screen.WaitForAsync(s => s.Any(l => Line("since the last /list: joined dave").IsMatch(l)), "dave's arrival", Patience);
            await dave.Input.WriteLineAsync("/quit");
            await dave.Input.FlushAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, await dave.WaitForExitAsync(Patience));
        }

        screen.Press("Up", "Enter"); // /list again, from the history
        await screen.WaitForAsync(s => s.Any(l => Line("since the last /list: left dave").IsMatch(l)), "dave's leaving", Patience);

        // The owner kicks carol: her screen closes, and the restored terminal says why; the exit code is 1.
        await alice.Input.WriteLineAsync("/kick carol");
        await alice.Input.FlushAsync(TestContext.Current.CancellationToken);
        var shown = await screen.WaitForAsync(s => s.Any(l => l == "[vcsp exited 1]"), "the exit after the kick", Patience);
        Assert.Contains("vcsp client: the session ended: kicked", shown);
        await alice.WaitForAsync("kick: done", Patience);
    }

    [Fact]
    public async Task PageUpAndPageDownScrollBackAndForth()
    {
        var (server, address) = await StartServerAsync();
        using (server)
        using (var screen = StartTerminalClient(address, "gina"))
        using (var hal = VcspProcess.Start("client", "--server", address, "--name", "hal"))
        {
            await hal.WaitForAsync("joined lobby", Patience);
            await screen.WaitForAsync(s => s.Any(l => l.EndsWith(" joined lobby", StringComparison.Ordinal)), "joined lobby", Patience);
            for (var i = 1; i <= 40; i++)
            {
                await hal.Input.WriteLineAsync($"line {i:00}");
            }

            await hal.Input.FlushAsync(TestContext.Current.CancellationToken);

            // 43 lines do not fit the 28 rows above the status line: the newest show, the oldest have scrolled away.
            await screen.WaitForAsync(s => s.Any(l => Line("<hal> line 40").IsMatch(l)) && !s.Any(l => l.EndsWith("<hal> line 01", StringComparison.Ordinal)), "the newest lines", Patience);
            screen.Press("PPage");
            await screen.WaitForAsync(s => s.Any(l => Line("<hal> line 01").IsMatch(l)) && !s.Any(l => l.EndsWith("<hal> line 40", StringComparison.Ordinal)) && s.Any(l => l.Contains("(scrolled back)", StringComparison.Ordinal)), "the oldest lines after PageUp", Patience);
            screen.Press("NPage");
            await screen.WaitForAsync(s => s.Any(l => Line("<hal> line 40").IsMatch(l)) && !s.Any(l => l.Contains("(scrolled back)", StringComparison.Ordinal)), "the newest again after PageDown", Patience);
            Assert.Equal("gina>", screen.LastLine());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ColoursAreShownUnlessNoColorIsSet(bool noColor)
    {
        var (server, address) = await StartServerAsync();
        using (server)
        using (var screen = StartTerminalClient(address, "carol", noColor ? [("NO_COLOR", "1")] : []))
        using (var dave = VcspProcess.Start("client", "--server", address, "--name", "dave"))
        {
            await dave.WaitForAsync("joined lobby", Patience);
            await screen.WaitForAsync(s => s.Any(l => l.EndsWith(" joined lobby", StringComparison.Ordinal)), "joined lobby", Patience);
            await dave.Input.WriteLineAsync("a colourful line");
            await dave.Input.FlushAsync(TestContext.Current.CancellationToken);
            await screen.WaitForAsync(s => s.Any(l => Line("<dave> a colourful line").IsMatch(l)), "dave's line", Patience);
            screen.Type("typed");
            await screen.WaitForAsync(s => s.Any(l => l == "carol> typed"), "the typed text", Patience);

            var colours = Colour().Matches(screen.ScreenWithAttributes());
            if (noColor)
            {
                Assert.Empty(colours);
            }
            else
            {
                Assert.NotEmpty(colours);
            }
        }
    }

    [Fact]
    public async Task EscapeSequencesFromAnotherMemberAreShownNotObeyed()
    {
        var (server, address) = await StartServerAsync();
        using (server)
        using (var screen = StartTerminalClient(address, "erin"))
        using (var mallory = VcspProcess.Start("client", "--server", address, "--name", "mallory"))
        {
            await mallory.WaitForAsync("joined lobby", Patience);
            await screen.WaitForAsync(s => s.Any(l => l.EndsWith(" joined lobby", StringComparison.Ordinal)), "joined lobby", Patience);
            var title = screen.Title();

            // The issue's attack: a colour change, a title change (OSC 0), a screen clear, and a right-to-left override.
            await mallory.Input.WriteLineAsync("x \u001b[31mred\u001b]0;pwned\u0007 \u001b[2J\u202Eevil\u009b1m end");
            await mallory.Input.WriteLineAsync("/dm erin \u001b]2;pwned too\u001b\\ dm");
            await mallory.Input.FlushAsync(TestContext.Current.CancellationToken);
            var shown = await screen.WaitForAsync(
                s => s.Any(l => Line("<mallory> x \u241b[31mred\u241b]0;pwned\u2407 \u241b[2J<U+202E>evil<U+009B>1m end").IsMatch(l))
                    && s.Any(l => l.EndsWith("] \u241b]2;pwned too\u241b\\ dm", StringComparison.Ordinal)),
                "the sequences made visible",
                Patience);
            Assert.Equal(title, screen.Title());
            Assert.DoesNotContain("pwned", screen.Title(), StringComparison.Ordinal);
            Assert.Contains(shown, l => l.StartsWith("erin>", StringComparison.Ordinal)); // the screen was not cleared
        }
    }

    private static async Task<(VcspProcess Server, string Address)> StartServerAsync()
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var server = VcspProcess.Start("server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port);
        await server.WaitForAsync("group lobby on 127.0.0.1:" + port, Patience);
        return (server, "127.0.0.1:" + port);
    }

    private static TmuxSession StartTerminalClient(string address, string name, params (string, string)[] environment)
    {
        // The pane's shell line stays after the client ends, with its exit code, until the session is killed.
        var vcsp = typeof(Vcsp.Cli.Program).Assembly.Location;
        var command = $"dotnet '{vcsp}' client --server {address} --name {name}; echo \"[vcsp exited $?]\"; exec sleep 600";
        return TmuxSession.Start("sh -c '" + command.Replace("'", "'\\''", StringComparison.Ordinal) + "'", 120, 30, environment);
    }

    private static Regex Line(string text) => new("^[0-9]{2}:[0-9]{2}:[0-9]{2} " + Regex.Escape(text) + "$", RegexOptions.CultureInvariant);

    [GeneratedRegex("^[0-9]{2}:[0-9]{2}:[0-9]{2} ", RegexOptions.CultureInvariant)]
    private static partial Regex Stamped();

    /// <summary>An SGR sequence that sets a foreground or background colour (16, 256 or true colour).</summary>
    [GeneratedRegex(@"\x1b\[(?:[0-9]+;)*(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9]+)*m", RegexOptions.CultureInvariant)]
    private static partial Regex Colour();

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
