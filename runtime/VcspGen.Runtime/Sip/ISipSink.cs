namespace VcspGen.Runtime.Sip;

/// <summary>Where a SIP state machine's outgoing messages go (<see cref="SipEndpoint"/> in production, a list in tests).</summary>
public interface ISipSink
{
    /// <summary>Sends <paramref name="message"/> to <paramref name="peer"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="peer">The destination and the transport.</param>
    void Send(SipMessage message, SipPeer peer);
}
