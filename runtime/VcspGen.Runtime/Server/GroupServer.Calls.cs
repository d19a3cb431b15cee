using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's call (PROTOCOL.md §12): VoiceJoin answered with CodecReject or a SIP INVITE, the dialog completed with
/// the server's ACK, Media relayed at once to every other call member, and the call leg ended with BYE (VC-LEAVE,
/// Fin, KICK, the client's own BYE, or <see cref="CloseCall"/>). SIP goes through the <see cref="ISipSink"/> given to
/// the constructor and comes in through <see cref="ReceiveSip"/>; without a SIP sink the group has no call and drops
/// VoiceJoin.
/// </summary>
public sealed partial class GroupServer
{
    private static readonly TimeSpan NotInCallInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan VoiceFinLinger = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, CallLeg> _legs = new(StringComparer.Ordinal);
    private readonly List<Member> _callMembers = [];
    private readonly List<LingeringFin> _lingeringFins = [];
    private readonly byte[] _mediaScratch = new byte[VcspWire.MediaDatagramLimit];
    private ushort _lastCallMemberId;

    /// <summary>How many members are in the call (their ACK sent).</summary>
    public int CallMemberCount => _callMembers.Count;

    /// <summary>How many Media datagrams were relayed (one per receiver).</summary>
    public long MediaRelayed { get; private set; }

    /// <summary>How many SIP messages were refused: malformed, unmatched, or from the wrong peer (each logged at Debug).</summary>
    public long SipDropped { get; private set; }

    /// <summary>
    /// Handles one SIP message that arrived at the group's SIP endpoint: responses to the server's INVITEs and BYEs, and
    /// a BYE from a call member's user agent. Other requests are answered 405 (or 400 when malformed) and counted.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="peer">Where it came from.</param>
    public void ReceiveSip(SipMessage message, SipPeer peer)
    {
        ArgumentNullException.ThrowIfNull(message);
        var callId = message.Get("Call-ID");
        var hasCSeq = SipHeaders.TryParseCSeq(message.Get("CSeq"), out _, out var method);
        if (!message.IsRequest)
        {
            if (callId is not null && hasCSeq && _legs.TryGetValue(callId, out var leg) && leg.Peer.EndPoint.Address.Equals(peer.EndPoint.Address))
            {
                OnSipResponse(leg, message, method);
            }
            else
            {
                DropSip(peer, "a response that matches no transaction");
            }

            return;
        }

        if (message.Method == "ACK")
        {
            return; // The server never sends a 2xx to an INVITE, so there is nothing to acknowledge (RFC 3261 §17.2.1).
        }

        if (callId is null || !hasCSeq || message.Get("Via") is null || message.Get("From") is null || message.Get("To") is null || method != message.Method)
        {
            DropSip(peer, "a request without Via, From, To, Call-ID or a matching CSeq");
            RespondSip(message, peer, 400, "Bad Request");
            return;
        }

        if (message.Method != "BYE")
        {
            DropSip(peer, "a request other than BYE");
            RespondSip(message, peer, 405, "Method Not Allowed", ("Allow", "ACK, BYE"));
            return;
        }

        // A BYE from the member's user agent (PROTOCOL.md §12.5): answered 200 OK, treated as VC-LEAVE without a VoiceFin.
        if (_legs.TryGetValue(callId, out var ending) && ending.Peer.EndPoint.Address.Equals(peer.EndPoint.Address)
            && SipHeaders.Parameter(message.Get("To"), "tag") == ending.LocalTag)
        {
            RespondSip(message, peer, 200, "OK");
            if (ending.Owner is { } member)
            {
                LeaveCall(member, sendBye: false);
            }
            else
            {
                _legs.Remove(callId);
            }

            return;
        }

        DropSip(peer, "a BYE for no call");
        RespondSip(message, peer, 481, "Call/Transaction Does Not Exist");
    }

