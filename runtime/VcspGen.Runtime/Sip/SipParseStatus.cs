namespace VcspGen.Runtime.Sip;

/// <summary>Why <see cref="SipMessage.TryParse"/> refused its input.</summary>
public enum SipParseStatus
{
    /// <summary>A whole message was parsed.</summary>
    Ok,

    /// <summary>The input ends before the message does (a stream reader should wait for more).</summary>
    Incomplete,

    /// <summary>The start line is neither a request line nor a status line of SIP/2.0.</summary>
    BadStartLine,

    /// <summary>A header line has no name or no colon.</summary>
    BadHeader,

    /// <summary>Content-Length is missing where it is required (a stream), not a number, or says more than arrived in a datagram.</summary>
    BadContentLength,

    /// <summary>The message is larger than <see cref="SipMessage.MaxSize"/>.</summary>
    TooLarge,
}
