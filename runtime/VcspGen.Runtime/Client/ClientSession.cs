using System;
using System.Collections.Generic;
using System.Text;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>Where a client session is in its life.</summary>
public enum ClientState
{
    /// <summary>Not joined; <see cref="ClientSession.Join"/> starts.</summary>
    Idle,

    /// <summary>A join request is out, waiting for the Response.</summary>
    Joining,

    /// <summary>A member of the group.</summary>
    Member,

    /// <summary>A FIN is out, waiting for the Response.</summary>
    Leaving,

    /// <summary>Left the group (by FIN, or kicked), or the join failed.</summary>
    Closed,
}

/// <summary>What a <see cref="ClientSession"/> tells its application. Spans are valid only during the call.</summary>
public interface IClientEvents
{
    /// <summary>The server accepted the join.</summary>
    /// <param name="groupName">The group's name, UTF-8.</param>
    void OnJoined(ReadOnlySpan<byte> groupName);

    /// <summary>A whole group message arrived (fragments are put together first).</summary>
    /// <param name="sender">The sender's name, UTF-8.</param>
    /// <param name="message">The message, UTF-8.</param>
    void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message);

    /// <summary>The session ended.</summary>
    /// <param name="reason">Why: "left", "kicked", a rejection, or that the server did not answer.</param>
    void OnClosed(string reason);

    /// <summary>A ping was answered.</summary>
    /// <param name="roundTrip">The round-trip time.</param>
    void OnPong(TimeSpan roundTrip);

    /// <summary>The server answered a command (all its fragments put together).</summary>
    /// <param name="command">The command answered.</param>
    /// <param name="status">Whether it succeeded.</param>
    /// <param name="data">The result, UTF-8 text lines.</param>
    void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data);
}

/// <summary>The settings of a client session.</summary>
public sealed class ClientOptions
{
    /// <summary>The group's address and port.</summary>
    public required VcspAddress Server { get; init; }

    /// <summary>The member name: UTF-8, 1 to 32 bytes, no control characters.</summary>
    public required string Name { get; init; }