    /// <summary>
    /// Ends the call: a BYE to every call member (for example when the server shuts down). The members stay in the
    /// text group. Set-ups still in progress are abandoned; an answer that comes later is acknowledged and ended with a BYE.
    /// </summary>
    public void CloseCall()
    {
        foreach (var member in _order)
        {
            if (member.Call is not null)
            {
                LeaveCall(member, sendBye: true);
            }
        }
    }

    private void OnVoiceJoin(in VoiceJoin join, in VcspAddress source)
    {
        if (!TryGetMember(source, join.Challenge, out var member))
        {
            return;
        }

        if (_sip is null)
        {
            Drop(DropReason.UnexpectedKind, source);
            return;
        }

        if (member.Call is not null)
        {
            // Already in the call, or its INVITE is on its way: the set-up in progress is the answer (PROTOCOL.md §8.16).
            Drop(DropReason.Duplicate, source);
            return;
        }

        byte? codec = null;
        foreach (var candidate in _options.Codecs)
        {
            if (join.Codecs.Contains(candidate))
            {
                codec = candidate;
                break;
            }
        }

        if (codec is null || _legs.Count >= _options.MaxCallMembers * 2 || CallLegCount() >= _options.MaxCallMembers)
        {
            var reason = codec is null ? CodecRejectReason.NoCommonCodec : CodecRejectReason.CallFull;
            Span<byte> codecs = stackalloc byte[Math.Min(32, _options.Codecs.Count)];
            for (var i = 0; i < codecs.Length; i++)
            {
                codecs[i] = _options.Codecs[i];
            }

            Send(new CodecReject { Challenge = member.Challenge, Sequence = join.Sequence, Reason = reason, Codecs = codecs }, source);
            return;
        }

        if (!_callChallenges.TryDraw(out var callChallenge))
        {
            return;
        }

        var endPoint = new IPEndPoint(member.Address.ToIPEndPoint().Address, join.SipPort);
        var local = CallAddress(member);
        var leg = new CallLeg(new SipPeer(endPoint, join.SipTransport), SipHeaders.NewCallId(local), SipHeaders.NewTag())
        {
            LocalAddress = local,
            Owner = member,
            Challenge = callChallenge,
            MemberId = NextCallMemberId(),
            Codec = codec.Value,
        };
        leg.Invite = BuildInvite(member, leg);
        member.Call = leg;
        _legs.Add(leg.CallId, leg);
        StartTransaction(leg, leg.Invite, doubleUpTo: null);
        LogInvite(_logger, member.Address, leg.Peer.EndPoint, leg.Peer.Transport, leg.Codec, leg.Challenge);
    }

    private void OnVoiceFin(in VoiceFin fin, in VcspAddress source)
    {
        if (_members.TryGetValue(source, out var member) && member.Call is { State: CallLegState.Active } leg && leg.Challenge == fin.Challenge)
        {
            // PROTOCOL.md §8.18: the reply with the just-released challenge, then the BYE.
            Send(new VoiceFin { Challenge = fin.Challenge }, source);
            LeaveCall(member, sendBye: true);
            RememberFin(source, fin.Challenge);
            return;
        }

        // A repeated VoiceFin whose answer was lost: answered again for a while (PROTOCOL.md §8.18).
        var now = _time.GetTimestamp();
        foreach (var lingering in _lingeringFins)
        {
            if (lingering.Address == source && lingering.Challenge == fin.Challenge && _time.GetElapsedTime(lingering.At, now) < VoiceFinLinger)
            {
                Send(new VoiceFin { Challenge = fin.Challenge }, source);
                return;
            }
        }

        NotInCall(source);
    }

