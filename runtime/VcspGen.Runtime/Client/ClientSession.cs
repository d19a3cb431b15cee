using System;
using System.Text;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A client's state machine for one group (memo §4-§5, §7-§8; PROTOCOL.md §8, §10, §11): join with
/// retransmission, group messages split into fragments (kept for resend requests), relayed messages put together,
/// FIN, PING. Driven by datagrams and a <see cref="TimeProvider"/>; not thread-safe.
/// </summary>
/// <remarks>
/// The front door: it checks the state and sends each datagram to the part it concerns. The one outstanding request
/// (join, FIN, command) is an <see cref="OutstandingRequest"/>, the member's own Syn datagrams an
/// <see cref="OutgoingWindow"/>, the flush and the user's PING a <see cref="FlushPing"/>, and the relayed messages
/// <see cref="RelayedStreams"/>; all of them talk to the server through one <see cref="ServerLink"/>.
/// </remarks>
public sealed class ClientSession : IVcspStateMachine
{
    private readonly ClientOptions _options;
    private readonly TimeProvider _time;
    private readonly IClientEvents _events;
    private readonly byte[] _name;
    private readonly int _chunk;
    private readonly ServerLink _link;
    private readonly OutstandingRequest _request;
    private readonly OutgoingWindow _window;
    private readonly FlushPing _ping;
    private readonly RelayedStreams _relayed;

    /// <summary>Creates a session; nothing is sent until <see cref="Join"/>.</summary>
    /// <param name="options">The session's settings.</param>
    /// <param name="sink">Where datagrams go.</param>
    /// <param name="time">The clock.</param>
    /// <param name="events">Where the session reports.</param>
    /// <exception cref="ArgumentException">The name is not 1 to 32 bytes of UTF-8.</exception>
    public ClientSession(ClientOptions options, IDatagramSink sink, TimeProvider time, IClientEvents events)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _name = Encoding.UTF8.GetBytes(options.Name);
        if (_name.Length is < 1 or > 32)
        {
            throw new ArgumentException("A member name is 1 to 32 bytes of UTF-8.", nameof(options));
        }

