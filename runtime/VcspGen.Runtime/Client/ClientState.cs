namespace VcspGen.Runtime;

/// <summary>Where a client session is in its life.</summary>
public enum ClientState
{
    /// <summary>Not joined; <see cref="ClientSession.Join"/> starts.</summary>
    Idle,

    /// <summary>A join request is out, waiting for the Response.</summary>
    Joining,

    /// <summary>A member of the group.</summary>
    Member,

    /// <summary>A FIN is out, waiting for the Response.</summary>
    Leaving,

    /// <summary>Left the group (by FIN, or kicked), or the join failed.</summary>
    Closed,
}