    /// <summary>The first retransmission timeout; it doubles after each try (PROTOCOL.md §11.1: 250 ms).</summary>
    public TimeSpan RetryTimeout { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How many times a request is sent before it fails (PROTOCOL.md §11.1: 5).</summary>
    public int MaxTries { get; init; } = 5;

    /// <summary>
    /// How long after its last group datagram the session asks the server, with a Ping, whether everything arrived
    /// (PROTOCOL.md §8.14), and how long a relayed message may wait, incomplete, before its missing fragments are
    /// asked for (§7.5). Defaults to 100 ms.
    /// </summary>
    public TimeSpan FlushAfter { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many senders' relayed messages are tracked at once; the one heard from least recently is forgotten. Defaults to 256.</summary>
    public int MaxSenders { get; init; } = 256;
}

/// <summary>
/// A client's state machine for one group (memo §4-§5, §7-§8; PROTOCOL.md §8, §10, §11): join with
/// retransmission, group messages split into fragments (kept for resend requests), relayed messages put together,
/// FIN, PING. Driven by datagrams and a <see cref="TimeProvider"/>; not thread-safe.
/// </summary>
public sealed class ClientSession : IVcspStateMachine
{
    private const int HeldSlots = 256;

    // Further apart than this, two sequences of one sender belong to different sequence spaces (it joined again).
    private const long FarAway = 4096;

    // Sequence spaces (memberships) tracked per sender name: one per time it joined, the least recently heard forgotten.
    private const int StreamsPerSender = 4;

    private readonly ClientOptions _options;
    private readonly IDatagramSink _sink;
    private readonly TimeProvider _time;
    private readonly IClientEvents _events;
    private readonly byte[] _name;
    private readonly int _chunk;
    private readonly byte[] _scratch = new byte[VcspWire.TextDatagramLimit];
    private readonly byte[][] _held = new byte[HeldSlots][];
    private readonly int[] _heldLength = new int[HeldSlots];
    private readonly uint[] _heldSequence = new uint[HeldSlots];
    private readonly Dictionary<string, Sender> _senders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Sender>.AlternateLookup<ReadOnlySpan<char>> _sendersByName;
    private readonly List<Incoming> _incoming = [];
    private readonly byte[] _messageBuffer = new byte[Fragmentation.MaxMessageLength(VcspWire.TextPayloadLimit)];

    private byte[] _request = [];
    private int _requestLength;
    private int _tries;
    private long _deadline;
    private TimeSpan _timeout;
    private uint _next;
    private uint _nextRequestId = SecureRandom.Sequence();
    private uint? _commandId;
    private CommandCode _command;
    private readonly MessageReassembly _reply = new(VcspWire.TextPayloadLimit - 2);

    // The Ping in flight: a user's PING or a flush after sending (PROTOCOL.md §8.14), retransmitted until its Pong.
    private bool _pingOut;
    private bool _userPing;
    private uint _pingSequence;
    private int _pingTries;
    private long _pingDeadline;
    private TimeSpan _pingTimeout;
    private bool _pingHeard;
    private uint _pingProgress;
    private long _lastSynAt;
    private uint _confirmed;
    private uint _lastErrorExpected;
    private long? _lastErrorAt;

    /// <summary>Creates a session; nothing is sent until <see cref="Join"/>.</summary>
    /// <param name="options">The session's settings.</param>
    /// <param name="sink">Where datagrams go.</param>
    /// <param name="time">The clock.</param>
    /// <param name="events">Where the session reports.</param>
    /// <exception cref="ArgumentException">The name is not 1 to 32 bytes of UTF-8.</exception>
    public ClientSession(ClientOptions options, IDatagramSink sink, TimeProvider time, IClientEvents events)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _name = Encoding.UTF8.GetBytes(options.Name);
        if (_name.Length is < 1 or > 32)
        {
            throw new ArgumentException("A member name is 1 to 32 bytes of UTF-8.", nameof(options));
        }

        _chunk = Fragmentation.ChunkSize(_name.Length);
        _sendersByName = _senders.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var i = 0; i < HeldSlots; i++)
        {
            _held[i] = new byte[VcspWire.TextDatagramLimit];
        }
    }

    /// <summary>Where the session is.</summary>
    public ClientState State { get; private set; }

    /// <summary>The member name.</summary>
    public string Name => _options.Name;

    /// <summary>The challenge the server assigned (valid while <see cref="State"/> is Member or Leaving).</summary>
    public ushort Challenge { get; private set; }

    /// <summary>How many relayed messages were given up on, their missing datagrams never having come (PROTOCOL.md §7.4).</summary>
    public long AbandonedMessages { get; private set; }

    /// <summary>The longest message <see cref="TrySend"/> accepts: 255 fragments of 117 - N bytes.</summary>
    public int MaxMessageLength => Fragmentation.MaxMessageLength(_chunk);

