using System;
using VcspGen.Spec;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// The SIP timers of RFC 3261 §17 that a call uses, configurable so that tests can run them fast. Timer A (INVITE
/// retransmission over UDP) starts at <see cref="T1"/> and doubles; Timer E (BYE retransmission) and the 200 OK
/// retransmission of a UAS (§13.3.1.4) start at T1 and double up to <see cref="T2"/>; Timers B, F and H give up after
/// 64 × T1.
/// </summary>
public sealed class SipTimers
{
    /// <summary>The round-trip estimate T1. Defaults to 500 ms.</summary>
    public TimeSpan T1 { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest retransmission interval for non-INVITE requests and 2xx responses, T2. Defaults to 4 s.</summary>
    public TimeSpan T2 { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>How long a transaction may go unanswered before it fails: 64 × T1 (Timers B, F and H; 32 s by default).</summary>
    public TimeSpan GiveUp => T1 * 64;

    /// <summary>How long an INVITE may stay unanswered by a final response after a provisional one. Defaults to 3 minutes (RFC 3261 Timer C).</summary>
    public TimeSpan ProceedingLimit { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Timers A and B of an INVITE client transaction: T1, doubling without a cap, given up after 64 × T1.</summary>
    /// <param name="transport">The transport: over TCP nothing is retransmitted, and only Timer B runs.</param>
    /// <returns>The policy.</returns>
    internal RetryPolicy InvitePolicy(SipTransport transport) =>
        new(T1, GiveUpAfter: GiveUp, Retransmits: transport == SipTransport.Udp);

    /// <summary>
    /// Timers E and F of a non-INVITE client transaction (a BYE), and G and H of a UAS's 2xx until its ACK: T1,
    /// doubling up to T2, given up after 64 × T1.
    /// </summary>
    /// <param name="transport">The transport: over TCP nothing is retransmitted, and only the time limit runs.</param>
    /// <returns>The policy.</returns>
    internal RetryPolicy NonInvitePolicy(SipTransport transport) =>
        new(T1, Cap: T2, GiveUpAfter: GiveUp, Retransmits: transport == SipTransport.Udp);
}