    private void OnMedia(in Media media, in VcspAddress source)
    {
        if (!_members.TryGetValue(source, out var sender) || sender.Call is not { State: CallLegState.Active } leg || leg.Challenge != media.Challenge)
        {
            NotInCall(source);
            return;
        }

        if (media.Codec != leg.Codec)
        {
            Drop(DropReason.Inconsistent, source);
            return;
        }

        // At once, with no sequence check and no reassembly (PROTOCOL.md §12.6): encoded once with the sender's
        // call-member id, then the challenge rewritten for each receiver.
        var relayed = new Media { Challenge = 0, Timestamp = media.Timestamp, Source = leg.MemberId, Codec = media.Codec, Data = media.Data };
        if (relayed.TryEncode(_mediaScratch, out var written) != VcspEncodeStatus.Ok)
        {
            return;
        }

        var copy = _mediaScratch.AsSpan(0, written);
        foreach (var receiver in _callMembers)
        {
            if (receiver != sender)
            {
                BinaryPrimitives.WriteUInt16BigEndian(copy.Slice(2), receiver.Call!.Challenge);
                _sink.Send(copy, receiver.Address);
                MediaRelayed++;
            }
        }
    }

    private void NotInCall(in VcspAddress source)
    {
        Drop(DropReason.UnknownSender, source);

        // A member that lost its BYE learns it is not in the call, at most once a second (PROTOCOL.md §8.6).
        if (_members.TryGetValue(source, out var member))
        {
            var now = _time.GetTimestamp();
            if (member.LastNotInCall is not { } last || _time.GetElapsedTime(last, now) >= NotInCallInterval)
            {
                member.LastNotInCall = now;
                SendError(member, ErrorCode.NotInCall, 0);
            }
        }
    }

    private void OnSipResponse(CallLeg leg, SipMessage response, string method)
    {
        var status = response.StatusCode;
        if (method == "BYE")
        {
            if (status >= 200 && leg.State == CallLegState.Ending)
            {
                _legs.Remove(leg.CallId);
            }

            return;
        }

        if (method != "INVITE")
        {
            DropSip(leg.Peer, "a response to a method the server did not send");
            return;
        }

        if (status < 200)
        {
            // Proceeding: no more INVITE retransmissions (RFC 3261 §17.1.1.2), a longer limit.
            if (leg.State is CallLegState.Inviting or CallLegState.Orphaned)
            {
                leg.Retransmit = null;
                leg.GiveUpAt = _time.GetTimestamp() + (long)(_options.SipTimers.ProceedingLimit.TotalSeconds * _time.TimestampFrequency);
            }

            return;
        }

        if (status >= 300)
        {
            // A refusal: acknowledged within the INVITE transaction (same branch, RFC 3261 §17.1.1.3), and the set-up fails.
            Send(BuildAck(leg, response, leg.InviteBranch), leg.Peer);
            if (leg.State is CallLegState.Inviting or CallLegState.Orphaned)
            {
                LogCallRefused(_logger, leg.Peer.EndPoint, status);
                EndLeg(leg);
            }

            return;
        }

        // 2xx: the ACK is a transaction of its own, with a new branch, to the Contact (RFC 3261 §13.2.2.4).
        if (leg.State is CallLegState.Active or CallLegState.Ending)
        {
            if (leg.Ack is not null)
            {
                Send(leg.Ack, leg.Peer); // the 200 OK again: our ACK was lost
            }

            return;
        }

        leg.RemoteTag = SipHeaders.Parameter(response.Get("To"), "tag");
        leg.RemoteTarget = SipHeaders.Uri(response.Get("Contact")) ?? leg.RemoteTarget;
        leg.Ack = BuildAck(leg, response, SipHeaders.NewBranch());
        Send(leg.Ack, leg.Peer);
        leg.Retransmit = null;
        var answerError = CheckAnswer(leg, response);
        if (leg.State == CallLegState.Orphaned || answerError is not null)
        {
            // The member left while the INVITE was out, or the answer is not acceptable: the dialog is confirmed and
            // then ended at once (RFC 3261 §13.2.2.4).
            if (answerError is not null)
            {
                DropSip(leg.Peer, answerError);
            }

            if (leg.Owner is { } owner)
            {
                LeaveCall(owner, sendBye: true);
            }
            else
            {
                SendBye(leg);
            }

            return;
        }

        leg.State = CallLegState.Active;
        _callMembers.Add(leg.Owner!);
        LogCallMember(_logger, leg.Owner!.Address, leg.MemberId, leg.Codec);
    }

