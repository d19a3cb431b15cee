using System;
using System.Net;
using VcspGen.Spec;

namespace VcspGen.Runtime.Sip;

/// <summary>What a SIP message did to a <see cref="SipCallee"/>.</summary>
internal enum SipCalleeEvent
{
    /// <summary>Nothing for the owner (answered, or ignored).</summary>
    None,

    /// <summary>Refused or ignored, and to be counted: from the wrong peer, unexpected, or for no dialog.</summary>
    Dropped,

    /// <summary>An acceptable INVITE was answered 200 OK: its offer is in <see cref="SipCallee.Offer"/>.</summary>
    Answered,

    /// <summary>The ACK of the 200 OK arrived: the dialog is confirmed.</summary>
    Confirmed,

    /// <summary>The peer's BYE for this dialog was answered 200 OK.</summary>
    HungUp,
}

/// <summary>
/// The answering side of a SIP dialog (RFC 3261 §13.3), which is a member's role in the call: it takes an INVITE only
/// from its server's SIP endpoint (the configured one, or else the one the INVITE itself names at the group's IP address)
/// and only while it waits for one (PROTOCOL.md §12.4), checks the INVITE and its SDP
/// offer, answers 200 OK with an SDP answer (retransmitted on Timer G until the ACK, given up on Timer H with a BYE),
/// answers a BYE, a re-INVITE (a session refresh: 200 OK with the same answer; 488 or 491 otherwise), OPTIONS and
/// CANCEL, refuses the rest as <see cref="SipRequestCheck"/> and PROTOCOL.md §12.8 say, and ends the dialog with its
/// own BYE (Timers E and F). Its answers go through a <see cref="SipServerTransactions"/>, so a retransmitted request
/// gets the same response. Not thread-safe.
/// </summary>
/// <param name="sink">Where SIP messages go.</param>
/// <param name="time">The clock.</param>
/// <param name="timers">The SIP timers.</param>
/// <param name="local">This side's SIP endpoint (its Via, Contact and SDP address).</param>
/// <param name="user">The user part of this side's Contact (escaped).</param>
/// <param name="serverAddress">The server's IP address (the group's, as this side reaches it now): every INVITE comes from there.</param>
/// <param name="configuredServer">
/// The only endpoint an INVITE is taken from (over TCP, the address only), when configured; when null, the endpoint is
/// learned from each INVITE (<see cref="TryOrigin"/>).
/// </param>
internal sealed class SipCallee(ISipSink sink, TimeProvider time, SipTimers timers, IPEndPoint local, string user, Func<IPAddress> serverAddress, IPEndPoint? configuredServer)
{
    private readonly SipRetransmission _answering = new(sink, time);
    private readonly SipRetransmission _bye = new(sink, time);
    private SipDialog? _dialog;
    private string? _inviteCSeq;
    private readonly SipServerTransactions _transactions = new(sink, time, timers);
    private SipMessage? _answer;
    private string _contact = string.Empty;
    private ReadOnlyMemory<byte> _answerBody;

    /// <summary>The methods this side takes (its Allow header).</summary>
    public const string Allow = "INVITE, ACK, BYE, CANCEL, OPTIONS";

    /// <summary>The offer of the INVITE last answered.</summary>
    public SdpSession? Offer { get; private set; }

    /// <summary>
    /// The server's SIP endpoint as the INVITE last answered showed it: the configured one, or the learned one (its
    /// source over UDP; over TCP the address and the SIP port its headers name). Null before the first answer.
    /// </summary>
    public IPEndPoint? Server { get; private set; }

