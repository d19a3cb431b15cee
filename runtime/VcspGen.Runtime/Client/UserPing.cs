using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The user's PING (PROTOCOL.md §8.14, §11.8): one Ping in flight, whose Sequence is the member's next group sequence,
/// so that its Pong also confirms that the server has every Syn before it. Retransmitted on the request schedule; an
/// Error OutOfOrder in its stead (the member resends) starts its tries afresh. A Ping that is never answered is given
/// up quietly: the Acks, not the Ping, tell whether the server is there (§7.6, §7.7).
/// </summary>
internal sealed class UserPing
{
    private readonly ServerLink _link;
    private readonly OutgoingWindow _window;
    private RetransmitSchedule _schedule;
    private uint _sequence;
    private bool _heard;
    private uint _progress;

    /// <summary>Creates the ping.</summary>
    /// <param name="link">The way to the server.</param>
    /// <param name="window">The member's upstream, whose next sequence the Ping carries.</param>
    public UserPing(ServerLink link, OutgoingWindow window)
    {
        _link = link;
        _window = window;
    }

    /// <summary>Whether a Ping is in flight.</summary>
    public bool IsOut => _schedule.IsRunning;

    /// <summary>The Sequence of the Ping in flight.</summary>
    public uint Sequence => _sequence;

    /// <summary>No Ping is out any more (the session ended or joined again).</summary>
    public void Reset() => _schedule.Stop();

    /// <summary>Sends a Ping, unless one is in flight already (its Pong answers this one too).</summary>
    public void Ping()
    {
        if (IsOut)
        {
            return;
        }

        _heard = false;
        _sequence = _window.Next;
        _schedule.Start(_link.Retry, _link.Time);
        SendPing();
    }

    /// <summary>The server expects <paramref name="expected"/> (Error OutOfOrder): while it makes progress, the Ping is asked again at the first pace.</summary>
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
    /// <returns>The round trip, measured with the Timestamp the Pong echoes.</returns>
    public TimeSpan OnPong(in Pong pong)
    {
        _schedule.Stop();
        return _link.Time.GetElapsedTime((long)pong.Timestamp);
    }

    /// <summary>Retransmits the Ping when due; after the last try it is given up.</summary>
    public void Poll()
    {
        if (_schedule.Poll(_link.Time) == RetryStep.Send)
        {
            SendPing();
        }
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when no Ping is out.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay() => _schedule.Delay(_link.Time);

    private void SendPing() =>
        _link.Send(new Ping { Challenge = _link.Challenge, Sequence = _sequence, Timestamp = (ulong)_link.Time.GetTimestamp() });
}