    private static string? CheckAnswer(CallLeg leg, SipMessage response)
    {
        if (!SdpSession.TryParse(response.Body.Span, out var answer, out var error))
        {
            return "an SDP answer that does not parse: " + error;
        }

        return answer!.Formats.Count > 0 && answer.Formats[0] == leg.Codec && answer.MediaType == SdpSession.MediaTypeOf(leg.Codec)
            ? null
            : "an SDP answer with another codec or media type";
    }

    private void LeaveCall(Member member, bool sendBye)
    {
        var leg = member.Call!;
        member.Call = null;
        leg.Owner = null;
        _callMembers.Remove(member);
        _callChallenges.Release(leg.Challenge);
        switch (leg.State)
        {
            case CallLegState.Inviting:
                // No final answer yet: the set-up is abandoned, and a 2xx that still comes is acknowledged and ended.
                leg.State = CallLegState.Orphaned;
                break;
            case CallLegState.Active when sendBye:
                SendBye(leg);
                break;
            default:
                _legs.Remove(leg.CallId);
                break;
        }
    }

    private void SendBye(CallLeg leg)
    {
        leg.State = CallLegState.Ending;
        leg.LocalCSeq++;
        var bye = SipMessage.Request("BYE", leg.RemoteTarget)
            .With("Via", Via(leg, SipHeaders.NewBranch()))
            .With("Max-Forwards", "70")
            .With("From", leg.From)
            .With("To", leg.To + (leg.RemoteTag is null ? string.Empty : ";tag=" + leg.RemoteTag))
            .With("Call-ID", leg.CallId)
            .With("CSeq", leg.LocalCSeq.ToString(CultureInfo.InvariantCulture) + " BYE");
        StartTransaction(leg, bye, doubleUpTo: _options.SipTimers.T2);
    }

    private void EndLeg(CallLeg leg)
    {
        if (leg.Owner is { } member)
        {
            member.Call = null;
            _callMembers.Remove(member);
            _callChallenges.Release(leg.Challenge);
            leg.Owner = null;
        }

        _legs.Remove(leg.CallId);
    }

    private void StartTransaction(CallLeg leg, SipMessage request, TimeSpan? doubleUpTo)
    {
        var now = _time.GetTimestamp();
        leg.Request = request;
        leg.GiveUpAt = now + Ticks(_options.SipTimers.GiveUp);
        leg.Interval = _options.SipTimers.T1;
        leg.IntervalCap = doubleUpTo;
        leg.Retransmit = leg.Peer.Transport == SipTransport.Udp ? now + Ticks(leg.Interval) : null; // TCP is reliable (RFC 3261 §17.1.1.2)
        Send(request, leg.Peer);
    }

    private void PollCalls(long now)
    {
        List<CallLeg>? expired = null;
        foreach (var leg in _legs.Values)
        {
            if (leg.State == CallLegState.Active)
            {
                continue;
            }

            if (now >= leg.GiveUpAt)
            {
                (expired ??= []).Add(leg);
            }
            else if (leg.Retransmit is { } due && now >= due)
            {
                Send(leg.Request!, leg.Peer);
                leg.Interval *= 2;
                if (leg.IntervalCap is { } cap && leg.Interval > cap)
                {
                    leg.Interval = cap;
                }

                leg.Retransmit = now + Ticks(leg.Interval);
            }
        }

        if (expired is not null)
        {
            foreach (var leg in expired)
            {
                // Timer B or F: the peer never answered. A set-up fails; a BYE is given up (PROTOCOL.md §12.5).
                LogSipTimeout(_logger, leg.Peer.EndPoint, leg.Request!.Method!);
                EndLeg(leg);
            }
        }

        // Oldest first: expired records leave from the front (no delegate, so a poll allocates nothing).
        while (_lingeringFins.Count > 0 && _time.GetElapsedTime(_lingeringFins[0].At, now) >= VoiceFinLinger)
        {
            _lingeringFins.RemoveAt(0);
        }
    }

