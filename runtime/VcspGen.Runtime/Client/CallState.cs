namespace VcspGen.Runtime;

/// <summary>Where a member's side of the group call is (PROTOCOL.md §11.9, §12).</summary>
public enum CallState
{
    /// <summary>Not in the call; <see cref="MemberCall.Join"/> starts VC-INIT.</summary>
    Idle,

    /// <summary>A VoiceJoin is out, waiting for the server's INVITE (or a CodecReject).</summary>
    Joining,

    /// <summary>The INVITE was answered 200 OK; waiting for the ACK.</summary>
    Answered,

    /// <summary>In the call: Media flows.</summary>
    InCall,

    /// <summary>VC-LEAVE: a VoiceFin (or a BYE) is out, waiting for its answer.</summary>
    Leaving,
}
