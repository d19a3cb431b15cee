using System;
using System.Collections.Generic;

namespace VcspGen.Runtime;

/// <summary>
/// What a group remembers for a while of a member that just left (the group with a Fin, or the call with a VoiceFin),
/// so that a repeat of its leave request, whose answer was lost, is answered again (PROTOCOL.md §8.8 step 5, §8.18):
/// the source, the challenge, the request's Sequence and what the answer needs. Oldest first, at most a bound of
/// records, each for a fixed time; expiring allocates nothing.
/// </summary>
/// <param name="capacity">The most records kept; the oldest is forgotten beyond it.</param>
/// <param name="duration">How long a record is kept.</param>
/// <param name="time">The clock.</param>
internal sealed class LingerRecords(int capacity, TimeSpan duration, TimeProvider time)
{
    private readonly List<Record> _records = [];

    /// <summary>Remembers a leave that was answered.</summary>
    /// <param name="source">Who left.</param>
    /// <param name="challenge">The challenge it left with.</param>
    /// <param name="sequence">Its request's Sequence (0 where there is none).</param>
    /// <param name="member">The member that left, for an answer that names it.</param>
    public void Add(in VcspAddress source, ushort challenge, uint sequence, Member? member = null)
    {
        if (_records.Count >= Math.Max(1, capacity))
        {
            _records.RemoveAt(0);
        }

        _records.Add(new Record(source, challenge, sequence, member, time.GetTimestamp()));
    }

    /// <summary>Finds the record of an identical leave request, still kept.</summary>
    /// <param name="source">Its source.</param>
    /// <param name="challenge">Its challenge.</param>
    /// <param name="sequence">Its Sequence.</param>
    /// <param name="member">The member that left, when one was kept.</param>
    /// <returns>Whether the request repeats a leave answered within the linger time.</returns>
    public bool TryFind(in VcspAddress source, ushort challenge, uint sequence, out Member? member)
    {
        var now = time.GetTimestamp();
        foreach (var record in _records)
        {
            if (record.Source == source && record.Challenge == challenge && record.Sequence == sequence && time.GetElapsedTime(record.At, now) < duration)
            {
                member = record.Member;
                return true;
            }
        }

        member = null;
        return false;
    }

    /// <summary>Forgets the records whose time is up.</summary>
    /// <param name="now">The time.</param>
    public void Expire(long now)
    {
        while (_records.Count > 0 && time.GetElapsedTime(_records[0].At, now) >= duration)
        {
            _records.RemoveAt(0);
        }
    }

    /// <summary>How long until the oldest record expires, or null when none is kept.</summary>
    /// <param name="now">The time.</param>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay(long now) => _records.Count == 0 ? null : duration - time.GetElapsedTime(_records[0].At, now);

    private readonly record struct Record(VcspAddress Source, ushort Challenge, uint Sequence, Member? Member, long At);
}
