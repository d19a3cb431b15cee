namespace VcspGen.Runtime.Sip;

/// <summary>How both call roles answer a request (RFC 3261 §8.2.6): one builder for every response they send.</summary>
internal static class SipResponses
{
    /// <summary>
    /// A response to <paramref name="request"/>: its Via headers (all, in order), From, Call-ID and CSeq copied, and
    /// its To with this side's tag (RFC 3261 §8.2.6.2).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="status">The status code.</param>
    /// <param name="reason">The reason phrase.</param>
    /// <param name="localTag">The dialog's tag for a response that makes one; null to add a fresh tag to a To without one (a final response outside a dialog).</param>
    /// <returns>The response, to which the caller may add headers and a body.</returns>
    public static SipMessage Build(SipMessage request, int status, string reason, string? localTag = null)
    {
        var response = SipMessage.Response(status, reason);
        foreach (var header in request.Headers)
        {
            if (header.Key is "Via" or "From" or "Call-ID" or "CSeq")
            {
                response.With(header.Key, header.Value);
            }
            else if (header.Key == "To")
            {
                response.With("To", localTag is not null ? header.Value + ";tag=" + localTag
                    : status > 100 && SipHeaders.Parameter(header.Value, "tag") is null ? header.Value + ";tag=" + SipHeaders.NewTag()
                    : header.Value);
            }
        }

        return response;
    }

    /// <summary>Answers <paramref name="request"/> with a response of its own (a refusal, or 200 OK to a BYE).</summary>
    /// <param name="sink">Where SIP messages go.</param>
    /// <param name="request">The request.</param>
    /// <param name="peer">Where it came from.</param>
    /// <param name="status">The status code.</param>
    /// <param name="reason">The reason phrase.</param>
    /// <param name="extra">One more header (Allow on a 405), or null.</param>
    /// <returns>
    /// False when a refusal over UDP would be larger than the request, and so is not sent: a forged source must not get
    /// more bytes than it sent (PROTOCOL.md §13.3). The caller has counted the request as refused.
    /// </returns>
    public static bool Send(ISipSink sink, SipMessage request, SipPeer peer, int status, string reason, (string Name, string Value)? extra = null)
    {
        var response = Build(request, status, reason);
        if (extra is { } header)
        {
            response.With(header.Name, header.Value);
        }

        if (status >= 300 && peer.Transport == VcspGen.Spec.SipTransport.Udp && response.ToBytes().Length > request.ToBytes().Length)
        {
            return false;
        }

        sink.Send(response, peer);
        return true;
    }
}
