using System;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// The checks both call roles make on every request before its method is looked at (RFC 3261 §8.2, RFC 4475 §3.1.2,
/// §3.3), so that server and client refuse a bad request the same way: 505 for a SIP version other than 2.0, 400 for
/// a missing Via, From, To, Call-ID or CSeq (insuf), a Request-URI in angle brackets (ltgtruri), a CSeq that does not parse or whose method is not the request's
/// (mismatch01, mismatch02, scalar02's overlarge number), a header that must appear once appearing more often
/// (multi01), or Content-Length values that disagree (mcl01).
/// </summary>
internal static class SipRequestCheck
{
    private static readonly string[] Singletons = ["From", "To", "Call-ID", "CSeq", "Max-Forwards"];

    /// <summary>What is wrong with <paramref name="request"/>, or null when it may be handled.</summary>
    /// <param name="request">A request.</param>
    /// <returns>The refusal's status and reason, or null.</returns>
    public static (int Status, string Reason)? Check(SipMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Version != "SIP/2.0")
        {
            return (505, "Version Not Supported");
        }

        if (request.Get("Via") is null || request.Get("From") is null || request.Get("To") is null || request.Get("Call-ID") is null
            || !SipHeaders.TryParseCSeq(request.Get("CSeq"), out _, out var method) || method != request.Method
            || request.ConflictingContentLength || HasDuplicateSingleton(request))
        {
            return (400, "Bad Request");
        }

        // The Request-URI: a URI, not a name-addr (ltgtruri); of a scheme this side serves (unkscm, novelsc: 416).
        var uri = request.RequestUri!;
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || uri.AsSpan().IndexOfAny('<', '>') >= 0)
        {
            return (400, "Bad Request");
        }

        if (!uri[..colon].Equals("sip", StringComparison.OrdinalIgnoreCase) && !uri[..colon].Equals("sips", StringComparison.OrdinalIgnoreCase))
        {
            return (416, "Unsupported URI Scheme");
        }

        return null;
    }

    private static bool HasDuplicateSingleton(SipMessage request)
    {
        foreach (var name in Singletons)
        {
            var count = 0;
            foreach (var header in request.Headers)
            {
                if (header.Key.Equals(name, StringComparison.OrdinalIgnoreCase) && ++count > 1)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
