namespace VcspGen.Runtime;

/// <summary>What a server does with a join request it cannot accept because of its version or address (memo §4.3).</summary>
public enum JoinPolicy
{
    /// <summary>Answer with a Reject (0xC9) that says why.</summary>
    Reject,

    /// <summary>Drop it without a reply.</summary>
    Drop,
}
