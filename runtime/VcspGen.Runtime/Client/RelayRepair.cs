using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The holes of a member's relay stream being asked for (PROTOCOL.md §7.5, NACK): one ResendRequest per run of missing
/// relay numbers, at most <see cref="MaxRuns"/> runs at a time, oldest first. A run is fixed when it is first asked
/// for, so each retransmission, on the request schedule (§11.1), is byte-identical; a datagram of its range arriving
/// counts as an answer and starts its tries afresh, and a run of which nothing is missing any more is done. A run is
/// asked for until it comes or the server answers Error Skipped (its holes are then marked lost): the server holds what
/// it relayed until it is acknowledged, so giving up early would lose what could still come.
/// </summary>
internal sealed class RelayRepair
{
    /// <summary>How many runs are asked for at once (PROTOCOL.md §7.5: 4).</summary>
    public const int MaxRuns = 4;

    private readonly ServerLink _link;
    private readonly Run[] _runs = new Run[MaxRuns];

    // The server holds every datagram until it is acknowledged, or says Skipped: so a run is asked for as long as it
    // takes, the wait doubling up to 2 s; a server that is gone is found by the Acks (PROTOCOL.md §7.5, §7.7).
    private readonly RetryPolicy _policy;

    /// <summary>Creates the repair, asking nothing.</summary>
    /// <param name="link">The way to the server.</param>
    public RelayRepair(ServerLink link)
    {
        _link = link;
        _policy = new RetryPolicy(link.Retry.First, MaxTries: int.MaxValue, Cap: TimeSpan.FromSeconds(2));
    }

    /// <summary>How many runs are being asked for.</summary>
    public int ActiveRuns
    {
        get
        {
            var active = 0;
            foreach (ref readonly var run in _runs.AsSpan())
            {
                active += run.Schedule.IsRunning ? 1 : 0;
            }

            return active;
        }
    }

    /// <summary>Asks for nothing more.</summary>
    public void Reset()
    {
        foreach (ref var run in _runs.AsSpan())
        {
            run.Schedule.Stop();
        }
    }

    /// <summary>A datagram of the stream arrived: a run whose range holds it was answered, and its tries count afresh.</summary>
    /// <param name="number">Its relay number.</param>
    public void OnArrived(uint number)
    {
        foreach (ref var run in _runs.AsSpan())
        {
            if (run.Schedule.IsRunning && SerialNumber.Distance(run.First, number) < run.Count)
            {
                run.Schedule.Start(_policy, _link.Time); // nothing is sent now
            }
        }
    }

    /// <summary>
    /// Ends the runs of which nothing is missing any more, and asks for new holes (oldest first) while fewer than
    /// <see cref="MaxRuns"/> runs are out. A hole inside a run already asked for is not asked for again.
    /// </summary>
    /// <param name="stream">The stream.</param>
    public void Update(RelayStream stream)
    {
        var active = 0;
        foreach (ref var run in _runs.AsSpan())
        {
            if (run.Schedule.IsRunning && !AnyMissing(stream, run.First, run.Count))
            {
                run.Schedule.Stop();
            }

            active += run.Schedule.IsRunning ? 1 : 0;
        }

        if (active == MaxRuns || (stream.HeldCount == 0 && stream.SeenEnd == stream.Next))
        {
            return; // nothing to ask for, or no room to ask
        }

        var number = stream.Next;
        var end = stream.ScanEnd;
        while (number != end && active < MaxRuns)
        {
            if (CoveredUntil(number) is { } coveredEnd)
            {
                number = SerialNumber.IsNewer(coveredEnd, end) ? end : coveredEnd;
                continue;
            }

            if (!stream.IsMissing(number))
            {
                number = unchecked(number + 1);
                continue;
            }

            var first = number;
            var count = 0;
            while (number != end && count < Fragmentation.MaxFragments && stream.IsMissing(number) && CoveredUntil(number) is null)
            {
                number = unchecked(number + 1);
                count++;
            }

            Ask(first, count);
            active++;
        }
    }

    /// <summary>Sends the retransmissions that are due; marks the runs given up on as lost in the stream.</summary>
    /// <param name="stream">The stream.</param>
    /// <returns>True when a run was given up (the stream may move on).</returns>
    public bool Poll(RelayStream stream)
    {
        var gaveUp = false;
        foreach (ref var run in _runs.AsSpan())
        {
            switch (run.Schedule.Poll(_link.Time))
            {
                case RetryStep.Send:
                    Send(run);
                    break;
                case RetryStep.GiveUp:
                    stream.MarkLost(run.First, run.Count);
                    gaveUp = true;
                    break;
            }
        }

        return gaveUp;
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is asked for.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay()
    {
        TimeSpan? due = null;
        foreach (ref readonly var run in _runs.AsSpan())
        {
            if (run.Schedule.Delay(_link.Time) is { } delay && (due is not { } earliest || delay < earliest))
            {
                due = delay;
            }
        }

        return due;
    }

    private static bool AnyMissing(RelayStream stream, uint first, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (stream.IsMissing(unchecked(first + (uint)i)))
            {
                return true;
            }
        }

        return false;
    }

    // The end of the active run whose range holds number, or null.
    private uint? CoveredUntil(uint number)
    {
        foreach (ref readonly var run in _runs.AsSpan())
        {
            if (run.Schedule.IsRunning && SerialNumber.Distance(run.First, number) < run.Count)
            {
                return unchecked(run.First + (uint)run.Count);
            }
        }

        return null;
    }

    private void Ask(uint first, int count)
    {
        foreach (ref var run in _runs.AsSpan())
        {
            if (!run.Schedule.IsRunning)
            {
                run.First = first;
                run.Count = count;
                run.Schedule.Start(_policy, _link.Time);
                Send(run);
                return;
            }
        }
    }

    private void Send(in Run run) =>
        _link.Send(new ResendRequest { Challenge = _link.Challenge, Sequence = run.First, Count = (byte)run.Count });

    /// <summary>One run asked for: its range (fixed) and its schedule.</summary>
    private struct Run
    {
        public uint First;
        public int Count;
        public RetransmitSchedule Schedule;
    }
}