    /// <summary>Handles a SIP message that arrived at this side's SIP endpoint.</summary>
    /// <param name="message">The message.</param>
    /// <param name="peer">Where it came from.</param>
    /// <param name="awaitingInvite">Whether an INVITE is expected now (VC-INIT is out).</param>
    /// <param name="codecs">The codecs this side offered: the offer's first format must be one of them.</param>
    /// <param name="mediaPort">The port named in the SDP answer.</param>
    /// <returns>What it did.</returns>
    public SipCalleeEvent Receive(SipMessage message, SipPeer peer, bool awaitingInvite, byte[] codecs, int mediaPort)
    {
        var callId = message.Get("Call-ID");
        if (!message.IsRequest)
        {
            // Only this side's BYE is ever answered.
            if (_bye.IsRunning && callId == _bye.Message!.Get("Call-ID") && message.StatusCode >= 200)
            {
                _bye.Stop();
            }

            return SipCalleeEvent.None;
        }

        // A retransmission of the INVITE answered 200 gets that answer again (RFC 3261 §13.3.1.4), from where it came.
        if (message.Method == "INVITE" && _answer is not null && callId == _dialog!.CallId && message.Get("CSeq") == _inviteCSeq
            && SipHeaders.Parameter(message.Get("To"), "tag") is null && IsDialogPeer(peer))
        {
            sink.Send(_answer, peer);
            return SipCalleeEvent.None;
        }

        var inDialog = _dialog is not null && callId == _dialog.CallId;
        var trusted = inDialog && IsDialogPeer(peer);
        if (inDialog && !trusted && message.Method is "INVITE" or "ACK" or "BYE" or "CANCEL")
        {
            // The dialog's requests come from where its INVITE came from (PROTOCOL.md §12.4): no answer to anyone else.
            return SipCalleeEvent.Dropped;
        }

        // An INVITE outside the dialog from anyone but the server we joined, or when none is expected: silence (memo §9/8.3).
        if (message.Method == "INVITE" && !inDialog && (!awaitingInvite || TryOrigin(message, peer) is null))
        {
            return SipCalleeEvent.Dropped;
        }

        if (SipRequestCheck.Check(message) is { } refusal)
        {
            if (message.Method != "ACK")
            {
                _transactions.Send(message, peer, refusal.Status, refusal.Reason, trusted: trusted);
            }

            return SipCalleeEvent.Dropped;
        }

        if (_transactions.Absorb(message))
        {
            return SipCalleeEvent.None;
        }

        switch (message.Method)
        {
            case "INVITE" when inDialog:
                return OnReInvite(message, peer, codecs);
            case "INVITE":
                return OnInvite(message, peer, codecs, mediaPort);
            case "ACK":
                if (_answering.IsRunning && inDialog && SipHeaders.Parameter(message.Get("To"), "tag") == _dialog!.LocalTag)
                {
                    _answering.Stop();
                    return SipCalleeEvent.Confirmed;
                }

                return SipCalleeEvent.None;
            case "CANCEL":
                return _transactions.Cancel(message, peer, trusted) ? SipCalleeEvent.None : SipCalleeEvent.Dropped;
            case "OPTIONS":
                // A keep-alive ping, or a capability query (RFC 3261 §11.2).
                _transactions.Send(message, peer, 200, "OK", ("Allow", Allow), trusted);
                return SipCalleeEvent.None;
            case "BYE" when inDialog:
                // Also after the call ended here (say the VoiceFin's answer came first): the BYE is still answered 200 OK.
                _transactions.Send(message, peer, 200, "OK", trusted: true);
                return SipCalleeEvent.HungUp;
            case "BYE":
                _transactions.Send(message, peer, 481, "Call/Transaction Does Not Exist");
                return SipCalleeEvent.Dropped;
            default:
                _transactions.Send(message, peer, 405, "Method Not Allowed", ("Allow", Allow), trusted);
                return SipCalleeEvent.Dropped;
        }
    }

    /// <summary>No more 200 OK: the owner left the dialog's set-up (a retransmitted INVITE is no longer answered).</summary>
    public void StopAnswering()
    {
        _answer = null;
        _answering.Stop();
    }

    /// <summary>Ends the dialog from this side: a BYE (From and To swap roles, RFC 3261 §15.1.1), retransmitted until answered.</summary>
    public void Bye()
    {
        if (_dialog is null || _dialog.RemoteTarget.Length == 0)
        {
            return;
        }

        _bye.Start(_dialog.Bye(), _dialog.Peer, timers.NonInvitePolicy(_dialog.Peer.Transport));
    }

    /// <summary>Retransmits the 200 OK and the BYE when due.</summary>
    /// <returns>True when Timer H fired: no ACK came for the 200 OK, and the dialog was ended with a BYE (RFC 3261 §13.3.1.4).</returns>
    public bool Poll()
    {
        var noAck = false;
        if (_answering.Poll())
        {
            noAck = true;
            Bye();
        }

        _bye.Poll();
        _transactions.Poll();
        return noAck;
    }

    /// <summary>How long until <see cref="Poll"/> has something to do, or null.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay()
    {
        TimeSpan? next = null;
        foreach (var due in (ReadOnlySpan<TimeSpan?>)[_answering.Delay(), _bye.Delay(), _transactions.Delay()])
        {
            if (due is { } d && (next is null || d < next))
            {
                next = d;
            }
        }

        return next;
    }

    private SipCalleeEvent OnInvite(SipMessage invite, SipPeer peer, byte[] codecs, int mediaPort)
    {
        var callId = invite.Get("Call-ID");
        var origin = TryOrigin(invite, peer)!; // checked by Receive
        if (!string.Equals(invite.Get("Content-Type")?.Split(';')[0].Trim(), "application/sdp", StringComparison.OrdinalIgnoreCase)
            || !SdpSession.TryParse(invite.Body.Span, out var offer, out _)
            || !Same(offer!.ConnectionAddress, origin.Address)
            || Array.IndexOf(codecs, offer.Formats[0]) < 0
            || offer.CallChallenge is { } c && VcspChallenge.IsReserved((ushort)c))
        {
            _transactions.Send(invite, peer, 488, "Not Acceptable Here", trusted: true);
            return SipCalleeEvent.None;
        }

        // Accepted: the answer goes out until the ACK (PROTOCOL.md §12.4), and the dialog stays with this peer.
        Offer = offer;
        Server = origin;
        var from = invite.Get("From");
        _dialog = new SipDialog(peer, local, callId!, SipHeaders.NewTag())
        {
            RemoteParty = from!,
            RemoteTarget = SipHeaders.Uri(invite.Get("Contact")) ?? SipHeaders.Uri(from) ?? string.Empty,
        };
        _dialog.LocalParty = invite.Get("To") + ";tag=" + _dialog.LocalTag;
        _inviteCSeq = invite.Get("CSeq");
        var answer = SdpSession.ForCall(local.Address, offer.MediaType, mediaPort, offer.Formats[0], callChallenge: null);
        _contact = $"<sip:{user}@{SipHeaders.HostPort(local)}{(peer.Transport == SipTransport.Tcp ? ";transport=tcp" : string.Empty)}>";
        _answerBody = answer.ToBytes();
        _answer = SipResponses.Build(invite, 200, "OK", _dialog.LocalTag)
            .With("Contact", _contact)
            .WithBody("application/sdp", _answerBody);

        // Over TCP the 200 OK is not retransmitted, but Timer H still bounds the wait for the ACK.
        _answering.Start(_answer, peer, timers.NonInvitePolicy(peer.Transport));
        return SipCalleeEvent.Answered;
    }

