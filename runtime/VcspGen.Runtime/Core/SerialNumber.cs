namespace VcspGen.Runtime;

/// <summary>
/// Sequence-number comparison by serial number arithmetic (RFC 1982, SERIAL_BITS = 32; PROTOCOL.md §6.2), so
/// comparisons stay right across the wrap from 0xFFFFFFFF to 0.
/// </summary>
internal static class SerialNumber
{
    private const uint Half = 1u << 31;

    /// <summary>How far <paramref name="later"/> is ahead of <paramref name="earlier"/>, modulo 2^32.</summary>
    /// <param name="earlier">The reference sequence number.</param>
    /// <param name="later">The other sequence number.</param>
    /// <returns><c>(later - earlier) mod 2^32</c>.</returns>
    public static uint Distance(uint earlier, uint later) => unchecked(later - earlier);

    /// <summary>Whether <paramref name="candidate"/> is newer than (serially greater than) <paramref name="reference"/>.</summary>
    /// <param name="candidate">The sequence number to classify.</param>
    /// <param name="reference">The sequence number to compare with.</param>
    /// <returns><see langword="true"/> when 0 &lt; d &lt; 2^31, with d = candidate - reference.</returns>
    public static bool IsNewer(uint candidate, uint reference)
    {
        var d = Distance(reference, candidate);
        return d != 0 && d < Half;
    }

    /// <summary>Whether <paramref name="candidate"/> is older than (serially less than) <paramref name="reference"/>.</summary>
    /// <param name="candidate">The sequence number to classify.</param>
    /// <param name="reference">The sequence number to compare with.</param>
    /// <returns><see langword="true"/> when d &gt; 2^31, with d = candidate - reference.</returns>
    public static bool IsOlder(uint candidate, uint reference) => Distance(reference, candidate) > Half;

    /// <summary>
    /// Whether the comparison is undefined (the two are exactly 2^31 apart); PROTOCOL.md §6.2 treats such a
    /// datagram as out of order.
    /// </summary>
    /// <param name="a">A sequence number.</param>
    /// <param name="b">Another sequence number.</param>
    /// <returns><see langword="true"/> when the distance is exactly 2^31.</returns>
    public static bool IsUndefined(uint a, uint b) => Distance(a, b) == Half;
}
