using System;
using System.Text;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A client's state machine for one group (memo §4-§5, §7-§8; PROTOCOL.md §7.5-§7.7, §8, §10, §11): join with
/// retransmission and its confirmation, group messages split into fragments (held until acknowledged, sent as the
/// server's window allows), the relay stream taken in order and put together, Acks and the keepalive, FIN, PING.
/// Driven by datagrams and a <see cref="TimeProvider"/>; not thread-safe.
/// </summary>
/// <remarks>
/// The front door: it checks the state and sends each datagram to the part it concerns. The one outstanding request
/// (join, FIN, command) is an <see cref="OutstandingRequest"/>, the member's own Syn datagrams and its send queue an
/// <see cref="OutgoingWindow"/>, the relayed messages a <see cref="RelayStream"/>, the Acks (the join's confirmation,
/// acknowledgements, keepalive) a <see cref="LinkAcks"/>, and the user's PING a <see cref="UserPing"/>; all of them
/// talk to the server through one <see cref="ServerLink"/>.
/// </remarks>
public sealed class ClientSession : IVcspStateMachine
{
    private static readonly byte[] JoinPadding = new byte[JoinRequest.PaddedSize];

    private readonly ClientOptions _options;
    private readonly TimeProvider _time;
    private readonly IClientEvents _events;
    private readonly byte[] _name;
    private readonly int _chunk;
    private readonly ServerLink _link;
    private readonly OutstandingRequest _request;
    private readonly OutgoingWindow _window;
    private readonly UserPing _ping;
    private readonly RelayStream _relay;
    private readonly LinkAcks _acks;
    private byte[] _groupName = [];
    private bool _carryOver;

    /// <summary>Creates a session; nothing is sent until <see cref="Join"/>.</summary>
    /// <param name="options">The session's settings.</param>
    /// <param name="sink">Where datagrams go.</param>
    /// <param name="time">The clock.</param>
    /// <param name="events">Where the session reports.</param>
    /// <exception cref="ArgumentException">The name breaks <see cref="MemberNames"/>' rule.</exception>
    public ClientSession(ClientOptions options, IDatagramSink sink, TimeProvider time, IClientEvents events)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _name = Encoding.UTF8.GetBytes(options.Name);
        if (!MemberNames.IsValid(_name))
        {
            throw new ArgumentException("A member name is 1 to 32 bytes of UTF-8 without control or format characters or spaces (PROTOCOL.md §4).", nameof(options));
        }

