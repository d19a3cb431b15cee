using System.Net;
using VcspGen.Spec;

namespace VcspGen.Runtime.Sip;

/// <summary>Where a SIP message came from or goes to: the remote endpoint and the transport.</summary>
/// <param name="EndPoint">
/// The remote endpoint. Over TCP it names the connection: the remote endpoint of an accepted connection, or the
/// destination of a connection this side opened.
/// </param>
/// <param name="Transport">UDP or TCP.</param>
public readonly record struct SipPeer(IPEndPoint EndPoint, SipTransport Transport);
