using System;

namespace VcspGen.Runtime;

/// <summary>
/// When a lost membership is tried again (PROTOCOL.md §7.7): after 1 s, then 2, 4, 8, 16 and 30 s between tries, and
/// then every 30 s, until a join succeeds or the user stops it. Time comes from the owner's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class Rejoiner
{
    private static readonly TimeSpan[] Backoff =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4),
        TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16), TimeSpan.FromSeconds(30),
    ];

    private readonly TimeProvider _time;
    private long _dueAt;
    private bool _waiting;

    /// <summary>Creates the schedule, not rejoining.</summary>
    /// <param name="time">The clock.</param>
    public Rejoiner(TimeProvider time) => _time = time;

    /// <summary>Whether a lost membership is being rejoined (waiting for the next try, or trying).</summary>
    public bool Active => Attempt > 0;

    /// <summary>The number of the next or current try, from 1; 0 when not rejoining.</summary>
    public int Attempt { get; private set; }

    /// <summary>Schedules the next try (the first after the loss, or the next after a failed one).</summary>
    /// <returns>How long until it.</returns>
    public TimeSpan ScheduleNext()
    {
        var delay = Backoff[Math.Min(Attempt, Backoff.Length - 1)];
        Attempt++;
        _waiting = true;
        _dueAt = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
        return delay;
    }

    /// <summary>Whether the try is due now; if so, it counts as started.</summary>
    /// <returns>True when the owner should join now.</returns>
    public bool TakeDue()
    {
        if (!_waiting || _time.GetTimestamp() < _dueAt)
        {
            return false;
        }

        _waiting = false;
        return true;
    }

    /// <summary>Rejoined, or the user ended it: no more tries.</summary>
    public void Stop()
    {
        Attempt = 0;
        _waiting = false;
    }

    /// <summary>How long until the next try is due, or null when none waits.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay()
    {
        if (!_waiting)
        {
            return null;
        }

        var left = _time.GetElapsedTime(_time.GetTimestamp(), _dueAt);
        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }
}