    private TimeSpan? NextCallDelay(long now)
    {
        long? next = null;
        foreach (var leg in _legs.Values)
        {
            if (leg.State == CallLegState.Active)
            {
                continue;
            }

            var due = leg.Retransmit is { } retransmit && retransmit < leg.GiveUpAt ? retransmit : leg.GiveUpAt;
            next = next is null || due < next ? due : next;
        }

        if (_lingeringFins.Count > 0)
        {
            var due = _lingeringFins[0].At + Ticks(VoiceFinLinger);
            next = next is null || due < next ? due : next;
        }

        return next is { } at ? TimeSpan.FromSeconds(Math.Max(0, at - now) / (double)_time.TimestampFrequency) : null;
    }

    private void RememberFin(in VcspAddress source, ushort challenge)
    {
        if (_lingeringFins.Count >= _options.MaxCallMembers)
        {
            _lingeringFins.RemoveAt(0);
        }

        _lingeringFins.Add(new LingeringFin(source, challenge, _time.GetTimestamp()));
    }

    private SipMessage BuildInvite(Member member, CallLeg leg)
    {
        var local = new IPEndPoint(leg.LocalAddress, _options.SipPort);
        var name = Encoding.UTF8.GetString(member.Name);
        leg.RemoteTarget = $"sip:{SipHeaders.EscapeUser(name)}@{SipHeaders.HostPort(leg.Peer.EndPoint)}";
        leg.LocalUri = $"sip:vcsp@{SipHeaders.HostPort(local)}";
        leg.From = $"{SipHeaders.Quote(_options.Name)} <{leg.LocalUri}>;tag={leg.LocalTag}";
        leg.To = $"<{leg.RemoteTarget}>";
        leg.InviteBranch = SipHeaders.NewBranch();
        var offer = SdpSession.ForCall(local.Address, SdpSession.MediaTypeOf(leg.Codec), _options.Address.ToIPEndPoint().Port, leg.Codec, leg.Challenge);
        return SipMessage.Request("INVITE", leg.RemoteTarget)
            .With("Via", Via(leg, leg.InviteBranch))
            .With("Max-Forwards", "70")
            .With("From", leg.From)
            .With("To", leg.To)
            .With("Call-ID", leg.CallId)
            .With("CSeq", "1 INVITE")
            .With("Contact", leg.Peer.Transport == SipTransport.Tcp ? $"<{leg.LocalUri};transport=tcp>" : $"<{leg.LocalUri}>")
            .WithBody("application/sdp", offer.ToBytes());
    }

    private SipMessage BuildAck(CallLeg leg, SipMessage response, string branch)
    {
        // The ACK of a 2xx goes to the Contact with a new branch; the ACK of a refusal reuses the INVITE's Request-URI and branch.
        var to = response.Get("To") ?? leg.To;
        return SipMessage.Request("ACK", response.StatusCode < 300 ? leg.RemoteTarget : leg.Invite!.RequestUri!)
            .With("Via", Via(leg, branch))
            .With("Max-Forwards", "70")
            .With("From", leg.From)
            .With("To", to)
            .With("Call-ID", leg.CallId)
            .With("CSeq", "1 ACK");
    }

    private string Via(CallLeg leg, string branch) =>
        $"SIP/2.0/{(leg.Peer.Transport == SipTransport.Tcp ? "TCP" : "UDP")} {SipHeaders.HostPort(new IPEndPoint(leg.LocalAddress, _options.SipPort))};branch={branch}";

    private IPAddress CallAddress(Member member)
    {
        // The group's own address; a server bound to a wildcard names the host address the member joined through,
        // which is where the member expects SIP and media from (PROTOCOL.md §12.4).
        return _wildcard ? member.GroupAddress.ToIPEndPoint().Address : _boundAddress;
    }

