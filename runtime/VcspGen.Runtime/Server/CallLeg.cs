using VcspGen.Runtime.Sip;

namespace VcspGen.Runtime;

/// <summary>
/// One member's call leg (PROTOCOL.md §12): its SIP dialog, in which the server is the caller (<see cref="SipCaller"/>),
/// and its VCSP side: the member it belongs to, its call challenge, call-member id and codec.
/// </summary>
/// <param name="sip">The SIP dialog.</param>
internal sealed class CallLeg(SipCaller sip)
{
    /// <summary>The SIP dialog.</summary>
    public SipCaller Sip { get; } = sip;

    /// <summary>The dialog's Call-ID.</summary>
    public string CallId => Sip.Dialog.CallId;

    /// <summary>The member's user agent.</summary>
    public SipPeer Peer => Sip.Dialog.Peer;

    /// <summary>The member, or null once it left the call (a set-up still out is then abandoned when answered).</summary>
    public Member? Owner { get; set; }

    /// <summary>Whether the member is in the call: the 2xx was acknowledged, and no BYE is out.</summary>
    public bool IsActive => Sip.State == SipCallerState.Confirmed;

    /// <summary>The call challenge its Media carries.</summary>
    public ushort Challenge { get; init; }

    /// <summary>Its call-member id, the Source of the Media relayed from it.</summary>
    public ushort MemberId { get; init; }

    /// <summary>The negotiated codec.</summary>
    public byte Codec { get; init; }
}