        _chunk = Fragmentation.ChunkSize(_name.Length);
        _link = new ServerLink(options, sink, time);
        var messageBuffer = new byte[Fragmentation.MaxMessageLength(VcspWire.TextPayloadLimit)]; // one message at a time
        _request = new OutstandingRequest(_link, events, messageBuffer);
        _window = new OutgoingWindow(_link, _chunk);
        _ping = new UserPing(_link, _window);
        _relay = new RelayStream(_link, events, messageBuffer);
        _acks = new LinkAcks(_link, _window, _relay, options.KeepaliveInterval);
    }

    /// <summary>
    /// Where the session is. <see cref="ClientState.Joining"/> lasts until the server's Ack confirms the membership
    /// (PROTOCOL.md §8.1, step 6), not just until its Response.
    /// </summary>
    public ClientState State { get; private set; }

    /// <summary>The member name.</summary>
    public string Name => _options.Name;

    /// <summary>The challenge the server assigned (valid while <see cref="State"/> is Member or Leaving).</summary>
    public ushort Challenge => _link.Challenge;

    /// <summary>The group's address this session joins: <see cref="ClientOptions.Server"/>, or the node it moved to (<see cref="MoveTo"/>).</summary>
    public VcspAddress Server => _link.Server;

    /// <summary>
    /// Points the session at another node of the same group (PROTOCOL.md §15.4) for its next <see cref="Join"/>; only
    /// between memberships (<see cref="ClientState.Idle"/> or <see cref="ClientState.Closed"/>).
    /// </summary>
    /// <param name="server">The node's group address and port.</param>
    /// <exception cref="InvalidOperationException">The session is joining, a member or leaving.</exception>
    public void MoveTo(VcspAddress server)
    {
        if (State is not (ClientState.Idle or ClientState.Closed))
        {
            throw new InvalidOperationException($"A session moves to another node only between memberships, not while {State}.");
        }

        _link.MoveTo(server);
    }

    /// <summary>
    /// How many relayed messages were dropped incomplete: cut by datagrams that were lost (reported with
    /// <see cref="IClientEvents.OnRelayLost"/>), or whose fragments disagree (PROTOCOL.md §7.4).
    /// </summary>
    public long AbandonedMessages => _relay.AbandonedMessages;

    /// <summary>
    /// How many relayed datagrams this member could not receive: skipped by the server, or asked for 5 times in vain
    /// (PROTOCOL.md §7.5); each loss is reported with <see cref="IClientEvents.OnRelayLost"/>.
    /// </summary>
    public long LostDatagrams => _relay.LostDatagrams;

    /// <summary>
    /// How many messages wait in the send queue for the server's window (PROTOCOL.md §7.6), the one partly sent
    /// included; at <see cref="SendQueueCapacity"/>, <see cref="TrySend(ReadOnlySpan{byte})"/> refuses.
    /// </summary>
    public int SendQueueLength => _window.QueueLength;

    /// <summary>How many messages the send queue holds at most (64).</summary>
    public int SendQueueCapacity => OutgoingWindow.QueueCapacity;

    /// <summary>The longest message <see cref="TrySend(ReadOnlySpan{byte})"/> accepts: 255 fragments of 117 - N bytes.</summary>
    public int MaxMessageLength => Fragmentation.MaxMessageLength(_chunk);

    /// <summary>
    /// Sends the join request (retransmitted until answered, PROTOCOL.md §11.1), then the confirmation of its Response
    /// (§8.1, step 6); <see cref="IClientEvents.OnJoined"/> reports the server's Ack to the confirmation. After a lost
    /// membership (<see cref="SessionEnd.IsLost"/>), the messages the server had not acknowledged, sent or queued, are
    /// kept and sent again once a member, as new messages numbered from the new join (§7.7); after any other end they
    /// are dropped.
    /// </summary>
    /// <exception cref="InvalidOperationException">The session is not idle.</exception>
    public void Join()
    {
        if (State is not (ClientState.Idle or ClientState.Closed))
        {
            throw new InvalidOperationException($"Cannot join while {State}.");
        }

        var s0 = SecureRandom.Sequence();
        _window.Restart(s0, _carryOver);
        _carryOver = false;
        _relay.Reset();
        _acks.Reset();
        _ping.Reset();
        State = ClientState.Joining;
        // Padded to 64 bytes, so that the server's answer is never larger than the request (PROTOCOL.md §8.1, §13.3).
        var unpadded = VcspWire.TextHeaderSize + _link.Server.EncodedSize + 1 + _name.Length;
        var padding = JoinPadding.AsSpan(0, Math.Max(0, JoinRequest.PaddedSize - unpadded));
        _request.Start(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = s0, Server = _link.Server, Name = _name, Padding = padding });
    }

    /// <summary>
    /// Sends a group message, split into fragments when it is longer than one datagram. What the server's window does
    /// not allow yet waits in the send queue, and goes out as the window opens (PROTOCOL.md §7.6).
    /// </summary>
    /// <param name="message">The message, UTF-8, 1 to <see cref="MaxMessageLength"/> bytes.</param>
    /// <returns>
    /// <see langword="false"/> when not a member, the message is empty or too long, or the send queue is full
    /// (back-pressure: try again once <see cref="SendQueueLength"/> went down).
    /// </returns>
    public bool TrySend(ReadOnlySpan<byte> message) => TrySend(message, out _);

    /// <summary>
    /// Sends a group message as <see cref="TrySend(ReadOnlySpan{byte})"/> does, and says which group sequence its
    /// first datagram takes (its other fragments take the ones after), so that an
    /// <see cref="IClientEvents.OnUndelivered"/> report can be matched to it.
    /// </summary>
    /// <param name="message">The message, UTF-8, 1 to <see cref="MaxMessageLength"/> bytes.</param>
    /// <param name="firstSequence">The group sequence of the message's first datagram; 0 when refused.</param>
    /// <returns><see langword="false"/> when not a member, the message is empty or too long, or the send queue is full.</returns>
    public bool TrySend(ReadOnlySpan<byte> message, out uint firstSequence)
    {
        firstSequence = 0;
        return State == ClientState.Member && !message.IsEmpty && message.Length <= MaxMessageLength
            && _window.TrySend(message, out firstSequence);
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
        if (State != ClientState.Member || _request.IsOutstanding || argument.Length > 32)
        {
            return false;
        }

        _request.StartCommand(command, argument);
        return true;
    }

    /// <summary>Leaves the group with a FIN (retransmitted until the Response comes); messages still in the send queue are dropped.</summary>
    public void Leave()
    {
        if (State != ClientState.Member)
        {
            return;
        }

        State = ClientState.Leaving;
        _window.Clear();
        _acks.Reset();
        _request.Start(new Fin { Challenge = Challenge, Sequence = unchecked(_window.Next - 1) });
    }

    /// <summary>
    /// Sends a PING, retransmitted until answered; <see cref="IClientEvents.OnPong"/> reports the round trip. Its
    /// Sequence is this member's next group sequence, so the Pong also says that the server has every message sent
    /// before it (PROTOCOL.md §8.14). A PING never answered is given up quietly after the last try.
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
        if (source != _link.Server || datagram.Length < 2 || State is ClientState.Idle or ClientState.Closed)
        {
            return;
        }

        switch (datagram[1])
        {
            case Response.Flag when Response.TryDecode(datagram, out var response) == VcspDecodeStatus.Ok:
                OnResponse(response);
                break;
            case Reject.Flag when State == ClientState.Joining && Reject.TryDecode(datagram, out var reject) == VcspDecodeStatus.Ok:
                Close(SessionEnd.Rejected(reject.Reason)); // to the JoinRequest, or at the confirmation (PROTOCOL.md §8.1, step 6)
                break;
            case Ack.Flag when (_acks.Confirming || State is ClientState.Member or ClientState.Leaving)
                && Ack.TryDecode(datagram, out var ack) == VcspDecodeStatus.Ok && ack.Challenge == Challenge:
                _acks.Heard();
                if (_acks.OnServerAck(ack))
                {
                    State = ClientState.Member;
                    _events.OnJoined(_groupName);
                }

                break;
            case Msg.Flag when State is ClientState.Member or ClientState.Leaving && Msg.TryDecode(datagram, out var msg) == VcspDecodeStatus.Ok:
                _acks.Heard();
                _relay.OnMsg(msg, datagram);
                if (State == ClientState.Member)
                {
                    _acks.AfterRelay();
                }

                break;
            case ResendRequest.Flag when ResendRequest.TryDecode(datagram, out var resend) == VcspDecodeStatus.Ok && resend.Challenge == Challenge:
                _acks.Heard();
                _window.Resend(resend.Sequence, resend.Count);
                break;
            case Error.Flag when Error.TryDecode(datagram, out var error) == VcspDecodeStatus.Ok && error.Challenge == Challenge:
                _acks.Heard();
                OnError(error);
                break;
            case Pong.Flag when _ping.IsOut && Pong.TryDecode(datagram, out var pong) == VcspDecodeStatus.Ok && pong.Challenge == Challenge
                && pong.Sequence == _ping.Sequence:
                _acks.Heard();
                _events.OnPong(_ping.OnPong(pong));
                break;
            case Kick.Flag when Kick.TryDecode(datagram, out var kick) == VcspDecodeStatus.Ok && kick.Challenge == Challenge:
                Close(new SessionEnd(CloseReason.Kicked));
                break;
            case CommandReply.Flag when _request.AwaitedCommand is { } awaited && CommandReply.TryDecode(datagram, out var reply) == VcspDecodeStatus.Ok
                && reply.Challenge == Challenge && reply.Code == awaited:
                _acks.Heard();
                _request.OnCommandReply(reply);
                break;
        }
    }

    /// <summary>
    /// Does the timed work: retransmits the outstanding request, Ack with ReplyRequested, ResendRequests and PING
    /// (ending the session when the server does not answer), and sends the keepalive.
    /// </summary>
    public void Poll()
    {
        if (!_request.Poll())
        {
            Close(new SessionEnd(State == ClientState.Leaving ? CloseReason.LeftUnanswered : CloseReason.NoAnswer));
            return;
        }

        if (State == ClientState.Joining && _acks.Confirming)
        {
            if (!_acks.Poll())
            {
                Close(new SessionEnd(CloseReason.NoAnswer));
            }

            return;
        }

        if (State != ClientState.Member)
        {
            return;
        }

        _ping.Poll();
        _relay.Poll();
        if (State == ClientState.Member && !_acks.Poll())
        {
            Close(new SessionEnd(CloseReason.NoAnswer));
        }
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is outstanding.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? NextPollDelay()
    {
        var due = _request.Delay();
        return State switch
        {
            ClientState.Joining when _acks.Confirming => Earlier(due, _acks.Delay()),
            ClientState.Member => Earlier(Earlier(due, _acks.Delay()), Earlier(_ping.Delay(), _relay.Delay())),
            _ => due,
        };
    }

    private static TimeSpan? Earlier(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private void OnResponse(in Response response)
    {
        if (State == ClientState.Joining && !_acks.Confirming && response.InReplyTo == ResponseTo.JoinRequest && response.Server == _link.Server)
        {
            // Admitted, not yet a member: the confirmation (an Ack with the challenge) makes it one (PROTOCOL.md §8.1, step 6).
            _request.Stop();
            _link.Challenge = response.Challenge;
            _groupName = response.GroupName.ToArray();
            _acks.Confirm();
        }
        else if (State == ClientState.Leaving && response.InReplyTo == ResponseTo.Fin && response.Challenge == Challenge)
        {
            _request.Stop();
            Close(new SessionEnd(CloseReason.Left));
        }
    }

    private void OnError(in Error error)
    {
        switch (error.Code)
        {
            case ErrorCode.NotMember:
                Close(new SessionEnd(CloseReason.ServerRestarted)); // the server does not know this member (PROTOCOL.md §7.7)
                break;
            case ErrorCode.OutOfOrder when State is ClientState.Member or ClientState.Leaving:
                _ping.OnOutOfOrder(error.Expected);
                _window.OnOutOfOrder(error.Expected, _time.GetTimestamp());
                break;
            case ErrorCode.Skipped when State is ClientState.Member or ClientState.Leaving:
                _relay.OnSkipped(error.Sequence, error.Expected);
                break;
            case ErrorCode.Undelivered when State is ClientState.Member or ClientState.Leaving:
                _events.OnUndelivered(error.Text, error.Sequence, error.Expected);
                break;
        }
    }

    private void Close(SessionEnd end)
    {
        State = ClientState.Closed;
        _request.Stop();
        _acks.Reset();
        _ping.Reset();
        _relay.Reset();
        _carryOver = end.IsLost;
        if (!_carryOver)
        {
            _window.Clear();
        }

        _events.OnClosed(end);
    }
}
