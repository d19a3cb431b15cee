using System;

namespace VcspGen.Runtime;

/// <summary>
/// The challenge numbers in use in one group (PROTOCOL.md §5.3): drawn with a cryptographic RNG, uniformly over
/// the 65,534 values that are not reserved, redrawn until unique in the group, released when a member leaves.
/// Text and call challenges share one registry, so they never collide. Holds a fixed 8 KiB bitmap; drawing and
/// releasing allocate nothing.
/// </summary>
internal sealed class ChallengeRegistry
{
    /// <summary>How many challenge values can be assigned: every 16-bit value but the two reserved ones.</summary>
    public const int Assignable = 65536 - 2;

    private readonly ulong[] _inUse = new ulong[65536 / 64];

    /// <summary>Creates a registry that hands out at most <paramref name="capacity"/> challenges at a time.</summary>
    /// <param name="capacity">The most challenges in use at once, 1 to <see cref="Assignable"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is out of range.</exception>
    public ChallengeRegistry(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, Assignable);
        Capacity = capacity;
    }

    /// <summary>The most challenges in use at once.</summary>
    public int Capacity { get; }

    /// <summary>How many challenges are in use.</summary>
    public int Count { get; private set; }

    /// <summary>Draws a new challenge, unique in this registry and never a reserved value.</summary>
    /// <param name="challenge">The challenge, or 0 when none could be drawn.</param>
    /// <returns><see langword="false"/> when <see cref="Capacity"/> challenges are already in use.</returns>
    public bool TryDraw(out ushort challenge)
    {
        challenge = 0;
        if (Count >= Capacity)
        {
            return false;
        }

        // Rejection sampling keeps the draw uniform over the free, non-reserved values.
        ushort candidate;
        do
        {
            candidate = SecureRandom.Challenge();
        }
        while (IsInUse(candidate));

        _inUse[candidate >> 6] |= 1UL << (candidate & 63);
        Count++;
        challenge = candidate;
        return true;
    }

    /// <summary>Whether <paramref name="challenge"/> is in use.</summary>
    /// <param name="challenge">A challenge number.</param>
    /// <returns><see langword="true"/> when it was drawn and not yet released.</returns>
    public bool IsInUse(ushort challenge) => (_inUse[challenge >> 6] & (1UL << (challenge & 63))) != 0;

    /// <summary>Releases a challenge so it may be drawn again (memo §8.2: a departing member's challenge is freed).</summary>
    /// <param name="challenge">A challenge drawn from this registry.</param>
    /// <returns><see langword="false"/> when it was not in use.</returns>
    public bool Release(ushort challenge)
    {
        if (!IsInUse(challenge))
        {
            return false;
        }

        _inUse[challenge >> 6] &= ~(1UL << (challenge & 63));
        Count--;
        return true;
    }
}
