namespace VcspGen.Runtime;

/// <summary>What a server does with a join request it cannot accept: another version or address, a bad or taken name, a full group (memo §4.3; PROTOCOL.md §8.1 step 4).</summary>
public enum JoinPolicy
{
    /// <summary>Answer with a Reject (0xC9) that says why.</summary>
    Reject,

    /// <summary>Drop it without a reply.</summary>
    Drop,
}