    /// <summary>Sends the join request (retransmitted until answered, PROTOCOL.md §11.1).</summary>
    /// <exception cref="InvalidOperationException">The session is not idle.</exception>
    public void Join()
    {
        if (State is not (ClientState.Idle or ClientState.Closed))
        {
            throw new InvalidOperationException($"Cannot join while {State}.");
        }

        var s0 = SecureRandom.Sequence();
        _next = unchecked(s0 + 1);
        State = ClientState.Joining;
        StartRequest(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = s0, Server = _options.Server, Name = _name });
    }

    /// <summary>Sends a group message, split into fragments when it is longer than one datagram.</summary>
    /// <param name="message">The message, UTF-8, 1 to <see cref="MaxMessageLength"/> bytes.</param>
    /// <returns><see langword="false"/> when not a member, or the message is empty or too long.</returns>
    public bool TrySend(ReadOnlySpan<byte> message)
    {
        if (State != ClientState.Member || message.IsEmpty || message.Length > MaxMessageLength)
        {
            return false;
        }

        var count = Fragmentation.CountFragments(message.Length, _chunk);
        for (var k = 1; k <= count; k++)
        {
            var syn = new Syn
            {
                Challenge = Challenge,
                Sequence = _next,
                FragmentOffset = Fragmentation.OffsetOf(k, count),
                Data = Fragmentation.Chunk(message, k, _chunk),
            };
            var slot = (int)(_next % HeldSlots);
            if (syn.TryEncode(_held[slot], out _heldLength[slot]) != VcspEncodeStatus.Ok)
            {
                return false; // cannot happen: the length was checked and the chunks fit (nothing of a refusal is sent)
            }

            _heldSequence[slot] = _next;
            _sink.Send(_held[slot].AsSpan(0, _heldLength[slot]), _options.Server);
            _next = unchecked(_next + 1);
        }

        _lastSynAt = _time.GetTimestamp();
        return true;
    }

    /// <summary>
    /// Sends a command (LIST, INFO, KICK, WHOIS), retransmitted until the whole reply has come;
    /// <see cref="IClientEvents.OnCommandReply"/> reports it. One command at a time (PROTOCOL.md §11.1).
    /// </summary>
    /// <param name="command">The command.</param>
    /// <param name="argument">Its argument (a member name for KICK and WHOIS), UTF-8, at most 32 bytes.</param>
    /// <returns><see langword="false"/> when not a member, another request is outstanding, or the argument is too long.</returns>
    public bool TrySendCommand(CommandCode command, ReadOnlySpan<byte> argument)
    {
        if (State != ClientState.Member || _requestLength != 0 || argument.Length > 32)
        {
            return false;
        }

        _commandId = _nextRequestId;
        _command = command;
        _nextRequestId = unchecked(_nextRequestId + 256); // room for the reply's fragment numbering
        _reply.Reset();
        StartRequest(new Command { Challenge = Challenge, Sequence = _commandId.Value, Code = command, Argument = argument });
        return true;
    }

    /// <summary>Leaves the group with a FIN (retransmitted until the Response comes).</summary>
    public void Leave()
    {
        if (State != ClientState.Member)
        {
            return;
        }

        State = ClientState.Leaving;
        StartRequest(new Fin { Challenge = Challenge, Sequence = unchecked(_next - 1) });
    }

    /// <summary>
    /// Sends a PING, retransmitted until answered; <see cref="IClientEvents.OnPong"/> reports the round trip. Its
    /// Sequence is this member's next group sequence, so the Pong also says that the server has every message sent
    /// before it (PROTOCOL.md §8.14).
    /// </summary>
    public void Ping()
    {
        if (State == ClientState.Member)
        {
            _userPing = true;
            if (!_pingOut)
            {
                StartPing();
            }
        }
    }

    /// <summary>Handles one datagram; anything not from the server is dropped.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="source">Its source.</param>
    public void Receive(ReadOnlySpan<byte> datagram, in VcspAddress source)
    {
        if (source != _options.Server || datagram.Length < 2)
        {
            return;
        }

        switch (datagram[1])
        {
            case Response.Flag when Response.TryDecode(datagram, out var response) == VcspDecodeStatus.Ok:
                OnResponse(response);
                break;
            case Reject.Flag when State == ClientState.Joining && Reject.TryDecode(datagram, out var reject) == VcspDecodeStatus.Ok:
                Close("rejected: " + reject.Reason);
                break;
            case Msg.Flag when State is ClientState.Member or ClientState.Leaving && Msg.TryDecode(datagram, out var msg) == VcspDecodeStatus.Ok:
                OnMsg(msg);
                break;
            case ResendRequest.Flag when ResendRequest.TryDecode(datagram, out var resend) == VcspDecodeStatus.Ok && resend.Challenge == Challenge:
                Resend(resend.Sequence, resend.Count);
                break;
            case Error.Flag when Error.TryDecode(datagram, out var error) == VcspDecodeStatus.Ok && error.Challenge == Challenge
                && error.Code == ErrorCode.OutOfOrder:
                OnOutOfOrder(error.Expected);
                break;
            case Error.Flag when Error.TryDecode(datagram, out var start) == VcspDecodeStatus.Ok && start.Challenge == Challenge
                && start.Code == ErrorCode.StreamStart:
                OnStreamStart(start.Sequence, start.Expected);
                break;
            case Pong.Flag when _pingOut && Pong.TryDecode(datagram, out var pong) == VcspDecodeStatus.Ok && pong.Challenge == Challenge
                && pong.Sequence == _pingSequence:
                OnPong(pong);
                break;
            case Kick.Flag when Kick.TryDecode(datagram, out var kick) == VcspDecodeStatus.Ok && kick.Challenge == Challenge:
                Close("kicked");
                break;
            case CommandReply.Flag when _commandId is not null && CommandReply.TryDecode(datagram, out var reply) == VcspDecodeStatus.Ok
                && reply.Challenge == Challenge && reply.Code == _command:
                OnCommandReply(reply);
                break;
        }
    }

    /// <summary>
    /// Does the timed work: retransmits the outstanding request or Ping (failing it after the last try), flushes with
    /// a Ping once the member has been quiet, and asks for relayed datagrams that are missing.
    /// </summary>
    public void Poll()
    {
        var now = _time.GetTimestamp();
        if (_requestLength != 0 && now >= _deadline)
        {
            if (_tries >= _options.MaxTries)
            {
                _requestLength = 0;
                Close(State == ClientState.Leaving ? "left (the server did not answer the FIN)" : "the server did not answer");
                return;
            }

            _timeout *= 2;
            SendRequestAgain();
        }

        if (State != ClientState.Member)
        {
            return;
        }

        if (_pingOut && now >= _pingDeadline)
        {
            if (_pingTries >= _options.MaxTries)
            {
                _pingOut = false;
                if (!_pingHeard)
                {
                    Close("the server did not answer");
                    return;
                }

                // The server answers, but not yet with a Pong: stop asking until the next message.
                _confirmed = _next;
                _userPing = false;
            }
            else
            {
                _pingTimeout *= 2;
                SendPing();
            }
        }
        else if (!_pingOut && _confirmed != _next && _time.GetElapsedTime(_lastSynAt, now) >= _options.FlushAfter)
        {
            StartPing();
        }

        foreach (var incoming in _incoming)
        {
            PollIncoming(incoming, now);
        }
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is outstanding.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? NextPollDelay()
    {
        long? due = _requestLength != 0 ? _deadline : null;
        void Consider(long at) => due = due is { } d && d <= at ? d : at;
        if (State == ClientState.Member)
        {
            if (_pingOut)
            {
                Consider(_pingDeadline);
            }
            else if (_confirmed != _next)
            {
                Consider(_lastSynAt + Ticks(_options.FlushAfter));
            }

            foreach (var incoming in _incoming)
            {
                if (incoming.NeedTries > 0)
                {
                    Consider(incoming.NeedDeadline);
                }
                else if (incoming.Reassembly.IsOpen)
                {
                    Consider(incoming.LastHeard + Ticks(_options.FlushAfter));
                }
            }
        }

        if (due is not { } at)
        {
            return null;
        }

        var left = _time.GetElapsedTime(_time.GetTimestamp(), at);
        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    private void OnResponse(in Response response)
    {
        if (State == ClientState.Joining && response.InReplyTo == ResponseTo.JoinRequest && response.Server == _options.Server)
        {
            _requestLength = 0;
            Challenge = response.Challenge;
            State = ClientState.Member;
            _confirmed = _next;
            _pingOut = false;
            _userPing = false;
            _events.OnJoined(response.GroupName);
        }
        else if (State == ClientState.Leaving && response.InReplyTo == ResponseTo.Fin && response.Challenge == Challenge)
        {
            _requestLength = 0;
            Close("left");
        }
    }

    private void OnCommandReply(in CommandReply reply)
    {
        var id = _commandId!.Value;
        if (reply.FragmentOffset == VcspWire.WholeMessage)
        {
            if (reply.Sequence == id)
            {
                EndCommand(reply.Status, reply.Data);
            }

            return;
        }

        if (!_reply.IsOpen)
        {
            _reply.Open(id);
        }

        if (_reply.Add(reply.Sequence, reply.FragmentOffset, reply.Data) == ReassemblyResult.Complete)
        {
            var length = _reply.CopyTo(_messageBuffer);
            _reply.Reset();
            EndCommand(reply.Status, _messageBuffer.AsSpan(0, length));
        }
    }

    private void EndCommand(CommandStatus status, ReadOnlySpan<byte> data)
    {
        _commandId = null;
        _requestLength = 0;
        _events.OnCommandReply(_command, status, data);
    }

    private void OnOutOfOrder(uint expected)
    {
        // Send again every held datagram from the one the server expects (PROTOCOL.md §8.4), but not twice for the
        // same Expected within 250 ms: the datagrams of the first resend are still on their way.
        var now = _time.GetTimestamp();
        if (_pingOut && (!_pingHeard || SerialNumber.IsNewer(expected, _pingProgress)))
        {
            // The server answers and is catching up: keep asking, at the first pace, while it makes progress.
            _pingHeard = true;
            _pingProgress = expected;
            _pingTries = 1;
            _pingTimeout = _options.RetryTimeout;
            _pingDeadline = now + Ticks(_pingTimeout);
        }

        if (_lastErrorAt is { } last && expected == _lastErrorExpected && _time.GetElapsedTime(last, now) < TimeSpan.FromMilliseconds(250))
        {
            return;
        }

        _lastErrorAt = now;
        _lastErrorExpected = expected;
        Resend(expected, (int)Math.Min(SerialNumber.Distance(expected, _next), HeldSlots));
    }

    private void OnStreamStart(uint request, uint first)
    {
        foreach (var incoming in _incoming)
        {
            if (incoming.Probing && incoming.NeedFrom == request)
            {
                var seen = unchecked(request + 1);
                incoming.Probing = false;
                incoming.NeedTries = 0;
                incoming.Expected = SerialNumber.IsNewer(first, seen) ? seen : first;
                Want(incoming, incoming.Expected.Value, SerialNumber.Distance(incoming.Expected.Value, incoming.NeedUpTo) + 1L);
                return;
            }
        }
    }

    private void OnPong(in Pong pong)
    {
        _pingOut = false;
        _confirmed = pong.Sequence;
        if (_userPing)
        {
            _userPing = false;
            _events.OnPong(_time.GetElapsedTime((long)pong.Timestamp));
        }
    }

    private void StartPing()
    {
        _pingOut = true;
        _pingHeard = false;
        _pingSequence = _next;
        _pingTries = 0;
        _pingTimeout = _options.RetryTimeout;
        SendPing();
    }

    private void SendPing()
    {
        _pingTries++;
        var now = _time.GetTimestamp();
        _pingDeadline = now + Ticks(_pingTimeout);
        Send(new Ping { Challenge = Challenge, Sequence = _pingSequence, Timestamp = (ulong)now });
    }

    /// <summary>
    /// A relayed datagram (PROTOCOL.md §8.5). Each sender's messages are taken in order: a datagram is accepted if it
    /// belongs to the message being put together, or starts the next message expected. Anything newer means something
    /// before it is missing: it is dropped, and the missing run, up to it, is asked for with a ResendRequest, which
    /// the server answers from its relay cache (§7.5). So a message is delivered whole, once, and in order.
    /// </summary>
    private void OnMsg(in Msg msg)
    {
        var incoming = IncomingFrom(msg.Sender, msg.Sequence);
        var reassembly = incoming.Reassembly;
        var whole = msg.FragmentOffset == VcspWire.WholeMessage;
        uint? start = whole ? msg.Sequence
            : msg.FragmentOffset != VcspWire.FinalFragment ? unchecked(msg.Sequence - msg.FragmentOffset + 1u)
            : reassembly.IsOpen && SerialNumber.IsNewer(msg.Sequence, reassembly.FirstSequence) ? reassembly.FirstSequence
            : null;

        if (reassembly.IsOpen && !whole && start == reassembly.FirstSequence)
        {
            AddFragment(incoming, msg);
            return;
        }

        if (incoming.Expected is not { } expected)
        {
            if (!incoming.Probed)
            {
                // The first datagram heard from this sender: earlier ones may have been lost on the way, and nothing
                // after them would tell. Ask the server where this member's stream of that sender begins (the
                // Error StreamStart that answers a ResendRequest ending just before this datagram), then take
                // everything from there in order (PROTOCOL.md §7.5).
                incoming.Probing = true;
                incoming.Probed = true;
                incoming.NeedUpTo = msg.Sequence;
                Want(incoming, unchecked(msg.Sequence - 1), 1);
                return;
            }

            if (incoming.Probing)
            {
                incoming.NeedUpTo = SerialNumber.IsNewer(msg.Sequence, incoming.NeedUpTo) ? msg.Sequence : incoming.NeedUpTo;
                return;
            }

            if (start is null)
            {
                return; // its message's start is unknown: wait
            }

            expected = start.Value;
            incoming.Expected = expected;
        }

        if (SerialNumber.IsOlder(msg.Sequence, expected))
        {
            return; // delivered already: a duplicate, a repeat or a late copy
        }

        if (!reassembly.IsOpen && start == expected)
        {
            if (whole)
            {
                Deliver(incoming, msg.Sender, msg.Data, unchecked(msg.Sequence + 1));
                return;
            }

            reassembly.Open(expected);
            AddFragment(incoming, msg);
            return;
        }

        // Something before this datagram is missing: ask for the run from the first hole up to this one.
        var from = reassembly.IsOpen && reassembly.TryGetFirstMissing(out var missing, out _) ? missing : expected;
        incoming.NeedUpTo = incoming.NeedTries > 0 && SerialNumber.IsNewer(incoming.NeedUpTo, msg.Sequence) ? incoming.NeedUpTo : msg.Sequence;
        Want(incoming, from, SerialNumber.Distance(from, incoming.NeedUpTo) + 1);
    }

    private void AddFragment(Incoming incoming, in Msg msg)
    {
        var reassembly = incoming.Reassembly;
        switch (reassembly.Add(msg.Sequence, msg.FragmentOffset, msg.Data))
        {
            case ReassemblyResult.Complete:
                var length = reassembly.CopyTo(_messageBuffer);
                var end = reassembly.EndSequence;
                reassembly.Reset();
                Deliver(incoming, msg.Sender, _messageBuffer.AsSpan(0, length), end);
                break;
            case ReassemblyResult.Accepted:
                if (reassembly.TryGetFirstMissing(out var missing, out var count) && SerialNumber.IsNewer(msg.Sequence, missing))
                {
                    Want(incoming, missing, count);
                }

                break;
            case ReassemblyResult.Early when reassembly.TryGetFirstMissing(out var hole, out _):
                incoming.NeedUpTo = msg.Sequence;
                Want(incoming, hole, SerialNumber.Distance(hole, msg.Sequence) + 1L);
                break;
            case ReassemblyResult.Inconsistent or ReassemblyResult.TooLong:
                Abandon(incoming);
                break;
        }
    }

    private void Deliver(Incoming incoming, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, uint end)
    {
        // Datagrams after this message were seen and dropped while it was incomplete: ask for them now.
        uint? seenUpTo = incoming.NeedTries > 0 && !SerialNumber.IsOlder(incoming.NeedUpTo, end) ? incoming.NeedUpTo : null;
        incoming.Expected = end;
        incoming.NeedTries = 0;
        _events.OnMessage(sender, message);
        if (seenUpTo is { } upTo)
        {
            Want(incoming, end, SerialNumber.Distance(end, upTo) + 1L);
        }
    }

    /// <summary>Asks the server for <paramref name="count"/> relayed datagrams from <paramref name="first"/>, unless already asking.</summary>
    private void Want(Incoming incoming, uint first, long count)
    {
        var clamped = (int)Math.Clamp(count, 1, Fragmentation.MaxFragments);
        if (incoming.NeedTries > 0 && incoming.NeedFrom == first)
        {
            incoming.NeedCount = Math.Max(incoming.NeedCount, clamped); // already asked: the timer asks again, for all of it
            return;
        }

        incoming.NeedFrom = first;
        incoming.NeedCount = clamped;
        incoming.NeedTries = 0;
        incoming.NeedTimeout = _options.RetryTimeout;
        AskAgain(incoming);
    }

    private void AskAgain(Incoming incoming)
    {
        incoming.NeedTries++;
        incoming.NeedDeadline = _time.GetTimestamp() + Ticks(incoming.NeedTimeout);
        Send(new ResendRequest { Challenge = Challenge, Sequence = incoming.NeedFrom, Count = (byte)incoming.NeedCount });
    }

    private void PollIncoming(Incoming incoming, long now)
    {
        if (incoming.NeedTries > 0)
        {
            if (now < incoming.NeedDeadline)
            {
                return;
            }

            if (incoming.NeedTries >= _options.MaxTries)
            {
                if (incoming.Probing)
                {
                    // No StreamStart came: take this sender's messages from the next one that starts.
                    incoming.Probing = false;
                    incoming.NeedTries = 0;
                    return;
                }

                Abandon(incoming); // the server no longer has it (PROTOCOL.md §7.4): counted, and the sender's next message starts afresh
                return;
            }

            incoming.NeedTimeout *= 2;
            AskAgain(incoming);
            return;
        }

        // A message left incomplete while its sender is quiet: its last fragments were lost (PROTOCOL.md §7.5).
        if (incoming.Reassembly.IsOpen && _time.GetElapsedTime(incoming.LastHeard, now) >= _options.FlushAfter
            && incoming.Reassembly.TryGetFirstMissing(out var missing, out var count))
        {
            Want(incoming, missing, count);
        }
    }

    private void Abandon(Incoming incoming)
    {
        AbandonedMessages++;
        Forget(incoming);
    }

    private static void Forget(Incoming incoming)
    {
        incoming.Reassembly.Reset();
        incoming.Expected = null;
        incoming.NeedTries = 0;
        incoming.Probing = false;
    }

    /// <summary>
    /// The stream a relayed datagram belongs to: its sender's stream whose sequence is near, else one that has lost its
    /// place (and takes the next message that starts), else a new one. A sender that joined again starts a new random
    /// sequence far from the old one (PROTOCOL.md §7.5), so each of its memberships is taken in order on its own, and
    /// late copies of an old one (its tail repeats) are recognised as such.
    /// </summary>
    private Incoming IncomingFrom(ReadOnlySpan<byte> senderName, uint sequence)
    {
        var now = _time.GetTimestamp();
        var sender = SenderFrom(senderName);
        sender.LastHeard = now;
        Incoming? lost = null;
        Incoming? leastRecent = null;
        foreach (var stream in sender.Streams)
        {
            if (stream.Current is not { } current)
            {
                lost ??= stream;
            }
            else if (!IsFar(current, sequence))
            {
                stream.LastHeard = now;
                return stream;
            }

            leastRecent = leastRecent is null || stream.LastHeard < leastRecent.LastHeard ? stream : leastRecent;
        }

        if (lost is null)
        {
            if (sender.Streams.Count == StreamsPerSender)
            {
                Remove(sender, leastRecent!);
            }

            lost = new Incoming();
            sender.Streams.Add(lost);
            _incoming.Add(lost);
        }

        lost.LastHeard = now;
        return lost;
    }

    private Sender SenderFrom(ReadOnlySpan<byte> senderName)
    {
        Span<char> name = stackalloc char[Encoding.UTF8.GetMaxCharCount(32)];
        var chars = Encoding.UTF8.GetChars(senderName, name);
        if (_sendersByName.TryGetValue(name[..chars], out var sender))
        {
            return sender;
        }

        if (_senders.Count >= _options.MaxSenders)
        {
            // Bounded: forget the sender heard from least recently.
            string? oldest = null;
            foreach (var (key, value) in _senders)
            {
                if (oldest is null || value.LastHeard < _senders[oldest].LastHeard)
                {
                    oldest = key;
                }
            }

            var forgotten = _senders[oldest!];
            while (forgotten.Streams.Count > 0)
            {
                Remove(forgotten, forgotten.Streams[^1]);
            }

            _senders.Remove(oldest!);
        }

        sender = new Sender();
        _senders[name[..chars].ToString()] = sender;
        return sender;
    }

    private void Remove(Sender sender, Incoming stream)
    {
        stream.Reassembly.Reset();
        sender.Streams.Remove(stream);
        _incoming.Remove(stream);
    }

    private static bool IsFar(uint a, uint b) => SerialNumber.Distance(a, b) > FarAway && SerialNumber.Distance(b, a) > FarAway;

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private void Resend(uint first, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var sequence = unchecked(first + (uint)i);
            var slot = (int)(sequence % HeldSlots);
            if (_heldSequence[slot] == sequence && _heldLength[slot] > 0 && SerialNumber.IsOlder(sequence, _next))
            {
                _sink.Send(_held[slot].AsSpan(0, _heldLength[slot]), _options.Server);
            }
        }
    }

    private void StartRequest<T>(in T packet)
        where T : IVcspPacket<T>, allows ref struct
    {
        if (_request.Length < T.MaxDatagramSize)
        {
            _request = new byte[VcspWire.TextDatagramLimit];
        }

        if (packet.TryEncode(_request, out _requestLength) != VcspEncodeStatus.Ok)
        {
            _requestLength = 0; // nothing outstanding: callers check the arguments, so this does not happen
            return;
        }

        _tries = 0;
        _timeout = _options.RetryTimeout;
        SendRequestAgain();
    }

    private void SendRequestAgain()
    {
        _tries++;
        _deadline = _time.GetTimestamp() + (long)(_timeout.TotalSeconds * _time.TimestampFrequency);
        _sink.Send(_request.AsSpan(0, _requestLength), _options.Server);
    }

    private void Send<T>(in T packet)
        where T : IVcspPacket<T>, allows ref struct
    {
        if (packet.TryEncode(_scratch, out var written) == VcspEncodeStatus.Ok)
        {
            _sink.Send(_scratch.AsSpan(0, written), _options.Server);
        }
    }

    private void Close(string reason)
    {
        State = ClientState.Closed;
        _requestLength = 0;
        _events.OnClosed(reason);
    }

    /// <summary>A sender name's streams (one per membership), at most <see cref="StreamsPerSender"/>.</summary>
    private sealed class Sender
    {
        public List<Incoming> Streams { get; } = new(StreamsPerSender);

        public long LastHeard { get; set; }
    }

    /// <summary>
    /// One stream of a sender's relayed messages (one membership: one sequence space): the next sequence expected, the
    /// message being put together, and what is being asked for.
    /// </summary>
    private sealed class Incoming
    {
        public uint? Expected { get; set; }

        /// <summary>Where this stream is: the next sequence expected, or while probing the newest datagram heard; null when it has lost its place.</summary>
        public uint? Current => Expected ?? (Probing ? NeedUpTo : null);

        /// <summary>Whether the session asked (or is asking) where this sender's stream begins.</summary>
        public bool Probed { get; set; }

        /// <summary>Whether the answer to that question is awaited: datagrams are dropped meanwhile, and fetched after.</summary>
        public bool Probing { get; set; }

        public MessageReassembly Reassembly { get; } = new();

        public long LastHeard { get; set; }

        /// <summary>How many ResendRequests went out for the current missing run (0: none outstanding).</summary>
        public int NeedTries { get; set; }

        public uint NeedFrom { get; set; }

        public int NeedCount { get; set; }

        public uint NeedUpTo { get; set; }

        public long NeedDeadline { get; set; }

        public TimeSpan NeedTimeout { get; set; }
    }
}
