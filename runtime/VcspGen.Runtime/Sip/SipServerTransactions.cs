using System;
using System.Collections.Generic;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// The server transactions of one dialog role (RFC 3261 §17.2), shared by the member's <see cref="SipCallee"/> and the
/// group's call (the server's side): requests matched by branch, sent-by and method (§17.2.3; ACK and CANCEL matched to
/// their INVITE), so that a retransmitted request gets the very response it got before (same To tag, §8.2.6.2), an
/// INVITE's refusal over UDP is resent on Timer G until its ACK, and a CANCEL finds its INVITE (§9.2). Bounded: at most
/// <see cref="Capacity"/> transactions, each forgotten 64 × T1 after it began (the oldest goes first when full).
/// Driven by requests and <see cref="Poll"/>; time comes from the injected clock; not thread-safe.
/// </summary>
/// <param name="sink">Where responses go.</param>
/// <param name="time">The clock.</param>
/// <param name="timers">The SIP timers (T1, T2, and the 64 × T1 lifetime).</param>
/// <param name="capacity">The most transactions remembered at once.</param>
internal sealed class SipServerTransactions(ISipSink sink, TimeProvider time, SipTimers timers, int capacity = SipServerTransactions.DefaultCapacity)
{
    /// <summary>The default bound on transactions remembered at once.</summary>
    public const int DefaultCapacity = 1024;

    private readonly Dictionary<string, SipServerTransaction> _byKey = new(StringComparer.Ordinal);
    private readonly Queue<SipServerTransaction> _byAge = new();
    private readonly List<SipServerTransaction> _retransmitting = [];

    /// <summary>The most transactions remembered at once.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>How many transactions are remembered now.</summary>
    public int Count => _byKey.Count;

    /// <summary>
    /// Whether the transaction layer has dealt with <paramref name="request"/> so that its owner must not: a
    /// retransmission of a request already seen (its last response sent again), or the ACK of an INVITE's refusal
    /// (Timer G stopped) or a repeated one. The ACK of a 2xx is the dialog's (§17.1.1.3), and goes to the owner.
    /// </summary>
    /// <param name="request">A request that passed <see cref="SipRequestCheck"/>.</param>
    /// <returns>Whether it was absorbed.</returns>
    public bool Absorb(SipMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Expire();
        if (!_byKey.TryGetValue(KeyOf(request), out var transaction))
        {
            return false;
        }

        if (request.Method == "ACK")
        {
            if (transaction.Response is not { StatusCode: >= 300 })
            {
                return false;
            }

            transaction.Acknowledged();
            return true;
        }

        transaction.Retransmitted(sink, request);
        return true;
    }

    /// <summary>Sends <paramref name="response"/> to <paramref name="request"/> within its transaction (made now if new).</summary>
    /// <param name="request">The request.</param>
    /// <param name="peer">Where it came from.</param>
    /// <param name="response">The response.</param>
    /// <param name="retransmit">
    /// Whether an INVITE's refusal over UDP is resent on Timer G: only to a dialog's peer, since to an unknown peer
    /// (whose source may be forged) each copy would add to what it is sent.
    /// </param>
    public void Respond(SipMessage request, SipPeer peer, SipMessage response, bool retransmit = true)
    {
        var transaction = Find(request) ?? Begin(request, peer);
        transaction.Respond(sink, response, timers, retransmit);
        if (transaction.Delay() is not null && !_retransmitting.Contains(transaction))
        {
            _retransmitting.Add(transaction);
        }
    }

    /// <summary>
    /// Answers <paramref name="request"/> with a response of its own, within its transaction: the same rule as
    /// <see cref="SipResponses.Send"/> (no answer over UDP to an unknown peer that is longer than the request), and a
    /// request not answered for that reason still makes a transaction, so its retransmissions stay unanswered too.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="peer">Where it came from.</param>
    /// <param name="status">The status code.</param>
    /// <param name="reason">The reason phrase.</param>
    /// <param name="extra">One more header, or null.</param>
    /// <param name="trusted">Whether the peer is a dialog's.</param>
    /// <param name="localTag">The To tag to add (a dialog's), or null for a fresh one.</param>
    /// <returns>Whether it was sent.</returns>
    public bool Send(SipMessage request, SipPeer peer, int status, string reason, (string Name, string Value)? extra = null, bool trusted = false, string? localTag = null)
    {
        var response = SipResponses.Build(request, status, reason, localTag);
        if (extra is { } header)
        {
            response.With(header.Name, header.Value);
        }

        if (!SipResponses.MaySend(request, response, peer, trusted))
        {
            if (Find(request) is null)
            {
                Begin(request, peer);
            }

            return false;
        }

        Respond(request, peer, response, retransmit: trusted);
        return true;
    }

