using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// How a <see cref="ClientSession"/> ended, as <see cref="IClientEvents.OnClosed"/> reports it: the
/// <see cref="CloseReason"/> and, for a rejected join, the server's <see cref="RejectReason"/>. Its
/// <see cref="ToString"/> is the text logs print: "left", "left (the server did not answer the FIN)", "kicked",
/// "rejected: NameInUse", "the server did not answer", "the server no longer knows this member".
/// </summary>
public readonly record struct SessionEnd
{
    /// <summary>Creates a session end.</summary>
    /// <param name="reason">Why the session ended.</param>
    /// <param name="rejection">The server's reason when <paramref name="reason"/> is <see cref="CloseReason.Rejected"/>, otherwise null.</param>
    /// <exception cref="ArgumentException">A rejection comes without its reason, or another end with one.</exception>
    public SessionEnd(CloseReason reason, RejectReason? rejection = null)
    {
        if ((reason == CloseReason.Rejected) != rejection.HasValue)
        {
            throw new ArgumentException("A rejection, and only a rejection, carries the server's reason.", nameof(rejection));
        }

        Reason = reason;
        Rejection = rejection;
    }

    /// <summary>Why the session ended.</summary>
    public CloseReason Reason { get; }

    /// <summary>Why the server refused the join, when <see cref="Reason"/> is <see cref="CloseReason.Rejected"/>; otherwise null.</summary>
    public RejectReason? Rejection { get; }

    /// <summary>Whether this member ended the session with a FIN (<see cref="CloseReason.Left"/> or <see cref="CloseReason.LeftUnanswered"/>).</summary>
    public bool IsLeave => Reason is CloseReason.Left or CloseReason.LeftUnanswered;

    /// <summary>
    /// Whether the membership was lost by the server's side, not refused or ended (<see cref="CloseReason.NoAnswer"/> or
    /// <see cref="CloseReason.ServerRestarted"/>): the client should join again (PROTOCOL.md §7.7).
    /// </summary>
    public bool IsLost => Reason is CloseReason.NoAnswer or CloseReason.ServerRestarted;

    /// <summary>A rejected join.</summary>
    /// <param name="rejection">The server's reason.</param>
    /// <returns>The session end.</returns>
    public static SessionEnd Rejected(RejectReason rejection) => new(CloseReason.Rejected, rejection);

    /// <summary>The end as text: "left", "left (the server did not answer the FIN)", "kicked", "rejected: &lt;RejectReason&gt;", "the server did not answer" or "the server no longer knows this member".</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Reason switch
    {
        CloseReason.Left => "left",
        CloseReason.LeftUnanswered => "left (the server did not answer the FIN)",
        CloseReason.Kicked => "kicked",
        CloseReason.Rejected => "rejected: " + Rejection,
        CloseReason.NoAnswer => "the server did not answer",
        CloseReason.ServerRestarted => "the server no longer knows this member",
        _ => Reason.ToString(),
    };
}
