using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>Where a member's side of the group call is (PROTOCOL.md §11.9, §12).</summary>
public enum CallState
{
    /// <summary>Not in the call; <see cref="MemberCall.Join"/> starts VC-INIT.</summary>
    Idle,

    /// <summary>A VoiceJoin is out, waiting for the server's INVITE (or a CodecReject).</summary>
    Joining,

    /// <summary>The INVITE was answered 200 OK; waiting for the ACK.</summary>
    Answered,

    /// <summary>In the call: Media flows.</summary>
    InCall,

    /// <summary>VC-LEAVE: a VoiceFin (or a BYE) is out, waiting for its answer.</summary>
    Leaving,
}

/// <summary>What a <see cref="MemberCall"/> tells its application. Spans are valid only during the call.</summary>
public interface ICallEvents
{
    /// <summary>The dialog is complete (the ACK arrived): the member is in the call.</summary>
    /// <param name="codec">The negotiated codec id.</param>
    /// <param name="callChallenge">The call challenge, or null when the peer's offer had none (a plain SIP peer: no VCSP media).</param>
    void OnCallStarted(byte codec, ushort? callChallenge);

    /// <summary>The server refused VC-INIT with a CodecReject.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="serverCodecs">The server's codecs, most preferred first.</param>
    void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs);

    /// <summary>The member is out of the call (VC-LEAVE done, a BYE, NotInCall, or a set-up that failed).</summary>
    /// <param name="reason">Why, in a few words.</param>
    void OnCallEnded(string reason);

    /// <summary>A Media datagram arrived from another call member.</summary>
    /// <param name="source">The sender's call-member id.</param>
    /// <param name="timestamp">The sender's 90 kHz media clock.</param>
    /// <param name="codec">The codec of <paramref name="data"/>.</param>
    /// <param name="data">The media data.</param>
    void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data);
}

/// <summary>The settings of a member's call: its SIP user agent and the codecs it offers.</summary>
public sealed class CallOptions
{
    /// <summary>Where this member's SIP user agent listens: its port goes in the VoiceJoin, its address in Contact and the SDP answer.</summary>
    public required IPEndPoint SipEndPoint { get; init; }

    /// <summary>The transport the user agent takes INVITEs on (the VoiceJoin's SipTransport). Defaults to UDP.</summary>
    public SipTransport SipTransport { get; init; } = SipTransport.Udp;

    /// <summary>
    /// The server's SIP endpoint: INVITEs from any other IP address (over UDP, any other port) are dropped without an
    /// answer (PROTOCOL.md §12.4). Defaults to the group's IP address and port 5060.
    /// </summary>
    public IPEndPoint? ServerSipEndPoint { get; init; }

    /// <summary>The port of this member's VCSP socket, named in the SDP answer (informational, PROTOCOL.md §12.4).</summary>
    public int MediaPort { get; init; }

    /// <summary>The codecs VC-INIT lists, most preferred first (1 to 32). Defaults to Opus, PCMU, PCMA, G.722, H.264 and MPEG-2 TS.</summary>
    public IReadOnlyList<byte> Codecs { get; init; } = GroupOptions.DefaultCodecs;

    /// <summary>The SIP timers of the user agent (200 OK retransmission, BYE). Defaults to T1 = 500 ms, T2 = 4 s.</summary>
    public SipTimers Timers { get; init; } = new();
}

/// <summary>
/// A member's side of the group call (PROTOCOL.md §11.9, §12): VC-INIT (VoiceJoin, retransmitted until the INVITE or a
/// CodecReject), the SIP user agent server that checks the INVITE's source and offer and answers 200 OK (retransmitted
/// until the ACK), Media out and in, VC-LEAVE (VoiceFin), and BYE either way. Driven by datagrams, SIP messages and a
/// <see cref="TimeProvider"/>; not thread-safe. <see cref="ChatClient"/> routes the call's datagrams here.
/// </summary>
public sealed class MemberCall
{
    /// <summary>The most media data one Media datagram carries: 240 bytes less the 12 of its header and fields (PROTOCOL.md §8.19).</summary>
    public const int MaxMediaData = VcspWire.MediaDatagramLimit - 12;