    private ushort NextCallMemberId()
    {
        // A u16 from 1 to 65535, unique among current call members and never derived from a challenge (PROTOCOL.md §12.6).
        while (true)
        {
            _lastCallMemberId = (ushort)(_lastCallMemberId == ushort.MaxValue ? 1 : _lastCallMemberId + 1);
            var inUse = false;
            foreach (var leg in _legs.Values)
            {
                inUse |= leg.Owner is not null && leg.MemberId == _lastCallMemberId;
            }

            if (!inUse)
            {
                return _lastCallMemberId;
            }
        }
    }

    private int CallLegCount()
    {
        var count = 0;
        foreach (var member in _order)
        {
            count += member.Call is null ? 0 : 1;
        }

        return count;
    }

    private void RespondSip(SipMessage request, SipPeer peer, int status, string reason, (string Name, string Value)? extra = null)
    {
        var response = SipMessage.Response(status, reason);
        foreach (var header in request.Headers)
        {
            if (header.Key is "Via" or "From" or "To" or "Call-ID" or "CSeq")
            {
                response.With(header.Key, header.Key == "To" && status > 100 && SipHeaders.Parameter(header.Value, "tag") is null
                    ? header.Value + ";tag=" + SipHeaders.NewTag()
                    : header.Value);
            }
        }

        if (extra is { } header2)
        {
            response.With(header2.Name, header2.Value);
        }

        Send(response, peer);
    }

    private void Send(SipMessage message, SipPeer peer) => _sip!.Send(message, peer);

    private void DropSip(SipPeer peer, string why)
    {
        SipDropped++;
        LogSipDrop(_logger, peer.EndPoint, why);
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Dropped a SIP message from {Peer}: {Why}")]
    private static partial void LogSipDrop(ILogger logger, IPEndPoint peer, string why);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "INVITE for {Member} sent to {Peer} over {Transport}: codec {Codec}, call challenge {Challenge}")]
    private static partial void LogInvite(ILogger logger, VcspAddress member, IPEndPoint peer, SipTransport transport, byte codec, ushort challenge);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "{Member} is in the call as call member {MemberId} (codec {Codec})")]
    private static partial void LogCallMember(ILogger logger, VcspAddress member, ushort memberId, byte codec);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "{Peer} refused the call with {Status}")]
    private static partial void LogCallRefused(ILogger logger, IPEndPoint peer, int status);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "{Peer} did not answer a SIP {Method}: given up")]
    private static partial void LogSipTimeout(ILogger logger, IPEndPoint peer, string method);

    private enum CallLegState
    {
        Inviting,
        Active,
        Ending,
        Orphaned,
    }

    /// <summary>One member's call leg: its SIP dialog (the server is the UAC), its call challenge and call-member id.</summary>
    private sealed class CallLeg(SipPeer peer, string callId, string localTag)
    {
        public SipPeer Peer { get; } = peer;

        public string CallId { get; } = callId;

        public string LocalTag { get; } = localTag;

        public required IPAddress LocalAddress { get; init; }

        public Member? Owner { get; set; }

        public CallLegState State { get; set; }

        public ushort Challenge { get; init; }

        public ushort MemberId { get; init; }

        public byte Codec { get; init; }

        public string RemoteTarget { get; set; } = string.Empty;

        public string LocalUri { get; set; } = string.Empty;

        public string From { get; set; } = string.Empty;

        public string To { get; set; } = string.Empty;

        public string? RemoteTag { get; set; }

        public string InviteBranch { get; set; } = string.Empty;

        public uint LocalCSeq { get; set; } = 1;

        public SipMessage? Invite { get; set; }

        public SipMessage? Ack { get; set; }

        // The request of the transaction in progress (the INVITE or the BYE) and its timers.
        public SipMessage? Request { get; set; }

        public long? Retransmit { get; set; }

        public TimeSpan Interval { get; set; }

        public TimeSpan? IntervalCap { get; set; }

        public long GiveUpAt { get; set; }
    }

    private readonly record struct LingeringFin(VcspAddress Address, ushort Challenge, long At);
}
