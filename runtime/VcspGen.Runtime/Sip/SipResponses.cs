using System;

namespace VcspGen.Runtime.Sip;

/// <summary>How both call roles answer a request (RFC 3261 §8.2.6): one builder for every response they send.</summary>
internal static class SipResponses
{
    /// <summary>
    /// A response to <paramref name="request"/>: its Via headers (all, in order), From, Call-ID and CSeq copied, and
    /// its To with this side's tag (RFC 3261 §8.2.6.2). Header names are matched in any case (§7.3.1) and written in
    /// their full form; of a header that must appear once, the first is copied.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="status">The status code.</param>
    /// <param name="reason">The reason phrase.</param>
    /// <param name="localTag">The dialog's tag for a response that makes one; null to add a fresh tag to a To without one (a final response outside a dialog).</param>
    /// <returns>The response, to which the caller may add headers and a body.</returns>
    public static SipMessage Build(SipMessage request, int status, string reason, string? localTag = null)
    {
        var response = SipMessage.Response(status, reason);
        bool from = false, to = false, callId = false, cseq = false;
        foreach (var header in request.Headers)
        {
            if (Is(header.Key, "Via"))
            {
                response.With("Via", header.Value);
            }
            else if (Is(header.Key, "From") && !from)
            {
                from = true;
                response.With("From", header.Value);
            }
            else if (Is(header.Key, "Call-ID") && !callId)
            {
                callId = true;
                response.With("Call-ID", header.Value);
            }
            else if (Is(header.Key, "CSeq") && !cseq)
            {
                cseq = true;
                response.With("CSeq", header.Value);
            }
            else if (Is(header.Key, "To") && !to)
            {
                to = true;
                response.With("To", localTag is not null && SipHeaders.Parameter(header.Value, "tag") is null ? header.Value + ";tag=" + localTag
                    : status > 100 && SipHeaders.Parameter(header.Value, "tag") is null ? header.Value + ";tag=" + SipHeaders.NewTag()
                    : header.Value);
            }
        }

        return response;
    }

    /// <summary>
    /// Whether <paramref name="response"/> may go to the source of <paramref name="request"/>: over UDP, to a source
    /// not known to be a dialog's peer, an answer is never longer than the request as it came (its bytes on the wire: a
    /// request written with compact header names is shorter than its re-encoding), so that a forged source gets no
    /// more bytes than were sent in its name (PROTOCOL.md §13.3). Over TCP the handshake proved the source.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="response">The answer.</param>
    /// <param name="peer">Where the request came from.</param>
    /// <param name="trusted">Whether the peer is a dialog's (checked by the caller).</param>
    /// <returns>Whether to send it.</returns>
    public static bool MaySend(SipMessage request, SipMessage response, SipPeer peer, bool trusted) =>
        trusted || peer.Transport != VcspGen.Spec.SipTransport.Udp
        || response.ToBytes().Length <= (request.WireLength > 0 ? request.WireLength : request.ToBytes().Length);

    /// <summary>Answers <paramref name="request"/> with a response of its own (a refusal, or 200 OK to a BYE).</summary>
    /// <param name="sink">Where SIP messages go.</param>
    /// <param name="request">The request.</param>
    /// <param name="peer">Where it came from.</param>
    /// <param name="status">The status code.</param>
    /// <param name="reason">The reason phrase.</param>
    /// <param name="extra">One more header (Allow on a 405), or null.</param>
    /// <param name="trusted">Whether the peer is a dialog's, to which any answer may go.</param>
    /// <returns>
    /// False when an answer over UDP to a peer not known would be larger than the request, and so is not sent
    /// (<see cref="MaySend"/>). The caller has counted the request as refused.
    /// </returns>
    public static bool Send(ISipSink sink, SipMessage request, SipPeer peer, int status, string reason, (string Name, string Value)? extra = null, bool trusted = false)
    {
        var response = Build(request, status, reason);
        if (extra is { } header)
        {
            response.With(header.Name, header.Value);
        }

        if (!MaySend(request, response, peer, trusted))
        {
            return false;
        }

        sink.Send(response, peer);
        return true;
    }

    private static bool Is(string name, string full) => name.Equals(full, StringComparison.OrdinalIgnoreCase);
}
