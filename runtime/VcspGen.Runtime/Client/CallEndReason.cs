namespace VcspGen.Runtime;

/// <summary>Why a member's call ended (<see cref="CallEnd"/>).</summary>
public enum CallEndReason
{
    /// <summary>This member left with VC-LEAVE (or ended the dialog), and the server answered.</summary>
    Left,

    /// <summary>This member left, and the server did not answer its VoiceFin: the call is ended on this side all the same.</summary>
    LeftUnanswered,

    /// <summary>VC-INIT was cancelled (VC-LEAVE or RES before the call started).</summary>
    Cancelled,

    /// <summary>The server did not answer VC-INIT.</summary>
    NoAnswer,

    /// <summary>The server ended the dialog with a BYE.</summary>
    HungUp,

    /// <summary>No ACK came for this member's 200 OK: the dialog was ended with a BYE (RFC 3261 §13.3.1.4).</summary>
    NoAck,

    /// <summary>The server says this member is not in the call (Error NotInCall).</summary>
    NotInCall,
}
