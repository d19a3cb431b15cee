namespace VcspGen.Runtime;

/// <summary>Why a <see cref="ClientSession"/> ended (<see cref="SessionEnd.Reason"/>).</summary>
public enum CloseReason
{
    /// <summary>This member left: the server answered its FIN (PROTOCOL.md §8.8).</summary>
    Left,

    /// <summary>This member left, but the server did not answer its FIN after the last try (PROTOCOL.md §11.1).</summary>
    LeftUnanswered,

    /// <summary>The server removed this member with a Kick (PROTOCOL.md §8.11).</summary>
    Kicked,

    /// <summary>The server refused the join with a Reject (PROTOCOL.md §8.3); <see cref="SessionEnd.Rejection"/> says why.</summary>
    Rejected,

    /// <summary>
    /// The server did not answer: the join, its confirmation, a command or an Ack with ReplyRequested (the keepalive)
    /// went unanswered after the last try (PROTOCOL.md §7.7, §11.1). The server stopped, or the way to it is cut;
    /// a <see cref="VcspClientHost"/> joins again by itself.
    /// </summary>
    NoAnswer,

    /// <summary>
    /// The server no longer knows this member: it answered an Ack with Error NotMember (PROTOCOL.md §7.7), because it
    /// restarted or removed the member after a silence. A <see cref="VcspClientHost"/> joins again by itself.
    /// </summary>
    ServerRestarted,
}
