using System;
using System.Collections.Generic;
using System.Net;
using Microsoft.Extensions.Logging;
using VcspGen.Runtime.Sip;

namespace VcspGen.Runtime;

/// <summary>
/// The group's call, its SIP side (PROTOCOL.md §12.4, §12.5, §12.8): responses to the server's INVITEs and BYEs (through
/// each leg's <see cref="SipCaller"/>), and requests through the group's <see cref="SipServerTransactions"/> (a
/// retransmission answered as before): a BYE or re-INVITE from a call member's user agent, OPTIONS, CANCEL, and every
/// other request refused and counted.
/// </summary>
internal sealed partial class GroupCall
{
    /// <summary>Handles one SIP message that arrived at the group's SIP endpoint.</summary>
    /// <param name="message">The message.</param>
    /// <param name="peer">Where it came from.</param>
    public void ReceiveSip(SipMessage message, SipPeer peer)
    {
        var callId = message.Get("Call-ID");
        var hasCSeq = SipHeaders.TryParseCSeq(message.Get("CSeq"), out _, out var method);
        if (!message.IsRequest)
        {
            if (callId is not null && hasCSeq && _legs.TryGetValue(callId, out var answered) && answered.Peer.EndPoint.Address.Equals(peer.EndPoint.Address))
            {
                OnSipResponse(answered, message, method);
            }
            else
            {
                DropSip(peer, "a response that matches no transaction");
            }

            return;
        }

        var transactions = _transactions!;
        var leg = callId is not null && _legs.TryGetValue(callId, out var known) ? known : null;
        var trusted = leg is not null && leg.Peer.EndPoint.Address.Equals(peer.EndPoint.Address);
        if (SipRequestCheck.Check(message) is { } refusal)
        {
            DropSip(peer, "a request without Via, From, To, Call-ID or a matching CSeq, with a header twice, or not SIP/2.0");
            if (message.Method != "ACK")
            {
                transactions.Send(message, peer, refusal.Status, refusal.Reason, trusted: trusted);
            }

            return;
        }

        if (transactions.Absorb(message))
        {
            return; // a retransmission, answered as before; or the ACK of a refusal
        }

        var inDialog = trusted && SipHeaders.Parameter(message.Get("To"), "tag") == leg!.Sip.Dialog.LocalTag;
        switch (message.Method)
        {
            case "ACK":
                return; // of a re-INVITE's 200 OK, or of nothing: there is nothing more to do (RFC 3261 §17.2.1)
            case "OPTIONS":
                transactions.Send(message, peer, 200, "OK", ("Allow", Allow), trusted);
                return;
            case "CANCEL":
                if (!transactions.Cancel(message, peer, trusted))
                {
                    DropSip(peer, "a CANCEL that matches no transaction");
                }

                return;
            case "INVITE" when inDialog:
                OnReInvite(leg!, message, peer);
                return;
            case "INVITE":
                // The server calls its members; it takes no call (PROTOCOL.md §12.8).
                DropSip(peer, "an INVITE outside a call leg");
                transactions.Send(message, peer, SipHeaders.Parameter(message.Get("To"), "tag") is null ? 403 : 481,
                    SipHeaders.Parameter(message.Get("To"), "tag") is null ? "Forbidden" : "Call/Transaction Does Not Exist", trusted: trusted);
                return;
            case "BYE" when inDialog:
                // A BYE from the member's user agent (PROTOCOL.md §12.5): answered 200 OK, treated as VC-LEAVE without a VoiceFin.
                transactions.Send(message, peer, 200, "OK", trusted: true);
                if (leg!.Owner is { } member)
                {
                    Leave(member, sendBye: false);
                }
                else
                {
                    _legs.Remove(callId!);
                }

                return;
            case "BYE":
                DropSip(peer, "a BYE for no call");
                transactions.Send(message, peer, 481, "Call/Transaction Does Not Exist", trusted: trusted);
                return;
            default:
                DropSip(peer, "a request other than INVITE, ACK, BYE, CANCEL or OPTIONS");
                transactions.Send(message, peer, 405, "Method Not Allowed", ("Allow", Allow), trusted);
                return;
        }
    }

