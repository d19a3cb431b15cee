using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>What a <see cref="MemberCall"/> tells its application. Spans are valid only during the call.</summary>
public interface ICallEvents
{
    /// <summary>The dialog is complete (the ACK arrived): the member is in the call.</summary>
    /// <param name="codec">The negotiated codec id.</param>
    /// <param name="callChallenge">The call challenge, or null when the peer's offer had none (a plain SIP peer: no VCSP media).</param>
    void OnCallStarted(byte codec, ushort? callChallenge);

    /// <summary>The server refused VC-INIT with a CodecReject.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="serverCodecs">The server's codecs, most preferred first.</param>
    void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs);

    /// <summary>The member is out of the call (VC-LEAVE done, a BYE, NotInCall, or a set-up that failed).</summary>
    /// <param name="end">Why: a <see cref="CallEndReason"/>, whose text <see cref="CallEnd.ToString"/> gives.</param>
    void OnCallEnded(CallEnd end);

    /// <summary>A Media datagram arrived from another call member.</summary>
    /// <param name="source">The sender's call-member id.</param>
    /// <param name="timestamp">The sender's 90 kHz media clock.</param>
    /// <param name="codec">The codec of <paramref name="data"/>.</param>
    /// <param name="data">The media data.</param>
    void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data);
}
