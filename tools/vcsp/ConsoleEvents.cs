using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen;
using VcspGen.Runtime;
using VcspGen.Spec;

namespace Vcsp.Cli;

/// <summary>
/// Prints what the client hears, and wakes the console loop when something arrives. Everything that came over the
/// network goes through <see cref="TerminalText"/> here, before any front end sees it. Each line has a
/// <see cref="LineKind"/>: line mode writes the text as it is (and leaves out <see cref="LineKind.Own"/>, which scripts
/// never saw); the terminal front end adds a timestamp and colours by kind.
/// </summary>
internal sealed class ConsoleEvents : IClientEvents, IDirectMessageEvents, ICallEvents
{
    private readonly Lock _print = new();
    private readonly Action<LineKind, string, int> _write;
    private readonly Stream? _record;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _member;
    private bool _rejoining;
    private bool _recordFailed;

    private int _replies;
    private int _pongs;
    private string _lastClose = string.Empty;
    private HashSet<string>? _listed;

    /// <summary>Line mode: each line to <paramref name="output"/>, flushed, except this member's own lines.</summary>
    public ConsoleEvents(TextWriter output, Stream? record)
        : this(
            (kind, line, _) =>
            {
                if (kind != LineKind.Own)
                {
                    output.WriteLine(line);
                    output.Flush();
                }
            },
            record)
    {
    }

    /// <summary>Any front end: <paramref name="write"/> gets each line's kind, its (safe) text, and where the name it starts with ends (0: none).</summary>
    public ConsoleEvents(Action<LineKind, string, int> write, Stream? record)
    {
        _write = write;
        _record = record;
    }

    /// <summary>What a line is, for a front end that shows kinds differently.</summary>
    public enum LineKind
    {
        /// <summary>The session, the call, answers: joined, closed, pong, kick done, media.</summary>
        Notice,

        /// <summary>A group message from another member: <c>&lt;name&gt; text</c>.</summary>
        Message,

        /// <summary>What this member sent (shown by the terminal front end only).</summary>
        Own,

        /// <summary>A direct message: <c>[dm name@address] text</c>.</summary>
        Direct,

        /// <summary>A command's reply (LIST, INFO).</summary>
        Reply,

        /// <summary>Something went wrong, or was refused: the lines that start with "! ".</summary>
        Problem,
    }

    /// <summary>
    /// Whether a LIST reply is compared with the one before and who joined and left since is said (the terminal front
    /// end: the protocol has no member-joined or member-left broadcast, so a LIST the user asks for is what tells).
    /// </summary>
    public bool SayListChanges { get; init; }

    /// <summary>This member's name as typed on the command line (made safe when shown).</summary>
    public string OwnName { get; init; } = string.Empty;

    public int Replies => Volatile.Read(ref _replies);

    public int Pongs => Volatile.Read(ref _pongs);

    public string LastClose => Volatile.Read(ref _lastClose);

    /// <summary>The server ended the session (kicked, or it stopped answering), not this side.</summary>
    public bool SessionEnded => _ended.Task.IsCompleted;

    public Task EndedTask => _ended.Task;

    /// <summary>Prints a line of this program's own; "! " lines are <see cref="LineKind.Problem"/>, the others notices.</summary>
    public void Print(string line) => Print(line.StartsWith("! ", StringComparison.Ordinal) ? LineKind.Problem : LineKind.Notice, line);

    /// <summary>Prints a line; <paramref name="nameEnd"/> is where the name it starts with ends (0: no name).</summary>
    public void Print(LineKind kind, string line, int nameEnd = 0)
    {
        lock (_print)
        {
            _write(kind, line, nameEnd);
        }
    }

    /// <summary>Shows a group message this member sent, as others see it (terminal front end only).</summary>
    public void PrintOwn(ReadOnlySpan<byte> message)
    {
        var name = $"<{TerminalText.Sanitize(OwnName)}>";
        Print(LineKind.Own, $"{name} {TerminalText.Sanitize(message)}", name.Length);
    }

    /// <summary>Shows a direct message this member sent (terminal front end only).</summary>
    public void PrintOwnDirect(string peer, ReadOnlySpan<byte> message) =>
        Print(LineKind.Own, $"[dm to {TerminalText.Sanitize(peer)}] {TerminalText.Sanitize(message)}");

