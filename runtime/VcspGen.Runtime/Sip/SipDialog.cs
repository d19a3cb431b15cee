using System.Globalization;
using System.Net;
using VcspGen.Spec;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// One SIP dialog as either side sees it (RFC 3261 §12): the peer, this side's SIP endpoint, the Call-ID, both parties
/// with their tags, the remote target and this side's CSeq. It builds the Via header and the requests this side sends
/// in the dialog (INVITE, ACK, BYE), so that both call roles (<see cref="SipCaller"/>, <see cref="SipCallee"/>) write
/// them the same way.
/// </summary>
/// <param name="peer">The other side, and the transport.</param>
/// <param name="localEndPoint">This side's SIP endpoint (the Via's sent-by).</param>
/// <param name="callId">The Call-ID.</param>
/// <param name="localTag">This side's tag.</param>
internal sealed class SipDialog(SipPeer peer, IPEndPoint localEndPoint, string callId, string localTag)
{
    /// <summary>The other side, and the transport.</summary>
    public SipPeer Peer { get; } = peer;

    /// <summary>This side's SIP endpoint.</summary>
    public IPEndPoint LocalEndPoint { get; } = localEndPoint;

    /// <summary>The dialog's Call-ID.</summary>
    public string CallId { get; } = callId;

    /// <summary>This side's tag.</summary>
    public string LocalTag { get; } = localTag;

    /// <summary>This side's party, with its tag: the From of this side's requests.</summary>
    public string LocalParty { get; set; } = string.Empty;

    /// <summary>The other side's party, with its tag once known: the To of this side's requests.</summary>
    public string RemoteParty { get; set; } = string.Empty;

    /// <summary>Where this side's requests go: the other side's Contact (RFC 3261 §12.1).</summary>
    public string RemoteTarget { get; set; } = string.Empty;

    /// <summary>The CSeq number of this side's last request.</summary>
    public uint LocalCSeq { get; set; }

    /// <summary>A Via header for a request this side sends (RFC 3261 §8.1.1.7).</summary>
    /// <param name="transport">The transport.</param>
    /// <param name="sentBy">This side's SIP endpoint.</param>
    /// <param name="branch">The transaction's branch.</param>
    /// <returns>The header value.</returns>
    public static string Via(SipTransport transport, IPEndPoint sentBy, string branch) =>
        $"SIP/2.0/{(transport == SipTransport.Tcp ? "TCP" : "UDP")} {SipHeaders.HostPort(sentBy)};branch={branch}";

    /// <summary>A request in this dialog: Via, Max-Forwards, From, To, Call-ID and CSeq (RFC 3261 §12.2.1.1).</summary>
    /// <param name="method">The method.</param>
    /// <param name="cseq">Its CSeq number.</param>
    /// <param name="branch">The Via branch; a new one when null.</param>
    /// <param name="requestUri">The Request-URI; the remote target when null.</param>
    /// <param name="to">The To header; <see cref="RemoteParty"/> when null.</param>
    /// <returns>The request, to which the caller may add headers and a body.</returns>
    public SipMessage Request(string method, uint cseq, string? branch = null, string? requestUri = null, string? to = null) =>
        SipMessage.Request(method, requestUri ?? RemoteTarget)
            .With("Via", Via(Peer.Transport, LocalEndPoint, branch ?? SipHeaders.NewBranch()))
            .With("Max-Forwards", "70")
            .With("From", LocalParty)
            .With("To", to ?? RemoteParty)
            .With("Call-ID", CallId)
            .With("CSeq", cseq.ToString(CultureInfo.InvariantCulture) + " " + method);

    /// <summary>A BYE that ends the dialog from this side, with the next CSeq number (RFC 3261 §15.1.1).</summary>
    /// <returns>The BYE.</returns>
    public SipMessage Bye() => Request("BYE", ++LocalCSeq);
}
