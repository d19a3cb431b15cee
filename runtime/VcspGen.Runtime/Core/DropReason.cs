namespace VcspGen.Runtime;

/// <summary>Why a state machine dropped a datagram; each is counted (PROTOCOL.md §13: drops are counted, never silent to the operator).</summary>
public enum DropReason
{
    /// <summary>The datagram did not decode (see <see cref="VcspDecodeStatus"/>).</summary>
    Malformed,

    /// <summary>A packet kind this side never receives (for example a Msg sent to a server).</summary>
    UnexpectedKind,

    /// <summary>The sender is not a member, or its challenge or address does not match.</summary>
    UnknownSender,

    /// <summary>A join request for another address or version, under the drop policy.</summary>
    JoinRefused,

    /// <summary>A sequence number older than expected: a duplicate or a replay.</summary>
    Duplicate,

    /// <summary>A sequence number ahead of the expected one: a gap.</summary>
    OutOfOrder,

    /// <summary>A Syn with more data than the sender's relay chunk allows.</summary>
    TooLong,

    /// <summary>A fragment that contradicts the message it belongs to.</summary>
    Inconsistent,

    /// <summary>A source no reply can reach (UDP port 0): dropped before it is read, so nothing is sent towards it.</summary>
    UnreachableSource,

    /// <summary>A member removed because it sent nothing for the member timeout (PROTOCOL.md §7.7); counted once per member.</summary>
    TimedOut,

    /// <summary>A join request over its source's or the group's answer rate (PROTOCOL.md §13.2, §13.3): dropped unanswered.</summary>
    RateLimited,

    /// <summary>
    /// A message or member of another node not taken in (PROTOCOL.md §15.5): beyond the bound of what the group keeps for
    /// other nodes, or the group is shutting down.
    /// </summary>
    ClusterRefused,
}
