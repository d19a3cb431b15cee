using System;
using System.Net;

namespace VcspGen.Runtime.Sip;

/// <summary>Where a <see cref="SipCaller"/>'s dialog is.</summary>
internal enum SipCallerState
{
    /// <summary>The INVITE is out, with no final answer yet.</summary>
    Calling,

    /// <summary>The INVITE was answered 2xx and acknowledged: the dialog is confirmed.</summary>
    Confirmed,

    /// <summary>This side's BYE is out.</summary>
    Terminating,
}

/// <summary>What a response did to a <see cref="SipCaller"/>'s dialog.</summary>
internal enum SipCallerEvent
{
    /// <summary>Nothing for the owner (a provisional answer, a repeated 2xx acknowledged again).</summary>
    None,

    /// <summary>A response to a method this side did not send.</summary>
    Unexpected,

    /// <summary>The INVITE was refused (3xx to 6xx), and the refusal acknowledged: the set-up failed.</summary>
    Refused,

    /// <summary>The INVITE was answered 2xx and acknowledged: the answer is in <see cref="SipCaller.Answer"/>.</summary>
    Answered,

    /// <summary>This side's BYE got its final answer: the dialog is over.</summary>
    ByeAnswered,
}

/// <summary>
/// The calling side of a SIP dialog (RFC 3261 §13.2, §17.1), which is the group server's role in the call: the INVITE
/// with an SDP offer (retransmitted on Timer A, given up on Timer B, or after Timer C's limit once a provisional
/// answer came), the ACK of a 2xx (a transaction of its own, with a new branch, to the Contact) or of a refusal
/// (within the INVITE transaction), and BYE (Timers E and F). Driven by responses and <see cref="Poll"/>; not thread-safe.
/// </summary>
/// <param name="sink">Where SIP messages go.</param>
/// <param name="time">The clock.</param>
/// <param name="timers">The SIP timers.</param>
/// <param name="dialog">The dialog (its Call-ID, this side's tag and SIP endpoint, the peer).</param>
internal sealed class SipCaller(ISipSink sink, TimeProvider time, SipTimers timers, SipDialog dialog)
{
    private const uint InviteCSeq = 1;

    private readonly SipRetransmission _transaction = new(sink, time);
    private SipMessage? _invite;
    private SipMessage? _ack;
    private string _inviteBranch = string.Empty;
    private string _inviteTo = string.Empty;

    /// <summary>The dialog.</summary>
    public SipDialog Dialog { get; } = dialog;

    /// <summary>Where the dialog is.</summary>
    public SipCallerState State { get; private set; }

    /// <summary>The 2xx that answered the INVITE, once it came.</summary>
    public SipMessage? Answer { get; private set; }

    /// <summary>The INVITE this side sent (its SDP offer and Contact answer a re-INVITE), once sent.</summary>
    public SipMessage? InviteSent => _invite;

    /// <summary>The method of the transaction in progress (INVITE or BYE).</summary>
    public string PendingMethod => _transaction.Message?.Method ?? string.Empty;

    /// <summary>Sends the INVITE with its SDP offer, and starts Timers A and B.</summary>
    /// <param name="localUser">The user part of this side's URI.</param>
    /// <param name="displayName">This side's display name.</param>
    /// <param name="remoteUser">The user part of the peer's URI (unescaped).</param>
    /// <param name="offer">The SDP offer.</param>
    public void Invite(string localUser, string displayName, string remoteUser, SdpSession offer)
    {
        var localUri = $"sip:{localUser}@{SipHeaders.HostPort(Dialog.LocalEndPoint)}";
        Dialog.RemoteTarget = $"sip:{SipHeaders.EscapeUser(remoteUser)}@{SipHeaders.HostPort(Dialog.Peer.EndPoint)}";
        Dialog.LocalParty = $"{SipHeaders.Quote(displayName)} <{localUri}>;tag={Dialog.LocalTag}";
        Dialog.RemoteParty = _inviteTo = $"<{Dialog.RemoteTarget}>";
        Dialog.LocalCSeq = InviteCSeq;
        _inviteBranch = SipHeaders.NewBranch();
        var tcp = Dialog.Peer.Transport == VcspGen.Spec.SipTransport.Tcp;
        _invite = Dialog.Request("INVITE", InviteCSeq, _inviteBranch)
            .With("Contact", tcp ? $"<{localUri};transport=tcp>" : $"<{localUri}>")
            .WithBody("application/sdp", offer.ToBytes());
        State = SipCallerState.Calling;
        _transaction.Start(_invite, Dialog.Peer, timers.InvitePolicy(Dialog.Peer.Transport));
    }