        _chunk = Fragmentation.ChunkSize(_name.Length);
        _link = new ServerLink(options, sink, time);
        var messageBuffer = new byte[Fragmentation.MaxMessageLength(VcspWire.TextPayloadLimit)]; // one message at a time
        _request = new OutstandingRequest(_link, events, messageBuffer);
        _window = new OutgoingWindow(_link, _chunk);
        _ping = new FlushPing(_link, _window, options.FlushAfter);
        _relayed = new RelayedStreams(_link, events, options, messageBuffer);
    }

    /// <summary>Where the session is.</summary>
    public ClientState State { get; private set; }

    /// <summary>The member name.</summary>
    public string Name => _options.Name;

    /// <summary>The challenge the server assigned (valid while <see cref="State"/> is Member or Leaving).</summary>
    public ushort Challenge => _link.Challenge;

    /// <summary>How many relayed messages were given up on, their missing datagrams never having come (PROTOCOL.md §7.4).</summary>
    public long AbandonedMessages => _relayed.AbandonedMessages;

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
        _window.Restart(s0);
        State = ClientState.Joining;
        _request.Start(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = s0, Server = _options.Server, Name = _name });
    }

    /// <summary>Sends a group message, split into fragments when it is longer than one datagram.</summary>
    /// <param name="message">The message, UTF-8, 1 to <see cref="MaxMessageLength"/> bytes.</param>
    /// <returns><see langword="false"/> when not a member, or the message is empty or too long.</returns>
    public bool TrySend(ReadOnlySpan<byte> message) =>
        State == ClientState.Member && !message.IsEmpty && message.Length <= MaxMessageLength && _window.Send(message);

    /// <summary>
    /// Sends a command (LIST, INFO, KICK, WHOIS), retransmitted until the whole reply has come;
    /// <see cref="IClientEvents.OnCommandReply"/> reports it. One command at a time (PROTOCOL.md §11.1).
    /// </summary>
    /// <param name="command">The command.</param>
    /// <param name="argument">Its argument (a member name for KICK and WHOIS), UTF-8, at most 32 bytes.</param>
    /// <returns><see langword="false"/> when not a member, another request is outstanding, or the argument is too long.</returns>
    public bool TrySendCommand(CommandCode command, ReadOnlySpan<byte> argument)
    {
        if (State != ClientState.Member || _request.IsOutstanding || argument.Length > 32)
        {
            return false;
        }

        _request.StartCommand(command, argument);
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
        _request.Start(new Fin { Challenge = Challenge, Sequence = unchecked(_window.Next - 1) });
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
            _ping.Ping();
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
                Close(SessionEnd.Rejected(reject.Reason));
                break;
            case Msg.Flag when State is ClientState.Member or ClientState.Leaving && Msg.TryDecode(datagram, out var msg) == VcspDecodeStatus.Ok:
                _relayed.OnMsg(msg);
                break;
            case ResendRequest.Flag when ResendRequest.TryDecode(datagram, out var resend) == VcspDecodeStatus.Ok && resend.Challenge == Challenge:
                _window.Resend(resend.Sequence, resend.Count);
                break;
            case Error.Flag when Error.TryDecode(datagram, out var error) == VcspDecodeStatus.Ok && error.Challenge == Challenge
                && error.Code == ErrorCode.OutOfOrder:
                _ping.OnOutOfOrder(error.Expected);
                _window.OnOutOfOrder(error.Expected, _time.GetTimestamp());
                break;
            case Pong.Flag when _ping.IsOut && Pong.TryDecode(datagram, out var pong) == VcspDecodeStatus.Ok && pong.Challenge == Challenge
                && pong.Sequence == _ping.Sequence:
                if (_ping.OnPong(pong, out var roundTrip))
                {
                    _events.OnPong(roundTrip);
                }

                break;
            case Kick.Flag when Kick.TryDecode(datagram, out var kick) == VcspDecodeStatus.Ok && kick.Challenge == Challenge:
                Close(new SessionEnd(CloseReason.Kicked));
                break;
            case CommandReply.Flag when _request.AwaitedCommand is { } awaited && CommandReply.TryDecode(datagram, out var reply) == VcspDecodeStatus.Ok
                && reply.Challenge == Challenge && reply.Code == awaited:
                _request.OnCommandReply(reply);
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
        if (!_request.Poll())
        {
            Close(new SessionEnd(State == ClientState.Leaving ? CloseReason.LeftUnanswered : CloseReason.NoAnswer));
            return;
        }

        if (State != ClientState.Member)
        {
            return;
        }

        if (!_ping.Poll(now))
        {
            Close(new SessionEnd(CloseReason.NoAnswer));
            return;
        }

        _relayed.Poll(now);
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is outstanding.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? NextPollDelay()
    {
        var due = _request.Delay();
        return State == ClientState.Member ? Earlier(due, Earlier(_ping.Delay(), _relayed.Delay())) : due;
    }

    private static TimeSpan? Earlier(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private void OnResponse(in Response response)
    {
        if (State == ClientState.Joining && response.InReplyTo == ResponseTo.JoinRequest && response.Server == _options.Server)
        {
            _request.Stop();
            _link.Challenge = response.Challenge;
            State = ClientState.Member;
            _ping.Reset();
            _events.OnJoined(response.GroupName);
        }
        else if (State == ClientState.Leaving && response.InReplyTo == ResponseTo.Fin && response.Challenge == Challenge)
        {
            _request.Stop();
            Close(new SessionEnd(CloseReason.Left));
        }
    }

    private void Close(SessionEnd end)
    {
        State = ClientState.Closed;
        _request.Stop();
        _events.OnClosed(end);
    }
}
