using System;
using System.Collections.Generic;

namespace VcspGen.Runtime;

/// <summary>
/// The group's members (memo §4): by address and in join order, their challenges, and the lookups every datagram
/// starts with. A datagram whose source and challenge name no member is dropped unanswered (memo §5.3). Joins that were
/// answered but not confirmed (PROTOCOL.md §8.1 step 6) are kept apart: at most as many as the member cap, the oldest
/// given up first, and they count neither against the cap nor as holders of their names.
/// </summary>
/// <param name="maxMembers">The most members.</param>
/// <param name="drops">Where drops are counted.</param>
/// <param name="claims">In a cluster, the names claimed across it: every join and member here holds its name's claim; otherwise null.</param>
internal sealed class Roster(int maxMembers, GroupDrops drops, NameClaims? claims = null)
{
    private readonly Dictionary<VcspAddress, Member> _members = [];
    private readonly ChallengeRegistry _challenges = new(Math.Clamp(2 * maxMembers, 1, ChallengeRegistry.Assignable));

    /// <summary>How many confirmed members the group has.</summary>
    public int Count => InOrder.Count;

    /// <summary>The confirmed members in join order (a <see cref="List{T}"/>, so <c>foreach</c> allocates nothing).</summary>
    public List<Member> InOrder { get; } = [];

    /// <summary>The joins answered but not confirmed yet, oldest first.</summary>
    public List<Member> Unconfirmed { get; } = [];

    /// <summary>
    /// New joins from the addresses of members (their clients restarted, or lost their sessions): each replaces its
    /// member once confirmed (PROTOCOL.md §8.1 step 2), so a spoofed one cannot displace anyone.
    /// </summary>
    public Dictionary<VcspAddress, Member> Rejoins { get; } = [];

    /// <summary>Keeps a new join from a member's address until it is confirmed (replacing an older one from there).</summary>
    /// <param name="member">The new join.</param>
    public void AddRejoin(Member member)
    {
        if (Rejoins.Remove(member.Address, out var older))
        {
            _challenges.Release(older.Challenge);
            claims?.Free(older);
        }

        Rejoins.Add(member.Address, member);
        claims?.Hold(member);
    }

    /// <summary>Gives up a new join from a member's address.</summary>
    /// <param name="member">The new join.</param>
    public void RemoveRejoin(Member member)
    {
        if (Rejoins.Remove(member.Address))
        {
            _challenges.Release(member.Challenge);
            claims?.Free(member);
        }
    }

    /// <summary>Draws a challenge for a new member.</summary>
    /// <param name="challenge">The challenge.</param>
    /// <returns>False when none is free.</returns>
    public bool TryDrawChallenge(out ushort challenge) => _challenges.TryDraw(out challenge);

    /// <summary>The member at <paramref name="address"/>, whatever its challenge.</summary>
    /// <param name="address">The address.</param>
    /// <param name="member">The member.</param>
    /// <returns>Whether there is one.</returns>
    public bool TryGet(in VcspAddress address, out Member member) => _members.TryGetValue(address, out member!);

    /// <summary>The member that sent a datagram, if its challenge matches; otherwise the datagram is dropped (UnknownSender).</summary>
    /// <param name="source">The datagram's source.</param>
    /// <param name="challenge">Its challenge.</param>
    /// <param name="member">The member.</param>
    /// <returns>Whether the sender is a member.</returns>
    public bool TryGetMember(in VcspAddress source, ushort challenge, out Member member)
    {
        // Memo §5.3: a wrong challenge is dropped without a reply, since the sender could not be verified.
        if (_members.TryGetValue(source, out member!) && member.Challenge == challenge)
        {
            return true;
        }

        drops.Drop(DropReason.UnknownSender, source);
        return false;
    }

    /// <summary>The member called <paramref name="name"/>, or null.</summary>
    /// <param name="name">The name's UTF-8 bytes.</param>
    /// <returns>The member.</returns>
    public Member? Find(ReadOnlySpan<byte> name)
    {
        foreach (var member in InOrder)
        {
            if (name.SequenceEqual(member.Name))
            {
                return member;
            }
        }

        return null;
    }

    /// <summary>Adds a join that was answered: unconfirmed until <see cref="Confirm"/>. Beyond the cap, the oldest unconfirmed one is given up.</summary>
    /// <param name="member">The member.</param>
    public void Add(Member member)
    {
        if (Unconfirmed.Count >= maxMembers)
        {
            Remove(Unconfirmed[0]);
        }

        _members.Add(member.Address, member);
        Unconfirmed.Add(member);
        claims?.Hold(member);
    }

    /// <summary>Makes an unconfirmed join a member.</summary>
    /// <param name="member">The member.</param>
    public void Confirm(Member member)
    {
        Unconfirmed.Remove(member);
        member.Confirmed = true;
        InOrder.Add(member);
    }

    /// <summary>Takes a member (or an unconfirmed join) out, and frees its challenge.</summary>
    /// <param name="member">The member.</param>
    public void Remove(Member member)
    {
        _members.Remove(member.Address);
        if (member.Confirmed)
        {
            InOrder.Remove(member);
        }
        else
        {
            Unconfirmed.Remove(member);
        }

        _challenges.Release(member.Challenge);
        claims?.Free(member);
    }
}