    /// <summary>
    /// Waits until <paramref name="condition"/> holds (checked on the client under its lock) or the time is up.
    /// The events come on the host's dispatcher, so the pulse to wait on is taken before the condition is read:
    /// an event handled in between completes it, and nothing is missed.
    /// </summary>
    public async Task<bool> WaitAsync(VcspClientHost client, Func<ChatClient, bool> condition, TimeSpan patience, CancellationToken stop)
    {
        var deadline = patience == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + patience;
        while (true)
        {
            Task changed;
            lock (_print)
            {
                changed = _changed.Task;
            }

            if (client.Invoke(condition))
            {
                // What led there is printed before the console goes on (a script's lines run in order).
                try
                {
                    await client.WhenEventsDeliveredAsync().WaitAsync(stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: nothing more is printed in order.
                }

                return true;
            }

            var left = deadline == DateTime.MaxValue ? Timeout.InfiniteTimeSpan : deadline - DateTime.UtcNow;
            if (stop.IsCancellationRequested || (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero))
            {
                return false;
            }

            try
            {
                await changed.WaitAsync(left, stop).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return false;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    public void OnJoined(ReadOnlySpan<byte> groupName)
    {
        _member = true;
        _rejoining = false;
        Print($"joined {TerminalText.Sanitize(groupName)}");
        Changed();
    }

    public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
    {
        var name = $"<{TerminalText.Sanitize(sender)}>";
        Print(LineKind.Message, $"{name} {TerminalText.Sanitize(message)}", name.Length);
        Changed();
    }

    public void OnClosed(SessionEnd end)
    {
        Volatile.Write(ref _lastClose, TerminalText.Sanitize(end.ToString())); // an enum value the server chose may be any number
        Print("closed: " + LastClose);
        if ((_member || _rejoining) && !end.IsLeave && !end.IsLost)
        {
            // A lost membership is joined again by the host (OnRejoining follows): the session goes on.
            _ended.TrySetResult();
        }

        _member = false;
        Changed();
    }

    public void OnPong(TimeSpan roundTrip)
    {
        Print($"pong: {roundTrip.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms");
        Interlocked.Increment(ref _pongs);
        Changed();
    }

    public void OnRejoining(int attempt, TimeSpan delay)
    {
        _rejoining = true;
        Print($"rejoining in {delay.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s (try {attempt})");
        Changed();
    }

    public void OnRelayLost(long datagrams)
    {
        Print(datagrams == 1 ? "! lost 1 relayed datagram" : $"! lost {datagrams} relayed datagrams");
        Changed();
    }

    public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence)
    {
        Print($"! not delivered to {TerminalText.Sanitize(member)}: your messages 0x{firstSequence:x8} to 0x{unchecked(endSequence - 1):x8}");
        Changed();
    }

    public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
    {
        var name = command.ToString().ToLowerInvariant();
        if (status != CommandStatus.Ok)
        {
            Print($"! {name}: {TerminalText.Sanitize(status.ToString())}");
        }
        else if (command == CommandCode.Whois)
        {
            // Only a DM by name asks WHOIS (there is no /whois): its answer is the client's business, not the reader's.
        }
        else if (command == CommandCode.Kick)
        {
            Print("kick: done");
        }
        else
        {
            // The reply's lines and its tab-separated fields are its structure: split on them first,
            // then each field is made safe like any other text from the network.
            var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Print(LineKind.Reply, $"{name}:" + string.Concat(lines.Select(l => "\n  " + string.Join(' ', l.Split('\t').Select(TerminalText.Sanitize)))));
            if (command == CommandCode.List && SayListChanges)
            {
                SayChanges([.. lines.Select(l => TerminalText.Sanitize(l.Split('\t')[0]))]);
            }
        }

        Interlocked.Increment(ref _replies);
        Changed();
    }

    private void SayChanges(HashSet<string> members)
    {
        var before = _listed;
        _listed = members;
        if (before is null)
        {
            return;
        }

        var joined = members.Where(m => !before.Contains(m)).Order(StringComparer.Ordinal).ToArray();
        var left = before.Where(m => !members.Contains(m)).Order(StringComparer.Ordinal).ToArray();
        if (joined.Length + left.Length > 0)
        {
            Print(LineKind.Notice, "since the last /list:"
                + (joined.Length > 0 ? " joined " + string.Join(", ", joined) + (left.Length > 0 ? ";" : string.Empty) : string.Empty)
                + (left.Length > 0 ? " left " + string.Join(", ", left) : string.Empty));
        }
    }

    public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
    {
        var from = $"[dm {TerminalText.Sanitize(sender)}@{TerminalText.Sanitize(peer.ToString())}]";
        Print(LineKind.Direct, $"{from} {TerminalText.Sanitize(message)}", from.Length);
        Changed();
    }

    public void OnCallStarted(byte codec, ushort? callChallenge)
    {
        Print($"call: in the call, codec {CodecNames.Describe([codec])}" + (callChallenge is null ? " (the peer's offer had no call challenge: no media)" : string.Empty));
        Changed();
    }

    public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs)
    {
        Print($"call: refused ({TerminalText.Sanitize(reason.ToString())}); the server's codecs: {CodecNames.Describe(serverCodecs.ToArray())}");
        Changed();
    }

    public void OnCallEnded(CallEnd end)
    {
        Print("call: ended: " + TerminalText.Sanitize(end.ToString()));
        Changed();
    }

    public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data)
    {
        // --record-media: the data as it comes (for one sender's MPEG-TS, a playable stream). On the host's event
        // dispatcher, one event after another, so writes are in arrival order and never hold the client's lock; a
        // failing disk stops the recording, not the call.
        if (_record is not null && !_recordFailed)
        {
            try
            {
                _record.Write(data);
            }
            catch (IOException e)
            {
                _recordFailed = true;
                Print("! record-media: " + e.Message);
            }
        }

        MediaPackets++;
    }

    public long MediaPackets { get; private set; }

    private void Changed()
    {
        TaskCompletionSource changed;
        lock (_print)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
