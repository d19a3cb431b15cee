using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's call (PROTOCOL.md §12), its VCSP side: VoiceJoin answered with CodecReject or a SIP INVITE (a
/// <see cref="CallLeg"/> whose dialog is a <see cref="SipCaller"/>), Media relayed at once to every other call member,
/// VoiceFin, NotInCall, and the leg ended with BYE (VC-LEAVE, Fin, KICK, the member's own BYE, or <see cref="CloseCall"/>).
/// Without a SIP sink the group has no call and drops VoiceJoin.
/// </summary>
internal sealed partial class GroupCall
{
    private static readonly TimeSpan NotInCallInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan VoiceFinLinger = TimeSpan.FromSeconds(10);

    private readonly GroupOptions _options;
    private readonly TimeProvider _time;
    private readonly Roster _roster;
    private readonly PacketSender _sender;
    private readonly PacketSender _mediaSender;
    private readonly GroupDrops _drops;
    private readonly ISipSink? _sip;
    private readonly SipServerTransactions? _transactions;
    private readonly ILogger _logger;
    private readonly GroupActivity _activity;
    private readonly ChallengeRegistry _callChallenges;
    private readonly Dictionary<string, CallLeg> _legs = new(StringComparer.Ordinal);
    private readonly List<Member> _callMembers = [];
    private readonly LingerRecords _lingeringFins;
    private ushort _lastCallMemberId;

    /// <summary>Creates the call.</summary>
    /// <param name="options">The group's settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="roster">The members.</param>
    /// <param name="sender">The group's sender.</param>
    /// <param name="mediaSender">The sender of relayed Media.</param>
    /// <param name="drops">Where drops are counted.</param>
    /// <param name="sip">Where SIP messages go, or null for a group without a call.</param>
    /// <param name="logger">Where the call logs.</param>
    /// <param name="activity">Where call members coming and going are logged and counted.</param>
    /// <param name="cluster">In a cluster, where Media goes for the other nodes (PROTOCOL.md §15.6); otherwise null.</param>
    public GroupCall(GroupOptions options, TimeProvider time, Roster roster, PacketSender sender, PacketSender mediaSender, GroupDrops drops, ISipSink? sip, ILogger logger, GroupActivity activity, ClusterLink? cluster = null)
    {
        _cluster = cluster;
        _activity = activity;
        _options = options;
        _time = time;
        _roster = roster;
        _sender = sender;
        _mediaSender = mediaSender;
        _drops = drops;
        _sip = sip;
        _transactions = sip is null ? null : new SipServerTransactions(sip, time, options.SipTimers);
        _logger = logger;
        _callChallenges = new ChallengeRegistry(Math.Max(1, options.MaxCallMembers));
        _lingeringFins = new LingerRecords(options.MaxCallMembers, VoiceFinLinger, time);
    }

    /// <summary>How many members are in the call (their ACK sent).</summary>
    public int CallMemberCount => _callMembers.Count;

    /// <summary>How many Media datagrams were relayed (one per receiver).</summary>
    public long MediaRelayed { get; private set; }

    /// <summary>How many SIP messages were refused.</summary>
    public long SipDropped { get; private set; }

    /// <summary>Ends the call: a BYE to every call member; set-ups in progress are abandoned.</summary>
    public void CloseCall()
    {
        foreach (var member in _roster.InOrder)
        {
            if (member.Call is not null)
            {
                Leave(member, sendBye: true);
            }
        }
    }