    /// <summary>The methods the server takes (its Allow header).</summary>
    internal const string Allow = "INVITE, ACK, BYE, CANCEL, OPTIONS";

    /// <summary>
    /// A re-INVITE from a member's user agent in its leg's dialog (RFC 3261 §14.2): 491 while the server's own INVITE is
    /// out, 481 once its BYE is; a session refresh (no offer, or an offer with the leg's codec and media type) gets
    /// 200 OK with the server's SDP of the call unchanged; any other offer gets 488, and the call goes on as it was.
    /// </summary>
    private void OnReInvite(CallLeg leg, SipMessage invite, SipPeer peer)
    {
        var transactions = _transactions!;
        switch (leg.Sip.State)
        {
            case SipCallerState.Calling:
                transactions.Send(invite, peer, 491, "Request Pending", trusted: true);
                return;
            case SipCallerState.Terminating:
                transactions.Send(invite, peer, 481, "Call/Transaction Does Not Exist", trusted: true);
                return;
        }

        if (invite.Body.Length > 0
            && (!SdpSession.TryParse(invite.Body.Span, out var offer, out _) || offer!.Formats[0] != leg.Codec || offer.MediaType != SdpSession.MediaTypeOf(leg.Codec)))
        {
            DropSip(peer, "a re-INVITE that changes the session");
            transactions.Send(invite, peer, 488, "Not Acceptable Here", trusted: true);
            return;
        }

        var sent = leg.Sip.InviteSent!;
        var ok = SipResponses.Build(invite, 200, "OK", leg.Sip.Dialog.LocalTag)
            .With("Contact", sent.Get("Contact") ?? string.Empty)
            .WithBody("application/sdp", sent.Body);
        transactions.Respond(invite, peer, ok);
    }

    private void OnSipResponse(CallLeg leg, SipMessage response, string method)
    {
        switch (leg.Sip.OnResponse(response, method))
        {
            case SipCallerEvent.Unexpected:
                DropSip(leg.Peer, "a response to a method the server did not send");
                break;
            case SipCallerEvent.ByeAnswered:
                _legs.Remove(leg.CallId);
                break;
            case SipCallerEvent.Refused:
                LogCallRefused(_logger, leg.Peer.EndPoint, response.StatusCode);
                EndLeg(leg);
                break;
            case SipCallerEvent.Answered:
                OnAnswered(leg, response);
                break;
        }
    }

    private void OnAnswered(CallLeg leg, SipMessage response)
    {
        var answerError = CheckAnswer(leg, response);
        if (leg.Owner is not { } owner || answerError is not null)
        {
            // The member left while the INVITE was out, or the answer is not acceptable: the dialog is confirmed and
            // then ended at once (RFC 3261 §13.2.2.4).
            if (answerError is not null)
            {
                DropSip(leg.Peer, answerError);
            }

            if (leg.Owner is { } member)
            {
                Leave(member, sendBye: true);
            }
            else
            {
                leg.Sip.Bye();
            }

            return;
        }

        _callMembers.Add(owner);
        _activity.OnCallJoined(owner, leg.MemberId, leg.Codec, _callMembers.Count);
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

    private void DropSip(SipPeer peer, string why)
    {
        SipDropped++;
        _activity.Metrics.SipRefused.Add(1, _activity.Tag);
        LogSipDrop(_logger, peer.EndPoint, why);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Dropped a SIP message from {Peer}: {Why}")]
    private static partial void LogSipDrop(ILogger logger, IPEndPoint peer, string why);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "{Peer} refused the call with {Status}")]
    private static partial void LogCallRefused(ILogger logger, IPEndPoint peer, int status);
}
