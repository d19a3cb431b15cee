using System;
using System.Collections.Generic;
using System.Net;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace VcspGen.Runtime;

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
    private static readonly RetryPolicy RequestPolicy = RetryPolicy.Request(TimeSpan.FromMilliseconds(250), MaxTries);

    private readonly ClientSession _session;
    private readonly CallOptions _options;
    private readonly PacketSender _sender;
    private readonly TimeProvider _time;
    private readonly ICallEvents _events;
    private readonly SipCallee _callee;

    private byte[] _codecs = [];
    private uint _requestId = SecureRandom.Sequence();

    // The VoiceJoin (Joining) or VoiceFin (Leaving) out, retried until the server answers (PROTOCOL.md §11.1).
    private RetransmitSchedule _request;

    /// <summary>Creates the member's call; nothing is sent until <see cref="Join"/>.</summary>
    /// <param name="session">The member's group session (its text challenge authenticates VoiceJoin).</param>
    /// <param name="options">The call's settings.</param>
    /// <param name="sink">Where datagrams go (the member's VCSP socket).</param>
    /// <param name="sip">Where SIP messages go (the member's SIP endpoint).</param>
    /// <param name="time">The clock.</param>
    /// <param name="events">Where the call reports.</param>
    public MemberCall(ClientSession session, CallOptions options, IDatagramSink sink, ISipSink sip, TimeProvider time, ICallEvents events)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _sender = new PacketSender(sink ?? throw new ArgumentNullException(nameof(sink)), VcspWire.MediaDatagramLimit);
        ArgumentNullException.ThrowIfNull(sip);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _callee = new SipCallee(sip, time, options.Timers, options.SipEndPoint, SipHeaders.EscapeUser(session.Name), () => session.Server.ToIPEndPoint().Address, options.ServerSipEndPoint);
    }

    /// <summary>Where the call is.</summary>
    public CallState State { get; private set; }

    /// <summary>The negotiated codec while in the call.</summary>
    public byte Codec { get; private set; }

    /// <summary>The call challenge while in the call; null when not in a VCSP call.</summary>
    public ushort? CallChallenge { get; private set; }

    /// <summary>
    /// The server's SIP endpoint that the last accepted INVITE came from: <see cref="CallOptions.ServerSipEndPoint"/>
    /// when configured, otherwise the one learned from the INVITE (PROTOCOL.md §12.4). Null before the first call.
    /// </summary>
    public IPEndPoint? ServerSipEndPoint => _callee.Server;

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
        State = CallState.Joining;
        _request.Start(RequestPolicy, _time);
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
                _events.OnCallEnded(new CallEnd(CallEndReason.Cancelled));
                return true;
            case CallState.InCall or CallState.Answered when CallChallenge is not null:
                State = CallState.Leaving;
                _callee.StopAnswering();
                _request.Start(RequestPolicy, _time);
                SendVoiceFin();
                return true;
            case CallState.InCall or CallState.Answered:
                _callee.Bye();
                End(CallEndReason.Left);
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

        if (!_sender.Send(new Media { Challenge = challenge, Timestamp = timestamp, Source = 0, Codec = Codec, Data = data }, _session.Server))
        {
            return false;
        }

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
        switch (_callee.Receive(message, peer, State == CallState.Joining, _codecs, _options.MediaPort))
        {
            case SipCalleeEvent.Dropped:
                Dropped++;
                break;
            case SipCalleeEvent.Answered:
                // Accepted: VC-INIT stops retransmitting, and the 200 OK goes out until the ACK (PROTOCOL.md §12.4).
                var offer = _callee.Offer!;
                Codec = offer.Formats[0];
                CallChallenge = offer.CallChallenge is { } challenge ? (ushort)challenge : null;
                _request.Stop();
                State = CallState.Answered;
                break;
            case SipCalleeEvent.Confirmed when State == CallState.Answered:
                State = CallState.InCall;
                _events.OnCallStarted(Codec, CallChallenge);
                break;
            case SipCalleeEvent.HungUp when State is CallState.Answered or CallState.InCall or CallState.Leaving:
                End(State == CallState.Leaving ? CallEndReason.Left : CallEndReason.HungUp);
                break;
        }
    }

    /// <summary>Does the timed work that is due: VoiceJoin and VoiceFin retransmission, 200 OK and BYE retransmission.</summary>
    public void Poll()
    {
        switch (_request.Poll(_time))
        {
            case RetryStep.GiveUp when State == CallState.Joining:
                End(CallEndReason.NoAnswer);
                break;
            case RetryStep.GiveUp:
                _callee.Bye();
                End(CallEndReason.LeftUnanswered);
                break;
            case RetryStep.Send when State == CallState.Joining:
                SendVoiceJoin();
                break;
            case RetryStep.Send:
                SendVoiceFin();
                break;
        }

        if (_callee.Poll())
        {
            End(CallEndReason.NoAck); // Timer H: the dialog was ended with a BYE (RFC 3261 §13.3.1.4)
        }
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is waiting.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? NextPollDelay()
    {
        var request = _request.Delay(_time);
        var sip = _callee.Delay();
        return request is null ? sip : sip is null || request < sip ? request : sip;
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

        End(CallEndReason.Left);
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

        End(State == CallState.Leaving ? CallEndReason.Left : CallEndReason.NotInCall);
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
        _sender.Send(join, _session.Server);
    }

    private void SendVoiceFin() => _sender.Send(new VoiceFin { Challenge = CallChallenge!.Value }, _session.Server);

    private void End(CallEndReason reason)
    {
        Reset();
        _events.OnCallEnded(new CallEnd(reason));
    }

    private void Reset()
    {
        State = CallState.Idle;
        CallChallenge = null;
        _request.Stop();
        _callee.StopAnswering();
    }

    private readonly struct Handler(MemberCall call) : IVcspPacketHandler
    {
        public void OnCodecReject(in CodecReject packet) => call.OnCodecReject(packet);

        public void OnVoiceFin(in VoiceFin packet) => call.OnVoiceFin(packet);

        public void OnMedia(in Media packet) => call.OnMedia(packet);

        public void OnAck(in Ack packet)
        {
        }

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