    /// <summary>Handles a VoiceJoin (PROTOCOL.md §8.16, §12.2): a CodecReject, or an INVITE to the member's user agent.</summary>
    /// <param name="member">The member.</param>
    /// <param name="join">The VoiceJoin.</param>
    public void OnVoiceJoin(Member member, in VoiceJoin join)
    {
        if (_sip is null)
        {
            _drops.Drop(DropReason.UnexpectedKind, member.Address);
            return;
        }

        if (member.Call is not null)
        {
            // Already in the call, or its INVITE is on its way: the set-up in progress is the answer (PROTOCOL.md §8.16).
            _drops.Drop(DropReason.Duplicate, member.Address);
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

            _sender.Send(new CodecReject { Challenge = member.Challenge, Sequence = join.Sequence, Reason = reason, Codecs = codecs }, member.Address);
            return;
        }

        if (!_callChallenges.TryDraw(out var callChallenge))
        {
            return;
        }

        // The group's address as the member reaches it (PROTOCOL.md §12.3, §12.4): the group's own, the host address a
        // member of a wildcard-bound group joined through, or the advertised address it used (a port forward, NAT or a
        // proxy). SIP names that IP address with the configured SIP port; the media port is the port the member used.
        var used = member.GroupAddress.ToIPEndPoint();
        var local = new IPEndPoint(used.Address, _options.SipPort);
        var peer = new SipPeer(new IPEndPoint(member.Address.ToIPEndPoint().Address, join.SipPort), join.SipTransport);
        var leg = new CallLeg(new SipCaller(_sip, _time, _options.SipTimers, SipCaller.NewDialog(peer, local)))
        {
            Owner = member,
            Challenge = callChallenge,
            MemberId = NextCallMemberId(),
            Codec = codec.Value,
        };
        member.Call = leg;
        _legs.Add(leg.CallId, leg);
        var offer = SdpSession.ForCall(used.Address, SdpSession.MediaTypeOf(leg.Codec), used.Port, leg.Codec, leg.Challenge);
        leg.Sip.Invite("vcsp", _options.Name, Encoding.UTF8.GetString(member.Name), offer);
        LogInvite(_logger, member.Address, peer.EndPoint, peer.Transport, leg.Codec, leg.Challenge);
    }

    /// <summary>Handles a VoiceFin (PROTOCOL.md §8.18): the reply, then the BYE; a repeat is answered again for a while.</summary>
    /// <param name="fin">The VoiceFin.</param>
    /// <param name="source">Its source.</param>
    public void OnVoiceFin(in VoiceFin fin, in VcspAddress source)
    {
        if (_roster.TryGet(source, out var member) && member.Call is { IsActive: true } leg && leg.Challenge == fin.Challenge)
        {
            // The reply with the just-released challenge, then the BYE.
            _sender.Send(new VoiceFin { Challenge = fin.Challenge }, source);
            Leave(member, sendBye: true);
            _lingeringFins.Add(source, fin.Challenge, 0);
            return;
        }

        // A repeated VoiceFin whose answer was lost.
        if (_lingeringFins.TryFind(source, fin.Challenge, 0, out _))
        {
            _sender.Send(new VoiceFin { Challenge = fin.Challenge }, source);
            return;
        }

        NotInCall(source);
    }

    /// <summary>Relays Media at once to every other call member (PROTOCOL.md §12.6); allocates nothing.</summary>
    /// <param name="media">The Media.</param>
    /// <param name="source">Its source.</param>
    public void OnMedia(in Media media, in VcspAddress source)
    {
        if (!_roster.TryGet(source, out var sender) || sender.Call is not { IsActive: true } leg || leg.Challenge != media.Challenge)
        {
            NotInCall(source);
            return;
        }

        if (media.Codec != leg.Codec)
        {
            _drops.Drop(DropReason.Inconsistent, source);
            return;
        }

        // No sequence check and no reassembly: encoded once with the sender's call-member id, then the challenge
        // rewritten for each receiver.
        var relayed = new Media { Challenge = 0, Timestamp = media.Timestamp, Source = leg.MemberId, Codec = media.Codec, Data = media.Data };
        if (!_mediaSender.TryEncode(relayed, out var copy))
        {
            return;
        }

        var relayedTo = 0;
        foreach (var receiver in _callMembers)
        {
            if (receiver != sender)
            {
                BinaryPrimitives.WriteUInt16BigEndian(copy.Slice(2), receiver.Call!.Challenge);
                _mediaSender.Forward(copy, receiver.Address);
                relayedTo++;
            }
        }

        MediaRelayed += relayedTo;
        _activity.Metrics.MediaRelayed.Add(relayedTo, _activity.Tag);

        // At once to the other nodes too, for their call members (PROTOCOL.md §15.6).
        _cluster?.PublishMedia(leg.MemberId, media.Codec, media.Timestamp, media.Data);
    }

