using System;

namespace VcspGen.Runtime;

/// <summary>
/// A VCSP state machine as its edge sees it: datagrams in, timed work on request. <see cref="GroupServer"/> and
/// <see cref="ClientSession"/> implement it, and <see cref="UdpHost"/> runs either on a UDP socket.
/// </summary>
public interface IVcspStateMachine
{
    /// <summary>Handles one datagram.</summary>
    /// <param name="datagram">The datagram; not kept after the call.</param>
    /// <param name="source">Its source address and port.</param>
    void Receive(ReadOnlySpan<byte> datagram, in VcspAddress source);

    /// <summary>Does the timed work that is due (retransmissions, relays, timeouts).</summary>
    void Poll();

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is waiting.</summary>
    /// <returns>The delay.</returns>
    TimeSpan? NextPollDelay();
}
