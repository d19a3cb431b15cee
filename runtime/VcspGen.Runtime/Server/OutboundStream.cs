using System;
using System.Collections.Generic;

namespace VcspGen.Runtime;

/// <summary>
/// A member's relay stream (PROTOCOL.md §7.5, §7.6): the relay numbers of the Msg datagrams the group sent it, which
/// log position each one is, and how far it acknowledged. Its numbers are consecutive, but the log positions skip the
/// member's own messages, so the mapping is kept as runs: each run is a number and the position it stands for, and the
/// numbers after it stand for the positions after it. Runs older than the log are forgotten, so the memory is bounded
/// by the log.
/// </summary>
/// <param name="start">The member's first relay number, drawn at random.</param>
/// <param name="startPosition">The log position its stream starts at.</param>
internal sealed class OutboundStream(uint start, long startPosition)
{
    private readonly Queue<Run> _runs = new();
    private Run _last = new(start, startPosition);
    private bool _any;

    /// <summary>The relay number the next Msg sent to the member carries.</summary>
    public uint Next { get; private set; } = start;

    /// <summary>The next relay number the member expects: it acknowledged every one before it.</summary>
    public uint Acknowledged { get; private set; } = start;

    /// <summary>The log position the next Msg sent to it would be if nothing of its own came between.</summary>
    public long NextPosition { get; private set; } = startPosition;

    /// <summary>When its acknowledged number last moved (or the stream started).</summary>
    public long ProgressAt { get; set; }

    /// <summary>When the newest Msg went to it.</summary>
    public long LastSentAt { get; set; }

    /// <summary>Whether everything sent to it was acknowledged.</summary>
    public bool IsCaughtUp => Acknowledged == Next;

    /// <summary>Takes the next relay number for the datagram at <paramref name="position"/>.</summary>
    /// <param name="position">The datagram's log position.</param>
    /// <returns>Its relay number in this stream.</returns>
    public uint Assign(long position)
    {
        if (!_any || position != NextPosition)
        {
            if (_any)
            {
                _runs.Enqueue(_last);
            }

            _last = new Run(Next, position);
            _any = true;
        }

        var number = Next;
        Next = unchecked(Next + 1);
        NextPosition = position + 1;
        return number;
    }

    /// <summary>The log position relay number <paramref name="number"/> stands for.</summary>
    /// <param name="number">A relay number sent to the member.</param>
    /// <param name="position">Its position.</param>
    /// <returns>False when the number was never sent, or is older than every run kept.</returns>
    public bool TryPositionOf(uint number, out long position)
    {
        position = 0;
        if (!_any || !SerialNumber.IsOlder(number, Next))
        {
            return false;
        }

        if (!SerialNumber.IsOlder(number, _last.Number))
        {
            position = _last.Position + SerialNumber.Distance(_last.Number, number);
            return true;
        }

        // Older runs, newest first; the number belongs to the newest run that starts at or before it.
        Run? found = null;
        foreach (var run in _runs)
        {
            if (!SerialNumber.IsOlder(number, run.Number))
            {
                found = run;
            }
        }

        if (found is not { } r)
        {
            return false;
        }

        position = r.Position + SerialNumber.Distance(r.Number, number);
        return true;
    }

    /// <summary>The oldest log position the member still holds back: the one of its first unacknowledged number.</summary>
    /// <param name="logNext">The log's next position, returned when it is caught up.</param>
    /// <returns>The position.</returns>
    public long HoldPosition(long logNext) => IsCaughtUp || !TryPositionOf(Acknowledged, out var position) ? logNext : position;

    /// <summary>The member acknowledged every number before <paramref name="relayNext"/> (an older or impossible value is ignored).</summary>
    /// <param name="relayNext">Its Ack's RelayNext.</param>
    /// <param name="now">The time.</param>
    /// <returns>Whether its acknowledged number moved.</returns>
    public bool Acknowledge(uint relayNext, long now)
    {
        if (!SerialNumber.IsNewer(relayNext, Acknowledged) || SerialNumber.IsNewer(relayNext, Next))
        {
            return false;
        }

        Acknowledged = relayNext;
        ProgressAt = now;
        return true;
    }

    /// <summary>Forgets runs that end before <paramref name="oldest"/>, the log's oldest position.</summary>
    /// <param name="oldest">The oldest position the log holds.</param>
    public void Trim(long oldest)
    {
        while (_runs.Count > 0)
        {
            var first = _runs.Peek();
            var next = _runs.Count > 1 ? PeekSecond() : _last;
            var firstEnd = first.Position + SerialNumber.Distance(first.Number, next.Number);
            if (firstEnd > oldest)
            {
                return;
            }

            _runs.Dequeue();
        }
    }

    private Run PeekSecond()
    {
        using var e = _runs.GetEnumerator();
        e.MoveNext();
        e.MoveNext();
        return e.Current;
    }

    /// <summary>A run of consecutive relay numbers and the consecutive log positions they stand for.</summary>
    private readonly record struct Run(uint Number, long Position);
}