    /// <summary>Takes <paramref name="member"/> out of the call: a BYE when asked and the leg is active; a set-up in progress is abandoned.</summary>
    /// <param name="member">A member with a call leg.</param>
    /// <param name="sendBye">Whether to send a BYE (not when the member's own BYE ended the leg).</param>
    public void Leave(Member member, bool sendBye)
    {
        var leg = member.Call!;
        Detach(leg);
        switch (leg.Sip.State)
        {
            case SipCallerState.Calling:
                // No final answer yet: the set-up is abandoned, and a 2xx that still comes is acknowledged and ended.
                break;
            case SipCallerState.Confirmed when sendBye:
                leg.Sip.Bye();
                break;
            default:
                _legs.Remove(leg.CallId);
                break;
        }
    }

    /// <summary>Retransmits the SIP requests that are due, fails those never answered, and forgets old VoiceFins.</summary>
    /// <param name="now">The time.</param>
    public void Poll(long now)
    {
        List<CallLeg>? expired = null;
        foreach (var leg in _legs.Values)
        {
            if (leg.Sip.Poll())
            {
                (expired ??= []).Add(leg);
            }
        }

        if (expired is not null)
        {
            foreach (var leg in expired)
            {
                // Timer B or F: the peer never answered. A set-up fails; a BYE is given up (PROTOCOL.md §12.5).
                LogSipTimeout(_logger, leg.Peer.EndPoint, leg.Sip.PendingMethod);
                EndLeg(leg);
            }
        }

        _transactions?.Poll();
        _lingeringFins.Expire(now);
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null.</summary>
    /// <param name="now">The time.</param>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay(long now)
    {
        TimeSpan? next = null;
        foreach (var leg in _legs.Values)
        {
            if (leg.Sip.Delay() is { } due && (next is null || due < next))
            {
                next = due;
            }
        }

        if (_transactions?.Delay() is { } refusal && (next is null || refusal < next))
        {
            next = refusal;
        }

        if (_lingeringFins.Delay(now) is { } lingering && (next is null || lingering < next))
        {
            next = lingering;
        }

        return next;
    }

    private void NotInCall(in VcspAddress source)
    {
        _drops.Drop(DropReason.UnknownSender, source);

        // A member that lost its BYE learns it is not in the call, at most once a second (PROTOCOL.md §8.6).
        if (_roster.TryGet(source, out var member))
        {
            var now = _time.GetTimestamp();
            if (member.LastNotInCall is not { } last || _time.GetElapsedTime(last, now) >= NotInCallInterval)
            {
                member.LastNotInCall = now;
                _sender.SendError(member, ErrorCode.NotInCall, 0);
            }
        }
    }

    private void Detach(CallLeg leg)
    {
        if (leg.Owner is { } member)
        {
            member.Call = null;
            leg.Owner = null;
            _callChallenges.Release(leg.Challenge);
            if (_callMembers.Remove(member))
            {
                _activity.OnCallLeft(member, _callMembers.Count);
            }
        }
    }

    private void EndLeg(CallLeg leg)
    {
        Detach(leg);
        _legs.Remove(leg.CallId);
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

            inUse |= IsRemoteSource(_lastCallMemberId);

            if (!inUse)
            {
                return _lastCallMemberId;
            }
        }
    }

    private int CallLegCount()
    {
        var count = 0;
        foreach (var member in _roster.InOrder)
        {
            count += member.Call is null ? 0 : 1;
        }

        return count;
    }

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "INVITE for {Member} sent to {Peer} over {Transport}: codec {Codec}, call challenge {Challenge}")]
    private static partial void LogInvite(ILogger logger, VcspAddress member, IPEndPoint peer, SipTransport transport, byte codec, ushort challenge);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "{Peer} did not answer a SIP {Method}: given up")]
    private static partial void LogSipTimeout(ILogger logger, IPEndPoint peer, string method);
}