    /// <summary>Handles a response that matched this dialog's Call-ID and peer.</summary>
    /// <param name="response">The response.</param>
    /// <param name="method">The method of its CSeq.</param>
    /// <returns>What it did.</returns>
    public SipCallerEvent OnResponse(SipMessage response, string method)
    {
        var status = response.StatusCode;
        if (method == "BYE")
        {
            return status >= 200 && State == SipCallerState.Terminating ? SipCallerEvent.ByeAnswered : SipCallerEvent.None;
        }

        if (method != "INVITE")
        {
            return SipCallerEvent.Unexpected;
        }

        if (status < 200)
        {
            // Proceeding: no more INVITE retransmissions (RFC 3261 §17.1.1.2), a longer limit.
            if (State == SipCallerState.Calling)
            {
                _transaction.StopRetransmitting(timers.ProceedingLimit);
            }

            return SipCallerEvent.None;
        }

        if (status >= 300)
        {
            // A refusal: acknowledged within the INVITE transaction (same Request-URI and branch, RFC 3261 §17.1.1.3).
            sink.Send(Dialog.Request("ACK", InviteCSeq, _inviteBranch, _invite!.RequestUri, response.Get("To") ?? _inviteTo), Dialog.Peer);
            if (State != SipCallerState.Calling)
            {
                return SipCallerEvent.None;
            }

            _transaction.Stop();
            return SipCallerEvent.Refused;
        }

        // 2xx: the ACK is a transaction of its own, with a new branch, to the Contact (RFC 3261 §13.2.2.4).
        if (State != SipCallerState.Calling)
        {
            if (_ack is not null)
            {
                sink.Send(_ack, Dialog.Peer); // the 2xx again: our ACK was lost
            }

            return SipCallerEvent.None;
        }

        var remoteTag = SipHeaders.Parameter(response.Get("To"), "tag");
        Dialog.RemoteParty = _inviteTo + (remoteTag is null ? string.Empty : ";tag=" + remoteTag);
        Dialog.RemoteTarget = SipHeaders.Uri(response.Get("Contact")) ?? Dialog.RemoteTarget;
        _ack = Dialog.Request("ACK", InviteCSeq, to: response.Get("To") ?? _inviteTo);
        sink.Send(_ack, Dialog.Peer);
        _transaction.Stop();
        Answer = response;
        State = SipCallerState.Confirmed;
        return SipCallerEvent.Answered;
    }

    /// <summary>Ends the dialog from this side: a BYE, retransmitted on Timer E until answered or Timer F.</summary>
    public void Bye()
    {
        State = SipCallerState.Terminating;
        _transaction.Start(Dialog.Bye(), Dialog.Peer, timers.NonInvitePolicy(Dialog.Peer.Transport));
    }

    /// <summary>Retransmits the request in progress if it is due.</summary>
    /// <returns>True when the peer never answered (Timer B or F): the request failed.</returns>
    public bool Poll() => _transaction.Poll();

    /// <summary>How long until <see cref="Poll"/> has something to do, or null.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay() => _transaction.Delay();

    /// <summary>A new dialog for an INVITE from <paramref name="local"/> to <paramref name="peer"/>: a fresh Call-ID and tag.</summary>
    /// <param name="peer">The peer.</param>
    /// <param name="local">This side's SIP endpoint.</param>
    /// <returns>The dialog.</returns>
    public static SipDialog NewDialog(SipPeer peer, IPEndPoint local) => new(peer, local, SipHeaders.NewCallId(local.Address), SipHeaders.NewTag());
}
