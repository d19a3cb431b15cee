namespace VcspGen;

/// <summary>Challenge numbers (spec/PROTOCOL.md §5): 16 bits, two reserved values.</summary>
public static class VcspChallenge
{
    /// <summary>"First contact" (the memo's 0xFF): a client that has no challenge yet, in a join request.</summary>
    public const ushort FirstContact = 0x00FF;

    /// <summary>"None" (the memo's 0xFFFF): no challenge, as in relayed group messages and a first direct message.</summary>
    public const ushort None = 0xFFFF;

    /// <summary>Whether <paramref name="challenge"/> is one of the two reserved values.</summary>
    /// <param name="challenge">A challenge number.</param>
    /// <returns><see langword="true"/> for <see cref="FirstContact"/> and <see cref="None"/>.</returns>
    public static bool IsReserved(ushort challenge) => challenge is FirstContact or None;

    /// <summary>Whether <paramref name="challenge"/> is allowed by <paramref name="rule"/>.</summary>
    /// <param name="rule">The packet kind's challenge rule.</param>
    /// <param name="challenge">The challenge number carried by the packet.</param>
    /// <returns><see langword="true"/> when the rule allows the value.</returns>
    public static bool IsAllowed(VcspChallengeRule rule, ushort challenge) => rule switch
    {
        VcspChallengeRule.Member => !IsReserved(challenge),
        VcspChallengeRule.FirstContact => challenge == FirstContact,
        VcspChallengeRule.None => challenge == None,
        VcspChallengeRule.NoneOrMember => challenge != FirstContact,
        _ => true,
    };
}
