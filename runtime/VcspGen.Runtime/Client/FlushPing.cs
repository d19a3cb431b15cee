using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The one Ping in flight (PROTOCOL.md §7.6, §8.14): a user's PING, or the flush after the member has been quiet, whose
/// Sequence is the member's next group sequence, so that its Pong confirms that the server has every Syn before it.
/// Retransmitted on the request schedule; while the server answers with Errors whose Expected advances, at the first
/// pace. Five tries with Errors but no progress: stop asking until the next message. Five with nothing: the server is gone.
/// </summary>
internal sealed class FlushPing
{
    private readonly ServerLink _link;
    private readonly OutgoingWindow _window;
    private readonly TimeSpan _flushAfter;
    private RetransmitSchedule _schedule;
    private bool _userPing;
    private uint _sequence;
    private bool _heard;
    private uint _progress;
    private uint _confirmed;

    /// <summary>Creates the flush.</summary>
    /// <param name="link">The way to the server.</param>
    /// <param name="window">The member's outgoing stream, whose next sequence the Ping carries.</param>
    /// <param name="flushAfter">How long the member is quiet before the flush.</param>
    public FlushPing(ServerLink link, OutgoingWindow window, TimeSpan flushAfter)
    {
        _link = link;
        _window = window;
        _flushAfter = flushAfter;
    }

    /// <summary>Whether a Ping is in flight.</summary>
    public bool IsOut => _schedule.IsRunning;

    /// <summary>The Sequence of the Ping in flight.</summary>
    public uint Sequence => _sequence;

    /// <summary>The member joined: everything so far counts as confirmed, and no Ping is out.</summary>
    public void Reset()
    {
        _confirmed = _window.Next;
        _schedule.Stop();
        _userPing = false;
    }

    /// <summary>A user's PING: its Pong is reported. Joins the Ping already in flight, if any.</summary>
    public void Ping()
    {
        _userPing = true;
        if (!IsOut)
        {
            Start();
        }
    }

    /// <summary>
    /// The server expects <paramref name="expected"/> (Error OutOfOrder): while it makes progress, the Ping is asked
    /// again at the first pace.
    /// </summary>
    /// <param name="expected">The server's Expected.</param>
    public void OnOutOfOrder(uint expected)
    {
        if (IsOut && (!_heard || SerialNumber.IsNewer(expected, _progress)))
        {
            _heard = true;
            _progress = expected;
            _schedule.Start(_link.Retry, _link.Time); // the tries count afresh from this answer; nothing is sent now
        }
    }

    /// <summary>The Pong to the Ping in flight (the caller checked its Sequence).</summary>
    /// <param name="pong">The Pong.</param>
    /// <param name="roundTrip">The round trip, for a user's PING.</param>
    /// <returns>True when it answers a user's PING, to be reported.</returns>
    public bool OnPong(in Pong pong, out TimeSpan roundTrip)
    {
        _schedule.Stop();
        _confirmed = pong.Sequence;
        roundTrip = default;
        if (!_userPing)
        {
            return false;
        }

        _userPing = false;
        roundTrip = _link.Time.GetElapsedTime((long)pong.Timestamp);
        return true;
    }

    /// <summary>Retransmits the Ping when due, or starts the flush once the member has been quiet.</summary>
    /// <param name="now">The current timestamp.</param>
    /// <returns>False when the server did not answer at all: the session ends.</returns>
    public bool Poll(long now)
    {
        if (IsOut)
        {
            switch (_schedule.Poll(_link.Time))
            {
                case RetryStep.Send:
                    SendPing();
                    break;
                case RetryStep.GiveUp when !_heard:
                    return false;
                case RetryStep.GiveUp:
                    // The server answers, but not yet with a Pong: stop asking until the next message.
                    _confirmed = _window.Next;
                    _userPing = false;
                    break;
            }
        }
        else if (_confirmed != _window.Next && _link.Time.GetElapsedTime(_window.LastSentAt, now) >= _flushAfter)
        {
            Start();
        }

        return true;
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is outstanding.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay()
    {
        if (IsOut)
        {
            return _schedule.Delay(_link.Time);
        }

        if (_confirmed == _window.Next)
        {
            return null;
        }

        var left = _flushAfter - _link.Time.GetElapsedTime(_window.LastSentAt);
        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    private void Start()
    {
        _heard = false;
        _sequence = _window.Next;
        _schedule.Start(_link.Retry, _link.Time);
        SendPing();
    }

    private void SendPing() =>
        _link.Send(new Ping { Challenge = _link.Challenge, Sequence = _sequence, Timestamp = (ulong)_link.Time.GetTimestamp() });
}