    private const int MaxTries = 5;

    private readonly ClientSession _session;
    private readonly VcspAddress _server;
    private readonly CallOptions _options;
    private readonly IPEndPoint _serverSip;
    private readonly IDatagramSink _sink;
    private readonly ISipSink _sip;
    private readonly TimeProvider _time;
    private readonly ICallEvents _events;
    private readonly byte[] _scratch = new byte[VcspWire.MediaDatagramLimit];
    private readonly string _user;

    private byte[] _codecs = [];
    private uint _requestId = SecureRandom.Sequence();
    private int _tries;
    private long _deadline;
    private TimeSpan _timeout;

    // The dialog (this side is the UAS).
    private SipPeer _peer;
    private string? _callId;
    private string? _localTag;
    private string? _remoteFrom;
    private string? _localTo;
    private string? _remoteTarget;
    private string? _inviteCSeq;
    private SipMessage? _answer;
    private long? _answerRetransmit;
    private TimeSpan _answerInterval;
    private long _answerGiveUp;
    private uint _localCSeq;
    private SipMessage? _bye;
    private long? _byeRetransmit;
    private TimeSpan _byeInterval;
    private long _byeGiveUp;

    /// <summary>Creates the member's call; nothing is sent until <see cref="Join"/>.</summary>
    /// <param name="session">The member's group session (its text challenge authenticates VoiceJoin).</param>
    /// <param name="options">The call's settings.</param>
    /// <param name="sink">Where datagrams go (the member's VCSP socket).</param>
    /// <param name="sip">Where SIP messages go (the member's SIP endpoint).</param>
    /// <param name="time">The clock.</param>
    /// <param name="events">Where the call reports.</param>
    /// <param name="server">The group's address.</param>
    public MemberCall(ClientSession session, VcspAddress server, CallOptions options, IDatagramSink sink, ISipSink sip, TimeProvider time, ICallEvents events)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _sip = sip ?? throw new ArgumentNullException(nameof(sip));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _server = server;
        _serverSip = options.ServerSipEndPoint ?? new IPEndPoint(server.ToIPEndPoint().Address, 5060);
        _user = SipHeaders.EscapeUser(session.Name);
    }

    /// <summary>Where the call is.</summary>
    public CallState State { get; private set; }

    /// <summary>The negotiated codec while in the call.</summary>
    public byte Codec { get; private set; }

    /// <summary>The call challenge while in the call; null when not in a VCSP call.</summary>
    public ushort? CallChallenge { get; private set; }

    /// <summary>How many Media datagrams were sent.</summary>
    public long MediaSent { get; private set; }

    /// <summary>How many bytes of media were discarded because a frame was longer than a Media datagram holds (PROTOCOL.md §12.7).</summary>
    public long MediaBytesDiscarded { get; private set; }

    /// <summary>How many datagrams and SIP messages for the call were dropped (wrong source, no call, malformed).</summary>
    public long Dropped { get; private set; }

    /// <summary>The codecs of the last VC-INIT (used again by VC-RESTART and RES).</summary>
    public IReadOnlyList<byte> Codecs => _codecs;

    /// <summary>VC-INIT: sends a VoiceJoin listing <paramref name="codecs"/> (or the configured ones), retransmitted until the server answers.</summary>
    /// <param name="codecs">The codecs, most preferred first (1 to 32), or null for <see cref="CallOptions.Codecs"/>.</param>
    /// <returns><see langword="false"/> when not a member of the group, already in (or joining) the call, or the list is empty or too long.</returns>
    public bool Join(IReadOnlyList<byte>? codecs = null)
    {
        var list = codecs ?? _options.Codecs;
        if (_session.State != ClientState.Member || State != CallState.Idle || list.Count is < 1 or > 32)
        {
            return false;
        }

        _codecs = [.. list];
        _requestId++;
        _tries = 0;
        _timeout = TimeSpan.FromMilliseconds(250);
        State = CallState.Joining;
        SendVoiceJoin();
        return true;
    }

    /// <summary>
    /// VC-LEAVE: a VoiceFin with the call challenge, retransmitted until the server's VoiceFin, its BYE or a NotInCall
    /// Error. A call with no call challenge (a plain SIP peer) is ended with a BYE instead.
    /// </summary>
    /// <returns><see langword="false"/> when not in the call.</returns>
    public bool Leave()
    {
        switch (State)
        {
            case CallState.Joining:
                Reset();
                _events.OnCallEnded("VC-INIT cancelled");
                return true;
            case CallState.InCall or CallState.Answered when CallChallenge is not null:
                State = CallState.Leaving;
                _tries = 0;
                _timeout = TimeSpan.FromMilliseconds(250);
                _answerRetransmit = null;
                SendVoiceFin();
                return true;
            case CallState.InCall or CallState.Answered:
                SendBye();
                End("left");
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Sends one Media datagram to the server. Data beyond 228 bytes is discarded and counted (no fragmentation,
    /// PROTOCOL.md §12.7).
    /// </summary>
    /// <param name="data">The encoded media (for MPEG-2 TS, one 188-byte packet).</param>
    /// <param name="timestamp">The 90 kHz media clock at its first sample.</param>
    /// <returns><see langword="false"/> when not in a VCSP call, or <paramref name="data"/> is empty.</returns>
    public bool TrySendMedia(ReadOnlySpan<byte> data, uint timestamp)
    {
        if (State != CallState.InCall || CallChallenge is not { } challenge || data.IsEmpty)
        {
            return false;
        }

        if (data.Length > MaxMediaData)
        {
            MediaBytesDiscarded += data.Length - MaxMediaData;
            data = data[..MaxMediaData];
        }

        var media = new Media { Challenge = challenge, Timestamp = timestamp, Source = 0, Codec = Codec, Data = data };
        if (media.TryEncode(_scratch, out var written) != VcspEncodeStatus.Ok)
        {
            return false;
        }

        _sink.Send(_scratch.AsSpan(0, written), _server);
        MediaSent++;
        return true;
    }

    /// <summary>Handles a call datagram from the group (CodecReject, VoiceFin, Media, or Error NotInCall).</summary>
    /// <param name="datagram">The datagram.</param>
    public void Receive(ReadOnlySpan<byte> datagram)
    {
        var handler = new Handler(this);
        if (VcspPacketDispatcher.Dispatch(datagram, ref handler) != VcspDecodeStatus.Ok)
        {
            Dropped++;
        }
    }

    /// <summary>Handles a SIP message that arrived at the member's SIP endpoint.</summary>
    /// <param name="message">The message.</param>
    /// <param name="peer">Where it came from.</param>
    public void ReceiveSip(SipMessage message, SipPeer peer)
    {
        ArgumentNullException.ThrowIfNull(message);
        var callId = message.Get("Call-ID");
        if (!message.IsRequest)
        {
            // Only our BYE is ever answered.
            if (_bye is not null && callId == _bye.Get("Call-ID") && message.StatusCode >= 200)
            {
                _bye = null;
                _byeRetransmit = null;
            }

            return;
        }

        var hasHeaders = callId is not null && message.Get("Via") is not null && message.Get("From") is not null && message.Get("To") is not null
            && SipHeaders.TryParseCSeq(message.Get("CSeq"), out _, out var method) && method == message.Method;
        switch (message.Method)
        {
            case "INVITE":
                OnInvite(message, peer, hasHeaders);
                break;
            case "ACK":
                if (State == CallState.Answered && callId == _callId && SipHeaders.Parameter(message.Get("To"), "tag") == _localTag)
                {
                    _answerRetransmit = null;
                    State = CallState.InCall;
                    _events.OnCallStarted(Codec, CallChallenge);
                }

                break;
            case "BYE" when !hasHeaders:
                Respond(message, peer, 400, "Bad Request");
                break;
            case "BYE":
                if (callId == _callId && _callId is not null)
                {
                    // Also after the call ended here (say the VoiceFin's answer came first): the BYE is still answered 200 OK.
                    Respond(message, peer, 200, "OK");
                    if (State is CallState.Answered or CallState.InCall or CallState.Leaving)
                    {
                        End(State == CallState.Leaving ? "left" : "ended by the server (BYE)");
                    }
                }
                else
                {
                    Dropped++;
                    Respond(message, peer, 481, "Call/Transaction Does Not Exist");
                }

                break;
            default:
                Dropped++;
                Respond(message, peer, 405, "Method Not Allowed", ("Allow", "INVITE, ACK, BYE"));
                break;
        }
    }

    /// <summary>Does the timed work that is due: VoiceJoin and VoiceFin retransmission, 200 OK and BYE retransmission.</summary>
    public void Poll()
    {
        var now = _time.GetTimestamp();
        if (State is CallState.Joining or CallState.Leaving && now >= _deadline)
        {
            if (_tries >= MaxTries)
            {
                var joining = State == CallState.Joining;
                if (!joining)
                {
                    SendBye();
                }

                End(joining ? "the server did not answer VC-INIT" : "left (the server did not answer VC-LEAVE)");
            }
            else if (State == CallState.Joining)
            {
                SendVoiceJoin();
            }
            else
            {
                SendVoiceFin();
            }
        }

        if (_answer is not null && _answerRetransmit is { } due && now >= due)
        {
            if (now >= _answerGiveUp)
            {
                // Timer H: no ACK; the dialog is ended with a BYE (RFC 3261 §13.3.1.4).
                _answerRetransmit = null;
                SendBye();
                End("no ACK for the 200 OK");
            }
            else
            {
                _sip.Send(_answer, _peer);
                _answerInterval = Min(_answerInterval * 2, _options.Timers.T2);
                _answerRetransmit = now + Ticks(_answerInterval);
            }
        }

        if (_bye is not null && _byeRetransmit is { } byeDue && now >= byeDue)
        {
            if (now >= _byeGiveUp)
            {
                _bye = null;
                _byeRetransmit = null;
            }
            else
            {
                _sip.Send(_bye, _peer);
                _byeInterval = Min(_byeInterval * 2, _options.Timers.T2);
                _byeRetransmit = now + Ticks(_byeInterval);
            }
        }
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is waiting.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? NextPollDelay()
    {
        long? next = State is CallState.Joining or CallState.Leaving ? _deadline : null;
        foreach (var due in (ReadOnlySpan<long?>)[_answer is null ? null : _answerRetransmit, _bye is null ? null : _byeRetransmit])
        {
            if (due is { } at && (next is null || at < next))
            {
                next = at;
            }
        }

        return next is { } when ? TimeSpan.FromSeconds(Math.Max(0, when - _time.GetTimestamp()) / (double)_time.TimestampFrequency) : null;
    }

    private void OnInvite(SipMessage invite, SipPeer peer, bool hasHeaders)
    {
        var callId = invite.Get("Call-ID");

        // A retransmitted INVITE gets the same answer again (RFC 3261 §13.3.1.4).
        if (_answer is not null && callId == _callId && invite.Get("CSeq") == _inviteCSeq && State is CallState.Answered or CallState.InCall)
        {
            _sip.Send(_answer, peer);
            return;
        }

        // Only the server we joined, and only while VC-INIT is out: anything else is dropped without an answer (memo §9/8.3).
        var fromServer = peer.EndPoint.Address.Equals(_serverSip.Address) && (peer.Transport == SipTransport.Tcp || peer.EndPoint.Port == _serverSip.Port);
        if (!fromServer || State != CallState.Joining)
        {
            Dropped++;
            return;
        }

        if (!hasHeaders)
        {
            Respond(invite, peer, 400, "Bad Request");
            return;
        }

        if (!string.Equals(invite.Get("Content-Type")?.Split(';')[0].Trim(), "application/sdp", StringComparison.OrdinalIgnoreCase)
            || !SdpSession.TryParse(invite.Body.Span, out var offer, out _)
            || !offer!.ConnectionAddress.Equals(_serverSip.Address)
            || Array.IndexOf(_codecs, offer.Formats[0]) < 0
            || offer.CallChallenge is { } c && VcspChallenge.IsReserved((ushort)c))
        {
            Respond(invite, peer, 488, "Not Acceptable Here");
            return;
        }

        // Accepted: VC-INIT stops retransmitting, and the answer goes out until the ACK (PROTOCOL.md §12.4).
        Codec = offer.Formats[0];
        CallChallenge = offer.CallChallenge is { } challenge ? (ushort)challenge : null;
        _peer = peer;
        _callId = callId;
        _localTag = SipHeaders.NewTag();
        _remoteFrom = invite.Get("From");
        _localTo = invite.Get("To") + ";tag=" + _localTag;
        _remoteTarget = SipHeaders.Uri(invite.Get("Contact")) ?? SipHeaders.Uri(_remoteFrom);
        _inviteCSeq = invite.Get("CSeq");
        _localCSeq = 0;
        var local = _options.SipEndPoint;
        var answer = SdpSession.ForCall(local.Address, offer.MediaType, _options.MediaPort, Codec, callChallenge: null);
        _answer = Response(invite, 200, "OK", _localTo)
            .With("Contact", $"<sip:{_user}@{SipHeaders.HostPort(local)}{(peer.Transport == SipTransport.Tcp ? ";transport=tcp" : string.Empty)}>")
            .WithBody("application/sdp", answer.ToBytes());
        _sip.Send(_answer, peer);
        State = CallState.Answered;
        var now = _time.GetTimestamp();
        _answerInterval = _options.Timers.T1;
        _answerGiveUp = now + Ticks(_options.Timers.GiveUp);

        // Over TCP the 200 OK is not retransmitted, but Timer H still bounds the wait for the ACK.
        _answerRetransmit = now + Ticks(peer.Transport == SipTransport.Udp ? _answerInterval : _options.Timers.GiveUp);
    }

    private void OnCodecReject(in CodecReject reject)
    {
        if (State != CallState.Joining || reject.Challenge != _session.Challenge || reject.Sequence != _requestId)
        {
            Dropped++;
            return;
        }

        Reset();
        _events.OnCallRejected(reject.Reason, reject.Codecs);
    }

    private void OnVoiceFin(in VoiceFin fin)
    {
        if (State != CallState.Leaving || fin.Challenge != CallChallenge)
        {
            Dropped++;
            return;
        }

        End("left");
    }

    private void OnMedia(in Media media)
    {
        if (State != CallState.InCall || media.Challenge != CallChallenge)
        {
            Dropped++;
            return;
        }

        _events.OnMedia(media.Source, media.Timestamp, media.Codec, media.Data);
    }

    private void OnError(in Error error)
    {
        if (error.Code != ErrorCode.NotInCall || error.Challenge != _session.Challenge || State is CallState.Idle or CallState.Joining)
        {
            Dropped++;
            return;
        }

        End(State == CallState.Leaving ? "left" : "not in the call (the server says)");
    }

    private void SendVoiceJoin()
    {
        var join = new VoiceJoin
        {
            Challenge = _session.Challenge,
            Sequence = _requestId,
            SipPort = (ushort)_options.SipEndPoint.Port,
            SipTransport = _options.SipTransport,
            Codecs = _codecs,
        };
        Send(join);
    }

    private void SendVoiceFin() => Send(new VoiceFin { Challenge = CallChallenge!.Value });

    private void Send<T>(in T packet)
        where T : IVcspPacket<T>, allows ref struct
    {
        _tries++;
        _deadline = _time.GetTimestamp() + Ticks(_timeout);
        _timeout *= 2;
        if (packet.TryEncode(_scratch, out var written) == VcspEncodeStatus.Ok)
        {
            _sink.Send(_scratch.AsSpan(0, written), _server);
        }
    }

    private void SendBye()
    {
        // This side hangs up (RFC 3261 §15.1.1): From and To swap roles in requests the UAS sends.
        if (_callId is null || _remoteTarget is null)
        {
            return;
        }

        _localCSeq++;
        _bye = SipMessage.Request("BYE", _remoteTarget)
            .With("Via", $"SIP/2.0/{(_peer.Transport == SipTransport.Tcp ? "TCP" : "UDP")} {SipHeaders.HostPort(_options.SipEndPoint)};branch={SipHeaders.NewBranch()}")
            .With("Max-Forwards", "70")
            .With("From", _localTo!)
            .With("To", _remoteFrom!)
            .With("Call-ID", _callId)
            .With("CSeq", _localCSeq.ToString(CultureInfo.InvariantCulture) + " BYE");
        _sip.Send(_bye, _peer);
        var now = _time.GetTimestamp();
        _byeInterval = _options.Timers.T1;
        _byeGiveUp = now + Ticks(_options.Timers.GiveUp);
        _byeRetransmit = _peer.Transport == SipTransport.Udp ? now + Ticks(_byeInterval) : null;
    }

    private void End(string reason)
    {
        Reset();
        _events.OnCallEnded(reason);
    }

    private void Reset()
    {
        State = CallState.Idle;
        CallChallenge = null;
        _answer = null;
        _answerRetransmit = null;
    }

    private void Respond(SipMessage request, SipPeer peer, int status, string reason, (string Name, string Value)? extra = null)
    {
        var to = request.Get("To") ?? string.Empty;
        var response = Response(request, status, reason, SipHeaders.Parameter(to, "tag") is null ? to + ";tag=" + SipHeaders.NewTag() : to);
        if (extra is { } header)
        {
            response.With(header.Name, header.Value);
        }

        _sip.Send(response, peer);
    }

    private static SipMessage Response(SipMessage request, int status, string reason, string to)
    {
        // RFC 3261 §8.2.6.2: Via (all of them, in order), From, Call-ID and CSeq copied; To with this side's tag.
        var response = SipMessage.Response(status, reason);
        foreach (var header in request.Headers)
        {
            if (header.Key is "Via" or "From" or "Call-ID" or "CSeq")
            {
                response.With(header.Key, header.Value);
            }
            else if (header.Key == "To")
            {
                response.With("To", to);
            }
        }

        return response;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private readonly struct Handler(MemberCall call) : IVcspPacketHandler
    {
        public void OnCodecReject(in CodecReject packet) => call.OnCodecReject(packet);

        public void OnVoiceFin(in VoiceFin packet) => call.OnVoiceFin(packet);

        public void OnMedia(in Media packet) => call.OnMedia(packet);

        public void OnError(in Error packet) => call.OnError(packet);

        public void OnJoinRequest(in JoinRequest packet) => call.Dropped++;

        public void OnResponse(in Response packet) => call.Dropped++;

        public void OnReject(in Reject packet) => call.Dropped++;

        public void OnSyn(in Syn packet) => call.Dropped++;

        public void OnMsg(in Msg packet) => call.Dropped++;

        public void OnResendRequest(in ResendRequest packet) => call.Dropped++;

        public void OnFin(in Fin packet) => call.Dropped++;

        public void OnDirectMessage(in DirectMessage packet) => call.Dropped++;

        public void OnSilent(in Silent packet) => call.Dropped++;

        public void OnKick(in Kick packet) => call.Dropped++;

        public void OnCommand(in Command packet) => call.Dropped++;

        public void OnCommandReply(in CommandReply packet) => call.Dropped++;

        public void OnPing(in Ping packet) => call.Dropped++;

        public void OnPong(in Pong packet) => call.Dropped++;

        public void OnVoiceJoin(in VoiceJoin packet) => call.Dropped++;
    }
}
