using System;

namespace VcspGen.Runtime.Sip;

/// <summary>Where a <see cref="SipServerTransaction"/> is (RFC 3261 §17.2.1, §17.2.2).</summary>
internal enum SipServerTransactionState
{
    /// <summary>The request arrived and has no final response yet (only an INVITE waits so; a CANCEL ends it 487).</summary>
    Proceeding,

    /// <summary>A final response was sent: a retransmitted request gets it again (for an INVITE's 3xx–6xx over UDP, Timer G resends it until the ACK).</summary>
    Completed,

    /// <summary>The ACK of an INVITE's refusal came: retransmissions of the INVITE or ACK are absorbed until the end time.</summary>
    Confirmed,
}

/// <summary>
/// One server transaction (RFC 3261 §17.2): the request that made it, the last response sent, the state, and the time
/// it ends (Timer H/I/J: 64 × T1 after it began, the same for INVITE and non-INVITE, UDP and TCP, so that a
/// retransmission is always answered alike while the table remembers it). A refusal of an INVITE over UDP to a dialog's
/// peer is resent on Timer G (T1 doubling to T2) until its ACK or Timer H; to anyone else it is sent once (a forged
/// source must not get a stream of copies). A plain class: no sockets, no clock of its own.
/// </summary>
/// <param name="key">Its key in <see cref="SipServerTransactions"/>.</param>
/// <param name="request">The request.</param>
/// <param name="peer">Where the request came from, and where its responses go.</param>
/// <param name="endsAt">The timestamp (of the table's clock) after which it is forgotten.</param>
/// <param name="retransmission">Resends the final response on Timer G (used for an INVITE's refusal over UDP).</param>
internal sealed class SipServerTransaction(string key, SipMessage request, SipPeer peer, long endsAt, SipRetransmission retransmission)
{
    private bool _trusted;

    /// <summary>Its key: branch, sent-by and method (§17.2.3), or, for a request without the magic cookie, Call-ID, CSeq, From tag and top Via.</summary>
    public string Key { get; } = key;

    /// <summary>The request that made the transaction.</summary>
    public SipMessage Request { get; } = request;

    /// <summary>Where the request came from.</summary>
    public SipPeer Peer { get; } = peer;

    /// <summary>When it is forgotten (a timestamp).</summary>
    public long EndsAt { get; } = endsAt;

    /// <summary>Where it is.</summary>
    public SipServerTransactionState State { get; private set; }

    /// <summary>The last response sent (null while none was: a request not answered, say from a peer we stay silent to).</summary>
    public SipMessage? Response { get; private set; }

    /// <summary>Whether it is an INVITE transaction.</summary>
    public bool IsInvite => Request.Method == "INVITE";

    /// <summary>Records and sends a response; a final one completes the transaction (Timer G starts for an INVITE's refusal over UDP).</summary>
    /// <param name="sink">Where it goes.</param>
    /// <param name="response">The response.</param>
    /// <param name="timers">The SIP timers.</param>
    /// <param name="retransmit">Whether Timer G may run (false towards a peer not known to be a dialog's).</param>
    public void Respond(ISipSink sink, SipMessage response, SipTimers timers, bool retransmit)
    {
        Response = response;
        _trusted = retransmit;
        if (response.StatusCode < 200)
        {
            sink.Send(response, Peer);
            return;
        }

        State = SipServerTransactionState.Completed;
        if (retransmit && IsInvite && response.StatusCode >= 300 && Peer.Transport == VcspGen.Spec.SipTransport.Udp)
        {
            retransmission.Start(response, Peer, timers.NonInvitePolicy(Peer.Transport)); // Timer G, and H as its limit
        }
        else
        {
            sink.Send(response, Peer);
        }
    }

    /// <summary>
    /// The request came again: the last response goes again (none while there is none), unless the peer is not known
    /// and the copy would be longer than this retransmission (<see cref="SipResponses.MaySend"/>).
    /// </summary>
    /// <param name="sink">Where it goes.</param>
    /// <param name="again">The retransmission.</param>
    public void Retransmitted(ISipSink sink, SipMessage again)
    {
        if (Response is not null && State != SipServerTransactionState.Confirmed && SipResponses.MaySend(again, Response, Peer, _trusted))
        {
            sink.Send(Response, Peer);
        }
    }

    /// <summary>The ACK of a refusal came: no more Timer G (§17.2.1).</summary>
    public void Acknowledged()
    {
        if (State == SipServerTransactionState.Completed && Response is { StatusCode: >= 300 })
        {
            retransmission.Stop();
            State = SipServerTransactionState.Confirmed;
        }
    }

    /// <summary>Resends the refusal when Timer G is due; Timer H stops it.</summary>
    public void Poll() => retransmission.Poll();

    /// <summary>How long until <see cref="Poll"/> has something to do, or null.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay() => retransmission.Delay();
}
