using System;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// One SIP message sent again until it is answered, under a <see cref="RetryPolicy"/> (<see cref="RetransmitSchedule"/>):
/// a client transaction's request (Timer A/B for an INVITE, E/F for a BYE), a UAS's 2xx until its ACK, or a server
/// transaction's refusal of an INVITE until its ACK (Timer G, given up on H: <see cref="SipServerTransaction"/>).
/// </summary>
/// <param name="sink">Where SIP messages go.</param>
/// <param name="time">The clock.</param>
internal sealed class SipRetransmission(ISipSink sink, TimeProvider time)
{
    private RetransmitSchedule _schedule;

    /// <summary>The message being retransmitted (the last one, once stopped).</summary>
    public SipMessage? Message { get; private set; }

    /// <summary>Where the message goes.</summary>
    public SipPeer Peer { get; private set; }

    /// <summary>Whether the message is still waiting for its answer.</summary>
    public bool IsRunning => _schedule.IsRunning;

    /// <summary>Sends <paramref name="message"/> to <paramref name="peer"/>, and starts its retransmissions.</summary>
    /// <param name="message">The message.</param>
    /// <param name="peer">Where to.</param>
    /// <param name="policy">How to retry.</param>
    public void Start(SipMessage message, SipPeer peer, in RetryPolicy policy)
    {
        Message = message;
        Peer = peer;
        _schedule.Start(policy, time);
        sink.Send(message, peer);
    }

    /// <summary>The answer came: no more retransmissions.</summary>
    public void Stop() => _schedule.Stop();

    /// <summary>A provisional answer came: no more retransmissions, and a new time limit (RFC 3261 §17.1.1.2).</summary>
    /// <param name="limit">How long to wait for the final answer.</param>
    public void StopRetransmitting(TimeSpan limit) => _schedule.StopRetransmitting(limit, time);

    /// <summary>Retransmits the message if it is due.</summary>
    /// <returns>True when the time limit passed unanswered (the retransmission stopped).</returns>
    public bool Poll()
    {
        switch (_schedule.Poll(time))
        {
            case RetryStep.Send:
                sink.Send(Message!, Peer);
                return false;
            case RetryStep.GiveUp:
                return true;
            default:
                return false;
        }
    }

    /// <summary>How long until <see cref="Poll"/> has something to do, or null.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay() => _schedule.Delay(time);
}
