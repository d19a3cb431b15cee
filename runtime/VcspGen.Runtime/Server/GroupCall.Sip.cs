using System;
using System.Net;
using Microsoft.Extensions.Logging;
using VcspGen.Runtime.Sip;

namespace VcspGen.Runtime;

/// <summary>
/// The group's call, its SIP side (PROTOCOL.md §12.4, §12.5): responses to the server's INVITEs and BYEs (through each
/// leg's <see cref="SipCaller"/>), a BYE from a call member's user agent, and every other request refused and counted.
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
            SipResponses.Send(_sip!, message, peer, 400, "Bad Request");
            return;
        }

        if (message.Method != "BYE")
        {
            DropSip(peer, "a request other than BYE");
            SipResponses.Send(_sip!, message, peer, 405, "Method Not Allowed", ("Allow", "ACK, BYE"));
            return;
        }

        // A BYE from the member's user agent (PROTOCOL.md §12.5): answered 200 OK, treated as VC-LEAVE without a VoiceFin.
        if (_legs.TryGetValue(callId, out var ending) && ending.Peer.EndPoint.Address.Equals(peer.EndPoint.Address)
            && SipHeaders.Parameter(message.Get("To"), "tag") == ending.Sip.Dialog.LocalTag)
        {
            SipResponses.Send(_sip!, message, peer, 200, "OK");
            if (ending.Owner is { } member)
            {
                Leave(member, sendBye: false);
            }
            else
            {
                _legs.Remove(callId);
            }

            return;
        }

        DropSip(peer, "a BYE for no call");
        SipResponses.Send(_sip!, message, peer, 481, "Call/Transaction Does Not Exist");
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
