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
}

/// <summary>
/// A client's state machine for one group (memo §4-§5, §7-§8; PROTOCOL.md §8, §10, §11): join with
/// retransmission, group messages split into fragments (kept for resend requests), relayed messages put together,
/// FIN, PING. Driven by datagrams and a <see cref="TimeProvider"/>; not thread-safe.
/// </summary>
public sealed class ClientSession : IVcspStateMachine
{
    private const int HeldSlots = 256;

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
    private readonly Dictionary<string, Incoming> _incoming = [];
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
        for (var i = 0; i < HeldSlots; i++)
        {
            _held[i] = new byte[VcspWire.TextDatagramLimit];
        }
    }

    /// <summary>Where the session is.</summary>
    public ClientState State { get; private set; }

    /// <summary>The challenge the server assigned (valid while <see cref="State"/> is Member or Leaving).</summary>
    public ushort Challenge { get; private set; }

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
            syn.TryEncode(_held[slot], out _heldLength[slot]);
            _heldSequence[slot] = _next;
            _sink.Send(_held[slot].AsSpan(0, _heldLength[slot]), _options.Server);
            _next = unchecked(_next + 1);
        }

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

    /// <summary>Sends a PING; <see cref="IClientEvents.OnPong"/> reports the round trip.</summary>
    public void Ping()
    {
        if (State == ClientState.Member)
        {
            Send(new Ping { Challenge = Challenge, Sequence = _next, Timestamp = (ulong)_time.GetTimestamp() });
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
                // Send again every held datagram from the one the server expects (PROTOCOL.md §8.4).
                Resend(error.Expected, (int)Math.Min(SerialNumber.Distance(error.Expected, _next), HeldSlots));
                break;
            case Pong.Flag when Pong.TryDecode(datagram, out var pong) == VcspDecodeStatus.Ok && pong.Challenge == Challenge:
                _events.OnPong(_time.GetElapsedTime((long)pong.Timestamp));
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

    /// <summary>Retransmits the outstanding request when its timeout has passed, or fails it after the last try.</summary>
    public void Poll()
    {
        if (_requestLength == 0 || _time.GetTimestamp() < _deadline)
        {
            return;
        }

        if (_tries >= _options.MaxTries)
        {
            _requestLength = 0;
            Close(State == ClientState.Leaving ? "left (the server did not answer the FIN)" : "the server did not answer");
            return;
        }

        _timeout *= 2;
        SendRequestAgain();
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is outstanding.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? NextPollDelay()
    {
        if (_requestLength == 0)
        {
            return null;
        }

        var left = _time.GetElapsedTime(_time.GetTimestamp(), _deadline);
        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    private void OnResponse(in Response response)
    {
        if (State == ClientState.Joining && response.InReplyTo == ResponseTo.JoinRequest && response.Server == _options.Server)
        {
            _requestLength = 0;
            Challenge = response.Challenge;
            State = ClientState.Member;
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

    private void OnMsg(in Msg msg)
    {
        if (msg.FragmentOffset == VcspWire.WholeMessage)
        {
            var whole = IncomingFrom(msg.Sender);
            if (whole.AlreadyDelivered(msg.Sequence))
            {
                return;
            }

            whole.Delivered(unchecked(msg.Sequence + 1));
            _events.OnMessage(msg.Sender, msg.Data);
            return;
        }

        var incoming = IncomingFrom(msg.Sender);
        var reassembly = incoming.Reassembly;
        if (!reassembly.IsOpen)
        {
            if (msg.FragmentOffset == VcspWire.FinalFragment)
            {
                return; // the message's start is unknown until a non-final fragment comes (or a resend)
            }

            var start = unchecked(msg.Sequence - msg.FragmentOffset + 1u);
            if (incoming.AlreadyDelivered(start))
            {
                return;
            }

            reassembly.Open(start);
        }

        if (reassembly.Add(msg.Sequence, msg.FragmentOffset, msg.Data) == ReassemblyResult.Complete)
        {
            var length = reassembly.CopyTo(_messageBuffer);
            incoming.Delivered(reassembly.EndSequence);
            reassembly.Reset();
            _events.OnMessage(msg.Sender, _messageBuffer.AsSpan(0, length));
        }
    }

    private Incoming IncomingFrom(ReadOnlySpan<byte> senderName)
    {
        var sender = Encoding.UTF8.GetString(senderName);
        if (!_incoming.TryGetValue(sender, out var incoming))
        {
            incoming = new Incoming();
            _incoming[sender] = incoming;
        }

        return incoming;
    }

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

        packet.TryEncode(_request, out _requestLength);
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

    /// <summary>One sender's relayed messages: the one being put together, and how far delivery has got.</summary>
    private sealed class Incoming
    {
        private uint? _deliveredEnd;

        public MessageReassembly Reassembly { get; } = new();

        /// <summary>Whether a message starting at <paramref name="start"/> was delivered already (a duplicate).</summary>
        public bool AlreadyDelivered(uint start) => _deliveredEnd is { } end && !SerialNumber.IsNewer(start, unchecked(end - 1));

        /// <summary>Records a delivered message that ended just before <paramref name="end"/>.</summary>
        public void Delivered(uint end) => _deliveredEnd = end;
    }
}
