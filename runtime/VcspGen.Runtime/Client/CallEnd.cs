namespace VcspGen.Runtime;

/// <summary>
/// How a member's call ended, as <see cref="ICallEvents.OnCallEnded"/> reports it. Its <see cref="ToString"/> is the
/// text logs print: "left", "left (the server did not answer VC-LEAVE)", "VC-INIT cancelled", "the server did not
/// answer VC-INIT", "ended by the server (BYE)", "no ACK for the 200 OK", "not in the call (the server says)".
/// </summary>
/// <param name="Reason">Why the call ended.</param>
public readonly record struct CallEnd(CallEndReason Reason)
{
    /// <summary>Whether this member ended the call (<see cref="CallEndReason.Left"/>, <see cref="CallEndReason.LeftUnanswered"/> or <see cref="CallEndReason.Cancelled"/>).</summary>
    public bool IsLeave => Reason is CallEndReason.Left or CallEndReason.LeftUnanswered or CallEndReason.Cancelled;

    /// <summary>The end as text, for logs and consoles.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Reason switch
    {
        CallEndReason.Left => "left",
        CallEndReason.LeftUnanswered => "left (the server did not answer VC-LEAVE)",
        CallEndReason.Cancelled => "VC-INIT cancelled",
        CallEndReason.NoAnswer => "the server did not answer VC-INIT",
        CallEndReason.HungUp => "ended by the server (BYE)",
        CallEndReason.NoAck => "no ACK for the 200 OK",
        CallEndReason.NotInCall => "not in the call (the server says)",
        _ => Reason.ToString(),
    };
}
