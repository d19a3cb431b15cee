namespace VcspGen.Runtime;

/// <summary>Why a member left its group (<see cref="GroupServer.MemberLeft"/>).</summary>
public enum MemberLeaveReason
{
    /// <summary>It sent a Fin (QUIT, RES, or its client closing), answered with a Response (PROTOCOL.md §8.8).</summary>
    Fin,

    /// <summary>Nothing arrived from it for the member timeout (PROTOCOL.md §7.7).</summary>
    TimedOut,

    /// <summary>It was kicked, by the administrator's KICK or through <see cref="GroupServer.Kick"/> (PROTOCOL.md §11.6).</summary>
    Kicked,

    /// <summary>A new join from its address was confirmed and took its place (PROTOCOL.md §8.1 step 2).</summary>
    Replaced,

    /// <summary>The server shut the group down (<see cref="GroupServer.Shutdown"/>).</summary>
    ServerShutdown,
}
