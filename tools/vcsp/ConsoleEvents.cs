using System;
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

/// <summary>Prints what the client hears, and wakes the console loop when something arrives.</summary>
internal sealed class ConsoleEvents(TextWriter output, Stream? record) : IClientEvents, IDirectMessageEvents, ICallEvents
{
    private readonly Lock _print = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _member;
    private bool _rejoining;
    private bool _recordFailed;

    private int _replies;
    private int _pongs;
    private string _lastClose = string.Empty;

    public int Replies => Volatile.Read(ref _replies);

    public int Pongs => Volatile.Read(ref _pongs);

    public string LastClose => Volatile.Read(ref _lastClose);

    /// <summary>The server ended the session (kicked, or it stopped answering), not this side.</summary>
    public bool SessionEnded => _ended.Task.IsCompleted;

    public Task EndedTask => _ended.Task;

    public void Print(string line)
    {
        lock (_print)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

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
        Print($"joined {Encoding.UTF8.GetString(groupName)}");
        Changed();
    }

    public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
    {
        Print($"<{Encoding.UTF8.GetString(sender)}> {Encoding.UTF8.GetString(message)}");
        Changed();
    }

    public void OnClosed(SessionEnd end)
    {
        Volatile.Write(ref _lastClose, end.ToString());
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
        Print($"! not delivered to {Encoding.UTF8.GetString(member)}: your messages 0x{firstSequence:x8} to 0x{unchecked(endSequence - 1):x8}");
        Changed();
    }

    public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
    {
        var name = command.ToString().ToLowerInvariant();
        if (status != CommandStatus.Ok)
        {
            Print($"! {name}: {status}");
        }
        else if (command == CommandCode.Whois)
        {
            Print($"whois: {Encoding.UTF8.GetString(data)}");
        }
        else if (command == CommandCode.Kick)
        {
            Print("kick: done");
        }
        else
        {
            var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Print($"{name}:" + string.Concat(lines.Select(l => "\n  " + l.Replace('\t', ' '))));
        }

        Interlocked.Increment(ref _replies);
        Changed();
    }

    public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
    {
        Print($"[dm {Encoding.UTF8.GetString(sender)}@{peer}] {Encoding.UTF8.GetString(message)}");
        Changed();
    }

    public void OnCallStarted(byte codec, ushort? callChallenge)
    {
        Print($"call: in the call, codec {CodecNames.Describe([codec])}" + (callChallenge is null ? " (the peer's offer had no call challenge: no media)" : string.Empty));
        Changed();
    }

    public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs)
    {
        Print($"call: refused ({reason}); the server's codecs: {CodecNames.Describe(serverCodecs.ToArray())}");
        Changed();
    }

    public void OnCallEnded(CallEnd end)
    {
        Print("call: ended: " + end);
        Changed();
    }

    public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data)
    {
        // --record-media: the data as it comes (for one sender's MPEG-TS, a playable stream). On the host's event
        // dispatcher, one event after another, so writes are in arrival order and never hold the client's lock; a
        // failing disk stops the recording, not the call.
        if (record is not null && !_recordFailed)
        {
            try
            {
                record.Write(data);
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
