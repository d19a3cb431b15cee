using System.Collections.Generic;
using System.Text;

namespace VcspGen.Runtime;

/// <summary>
/// A clustered group's names (PROTOCOL.md §15.3): a name is claimed for this node across the cluster when the first
/// join here takes it, and given up when the last join or member here that has it goes. Each join and member counts
/// once (<see cref="Member.HoldsClaim"/>), so a rejoin that keeps its name keeps the claim.
/// </summary>
/// <param name="link">Where claims go.</param>
internal sealed class NameClaims(ClusterLink link)
{
    private readonly Dictionary<string, Entry> _names = new(System.StringComparer.Ordinal);
    private long _nextId;

    /// <summary>The names claimed or being claimed.</summary>
    public int Count => _names.Count;

    /// <summary>Whether this node won the claim of <paramref name="name"/> (then a new join with it is answered at once).</summary>
    /// <param name="name">The name's UTF-8 bytes.</param>
    /// <returns>True when won.</returns>
    public bool IsWon(byte[] name) => _names.TryGetValue(Encoding.UTF8.GetString(name), out var entry) && entry.Won;

    /// <summary>Counts <paramref name="member"/> as a holder of its name; the first holder claims it.</summary>
    /// <param name="member">A join or member.</param>
    public void Hold(Member member)
    {
        if (member.HoldsClaim || member.Remote is not null)
        {
            return;
        }

        member.HoldsClaim = true;
        var name = Encoding.UTF8.GetString(member.Name);
        if (_names.TryGetValue(name, out var entry))
        {
            entry.Holders++;
            return;
        }

        var id = ++_nextId;
        _names.Add(name, new Entry { Holders = 1, Id = id });
        link.Claim(name, id);
    }

    /// <summary>Stops counting <paramref name="member"/>; the last holder gives the name up.</summary>
    /// <param name="member">A join or member.</param>
    public void Free(Member member)
    {
        if (!member.HoldsClaim)
        {
            return;
        }

        member.HoldsClaim = false;
        var name = Encoding.UTF8.GetString(member.Name);
        if (_names.TryGetValue(name, out var entry) && --entry.Holders == 0)
        {
            _names.Remove(name);
            link.Release(name);
        }
    }

    /// <summary>A claim was decided.</summary>
    /// <param name="name">The name.</param>
    /// <param name="id">The claim's id: a result of a claim given up since is stale.</param>
    /// <param name="won">Whether this node won it.</param>
    /// <returns>Whether this claim still stands (else the result is stale).</returns>
    public bool Resolve(string name, long id, bool won)
    {
        if (!_names.TryGetValue(name, out var entry) || entry.Id != id)
        {
            return false;
        }

        entry.Won = won;
        return true;
    }

    private sealed class Entry
    {
        public int Holders { get; set; }

        public bool Won { get; set; }

        public long Id { get; init; }
    }
}