    /// <summary>
    /// A re-INVITE in the dialog (RFC 3261 §14.2): 491 while the first INVITE's 200 OK waits for its ACK; a session
    /// refresh (no offer, or an offer that keeps the codec, media type and address) gets 200 OK with the same SDP
    /// answer as before, the session unchanged; an offer that changes it gets 488. Its retransmissions get the same
    /// response from the transaction layer.
    /// </summary>
    private SipCalleeEvent OnReInvite(SipMessage invite, SipPeer peer, byte[] codecs)
    {
        if (_answering.IsRunning)
        {
            _transactions.Send(invite, peer, 491, "Request Pending", trusted: true);
            return SipCalleeEvent.None;
        }

        if (invite.Body.Length > 0
            && (!string.Equals(invite.Get("Content-Type")?.Split(';')[0].Trim(), "application/sdp", StringComparison.OrdinalIgnoreCase)
                || !SdpSession.TryParse(invite.Body.Span, out var offer, out _)
                || !Same(offer!.ConnectionAddress, Offer!.ConnectionAddress)
                || offer.MediaType != Offer.MediaType
                || offer.Formats[0] != Offer.Formats[0]
                || Array.IndexOf(codecs, offer.Formats[0]) < 0))
        {
            _transactions.Send(invite, peer, 488, "Not Acceptable Here", trusted: true);
            return SipCalleeEvent.None;
        }

        var ok = SipResponses.Build(invite, 200, "OK", _dialog!.LocalTag).With("Contact", _contact).WithBody("application/sdp", _answerBody);
        _transactions.Respond(invite, peer, ok);
        return SipCalleeEvent.None;
    }

    /// <summary>
    /// Whether an INVITE comes from this side's server (PROTOCOL.md §12.4), and the server's SIP endpoint if so. A
    /// configured endpoint must match the source (over TCP its address only). Otherwise the source address must be the
    /// server's, and the top Via's sent-by, the Contact URI and the From URI must each name that address and one same
    /// port (5060 when none is written), which over UDP must be the source port; the Via's transport must be the one
    /// the INVITE came over.
    /// </summary>
    /// <param name="invite">The INVITE.</param>
    /// <param name="peer">Where it came from.</param>
    /// <returns>The server's SIP endpoint, or null when the INVITE is not from the server.</returns>
    internal IPEndPoint? TryOrigin(SipMessage invite, SipPeer peer)
    {
        var tcp = peer.Transport == SipTransport.Tcp;
        if (configuredServer is { } configured)
        {
            return Same(peer.EndPoint.Address, configured.Address) && (tcp || peer.EndPoint.Port == configured.Port) ? configured : null;
        }

        if (!Same(peer.EndPoint.Address, serverAddress())
            || !SipHeaders.TryParseVia(invite.Get("Via"), out var viaTransport, out var via)
            || viaTransport != peer.Transport
            || !SipHeaders.TryParseUriEndPoint(SipHeaders.Uri(invite.Get("Contact")), out var contact)
            || !SipHeaders.TryParseUriEndPoint(SipHeaders.Uri(invite.Get("From")), out var from))
        {
            return null;
        }

        var server = serverAddress();
        var sameAddress = Same(via!.Address, server) && Same(contact!.Address, server) && Same(from!.Address, server);
        var samePort = via.Port == contact!.Port && via.Port == from!.Port && (tcp || via.Port == peer.EndPoint.Port);
        return sameAddress && samePort ? new IPEndPoint(server, via.Port) : null;
    }

    // One address however a dual-mode socket writes it (an IPv4 address as ::ffff:a.b.c.d).
    private static bool Same(IPAddress a, IPAddress b) =>
        (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(b.IsIPv4MappedToIPv6 ? b.MapToIPv4() : b);

    // An in-dialog request's source: the dialog's peer address, and over UDP its port too (over TCP a request may come
    // on another connection, from another ephemeral port).
    private bool IsDialogPeer(SipPeer peer) =>
        _dialog is { } dialog && peer.Transport == dialog.Peer.Transport && Same(peer.EndPoint.Address, dialog.Peer.EndPoint.Address)
        && (peer.Transport == SipTransport.Tcp || peer.EndPoint.Port == dialog.Peer.EndPoint.Port);
}
