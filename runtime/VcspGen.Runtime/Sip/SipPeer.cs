using System.Net;
using VcspGen.Spec;

namespace VcspGen.Runtime.Sip;

/// <summary>Where a SIP message came from or goes to: the remote endpoint and the transport.</summary>
/// <param name="EndPoint">The remote address and port (for TCP, the connection's remote end).</param>
/// <param name="Transport">UDP or TCP.</param>
public readonly record struct SipPeer(IPEndPoint EndPoint, SipTransport Transport);

/// <summary>Where a SIP state machine's outgoing messages go: a <c>SipEndpoint</c>, or a list in tests.</summary>
public interface ISipSink
{
    /// <summary>Sends one message.</summary>
    /// <param name="message">The message.</param>
    /// <param name="peer">Where to.</param>
    void Send(SipMessage message, SipPeer peer);
}