    /// <summary>
    /// Answers a CANCEL (§9.2): one that matches an INVITE transaction gets 200 (with the INVITE's To tag), and an INVITE
    /// still without a final response is ended 487 first; one that matches none gets 481.
    /// </summary>
    /// <param name="cancel">The CANCEL.</param>
    /// <param name="peer">Where it came from.</param>
    /// <param name="trusted">Whether the peer is a dialog's.</param>
    /// <returns>Whether it matched an INVITE transaction.</returns>
    public bool Cancel(SipMessage cancel, SipPeer peer, bool trusted)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        if (!_byKey.TryGetValue(KeyOf(cancel, "INVITE"), out var invite) || !invite.IsInvite)
        {
            Send(cancel, peer, 481, "Call/Transaction Does Not Exist", trusted: trusted);
            return false;
        }

        if (invite.State == SipServerTransactionState.Proceeding)
        {
            Respond(invite.Request, invite.Peer, SipResponses.Build(invite.Request, 487, "Request Terminated"), retransmit: trusted);
        }

        var tag = SipHeaders.Parameter(invite.Response?.Get("To"), "tag");
        Send(cancel, peer, 200, "OK", trusted: trusted, localTag: tag);
        return true;
    }

    /// <summary>Makes a transaction for <paramref name="request"/> without answering it yet (an INVITE to be answered later).</summary>
    /// <param name="request">The request.</param>
    /// <param name="peer">Where it came from.</param>
    /// <returns>The transaction.</returns>
    public SipServerTransaction Begin(SipMessage request, SipPeer peer)
    {
        ArgumentNullException.ThrowIfNull(request);
        Expire();
        while (_byAge.Count >= Capacity)
        {
            Forget(_byAge.Dequeue());
        }

        var lifetime = (long)(timers.GiveUp.TotalSeconds * time.TimestampFrequency);
        var transaction = new SipServerTransaction(KeyOf(request), request, peer, time.GetTimestamp() + lifetime, new SipRetransmission(sink, time));
        _byKey[transaction.Key] = transaction;
        _byAge.Enqueue(transaction);
        return transaction;
    }

    /// <summary>Resends the refusals whose Timer G is due, and forgets the transactions that ended.</summary>
    public void Poll()
    {
        for (var i = _retransmitting.Count - 1; i >= 0; i--)
        {
            _retransmitting[i].Poll();
            if (_retransmitting[i].Delay() is null)
            {
                _retransmitting.RemoveAt(i);
            }
        }

        Expire();
    }

    /// <summary>How long until <see cref="Poll"/> has a retransmission to make, or null.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay()
    {
        TimeSpan? next = null;
        foreach (var transaction in _retransmitting)
        {
            if (transaction.Delay() is { } due && (next is null || due < next))
            {
                next = due;
            }
        }

        return next;
    }

    /// <summary>The key of a request's transaction (§17.2.3): an ACK or CANCEL is looked up under its INVITE's method.</summary>
    /// <param name="request">The request.</param>
    /// <param name="method">The method to key by; the request's own when null (an ACK's is INVITE).</param>
    /// <returns>The key.</returns>
    internal static string KeyOf(SipMessage request, string? method = null)
    {
        method ??= request.Method == "ACK" ? "INVITE" : request.Method!;
        var via = request.Get("Via") ?? string.Empty;
        var comma = via.IndexOf(',', StringComparison.Ordinal);
        var top = (comma >= 0 ? via[..comma] : via).Trim();
        var branch = SipHeaders.Parameter(top, "branch");
        var semicolon = top.IndexOf(';', StringComparison.Ordinal);
        var sentBy = (semicolon >= 0 ? top[..semicolon] : top).Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        if (branch is not null && branch.StartsWith(SipHeaders.BranchCookie, StringComparison.Ordinal))
        {
            return branch + "|" + sentBy + "|" + method;
        }

        // RFC 2543 peers (§17.2.3's fallback, simplified): the Call-ID, the CSeq number, the From tag and the top Via.
        SipHeaders.TryParseCSeq(request.Get("CSeq"), out var number, out _);
        return string.Join('|', request.Get("Call-ID"), number, SipHeaders.Parameter(request.Get("From"), "tag"), top, method);
    }

    private SipServerTransaction? Find(SipMessage request) => _byKey.GetValueOrDefault(KeyOf(request));

    private void Expire()
    {
        var now = time.GetTimestamp();
        while (_byAge.Count > 0 && _byAge.Peek().EndsAt <= now)
        {
            Forget(_byAge.Dequeue());
        }
    }

    private void Forget(SipServerTransaction transaction)
    {
        if (_byKey.TryGetValue(transaction.Key, out var current) && ReferenceEquals(current, transaction))
        {
            _byKey.Remove(transaction.Key);
        }

        transaction.Acknowledged(); // no more Timer G for a transaction forgotten early
        _retransmitting.Remove(transaction);
    }
}
