using System;

namespace VcspGen.Runtime;

/// <summary>What <see cref="RetransmitSchedule.Poll"/> says to do now.</summary>
internal enum RetryStep
{
    /// <summary>Nothing is due.</summary>
    Wait,

    /// <summary>Send the request again (the schedule has counted the try).</summary>
    Send,

    /// <summary>The last try went unanswered, or the time limit passed: the request has failed and the schedule stopped.</summary>
    GiveUp,
}

/// <summary>
/// How a request that expects an answer is retried: the first wait, doubling after each try up to an optional cap,
/// until a number of tries or a time limit. One type for every such request: a join, FIN, command, Ping or
/// ResendRequest (PROTOCOL.md §11.1: 250 ms doubling, 5 tries), a VoiceJoin or VoiceFin, and the SIP transactions
/// (RFC 3261 §17: Timer A/B for an INVITE, E/F for other requests, G/H for a 2xx answer until its ACK).
/// </summary>
/// <param name="First">The wait after the first send.</param>
/// <param name="MaxTries">How many sends in all before giving up (the first included).</param>
/// <param name="Cap">The longest wait between two sends, or null for none.</param>
/// <param name="GiveUpAfter">The time limit from the first send, or null for none.</param>
/// <param name="Retransmits">False over a reliable transport (SIP over TCP): only the time limit runs.</param>
internal readonly record struct RetryPolicy(TimeSpan First, int MaxTries = int.MaxValue, TimeSpan? Cap = null, TimeSpan? GiveUpAfter = null, bool Retransmits = true)
{
    /// <summary>A VCSP request (PROTOCOL.md §11.1): <paramref name="first"/>, doubling, <paramref name="maxTries"/> sends.</summary>
    public static RetryPolicy Request(TimeSpan first, int maxTries) => new(first, maxTries);
}

/// <summary>
/// The state of one request's retransmissions under a <see cref="RetryPolicy"/>. The owner sends the first copy when it
/// calls <see cref="Start"/>, and another whenever <see cref="Poll"/> says <see cref="RetryStep.Send"/>. Time comes from
/// the owner's <see cref="TimeProvider"/>, so a manual clock drives it exactly. A mutable struct: keep it in a field.
/// </summary>
internal struct RetransmitSchedule
{
    private RetryPolicy _policy;
    private TimeSpan _interval;
    private long _nextAt;
    private long _giveUpAt;

    /// <summary>Whether a request is outstanding.</summary>
    public readonly bool IsRunning => Tries > 0;

    /// <summary>How many times the request was sent (0 when none is outstanding).</summary>
    public int Tries { get; private set; }

    /// <summary>Starts the schedule: the caller sends the first copy now.</summary>
    /// <param name="policy">How to retry.</param>
    /// <param name="time">The clock.</param>
    public void Start(in RetryPolicy policy, TimeProvider time)
    {
        var now = time.GetTimestamp();
        _policy = policy;
        _interval = policy.First;
        Tries = 1;
        _giveUpAt = policy.GiveUpAfter is { } limit ? now + Ticks(limit, time) : long.MaxValue;
        _nextAt = policy.Retransmits ? now + Ticks(_interval, time) : long.MaxValue;
    }

    /// <summary>Stops the schedule: the answer came, or the request was abandoned.</summary>
    public void Stop() => Tries = 0;

    /// <summary>No more retransmissions, and a new time limit from now (a SIP provisional response, RFC 3261 §17.1.1.2).</summary>
    /// <param name="limit">How long to wait for the final answer.</param>
    /// <param name="time">The clock.</param>
    public void StopRetransmitting(TimeSpan limit, TimeProvider time)
    {
        if (IsRunning)
        {
            _nextAt = long.MaxValue;
            _giveUpAt = time.GetTimestamp() + Ticks(limit, time);
        }
    }

    /// <summary>What is due now: nothing, a retransmission (counted), or giving up (the schedule stops).</summary>
    /// <param name="time">The clock.</param>
    /// <returns>The step to take.</returns>
    public RetryStep Poll(TimeProvider time)
    {
        if (!IsRunning)
        {
            return RetryStep.Wait;
        }

        var now = time.GetTimestamp();
        if (now >= _giveUpAt || (now >= _nextAt && Tries >= _policy.MaxTries))
        {
            Tries = 0;
            return RetryStep.GiveUp;
        }

        if (now < _nextAt)
        {
            return RetryStep.Wait;
        }

        Tries++;
        _interval = _policy.Cap is { } cap && _interval * 2 > cap ? cap : _interval * 2;
        _nextAt = now + Ticks(_interval, time);
        return RetryStep.Send;
    }

    /// <summary>How long until <see cref="Poll"/> has something to do, or null when nothing is outstanding.</summary>
    /// <param name="time">The clock.</param>
    /// <returns>The delay; zero when due now.</returns>
    public readonly TimeSpan? Delay(TimeProvider time)
    {
        if (!IsRunning)
        {
            return null;
        }

        var due = Math.Min(_nextAt, _giveUpAt);
        return due == long.MaxValue ? null : TimeSpan.FromSeconds(Math.Max(0, due - time.GetTimestamp()) / (double)time.TimestampFrequency);
    }

    private static long Ticks(TimeSpan span, TimeProvider time) => (long)(span.TotalSeconds * time.TimestampFrequency);
}
