using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// One stream of a sender's relayed messages (PROTOCOL.md §7.5: one membership, one sequence space): the next
/// sequence expected, the message being put together, and the run of datagrams being asked for with a ResendRequest,
/// retransmitted on the request schedule.
/// </summary>
internal sealed class RelayedStream
{
    private readonly ServerLink _link;
    private RetransmitSchedule _asking;
    private int _needCount;

    /// <summary>Creates an empty stream.</summary>
    /// <param name="link">The way to the server, for the ResendRequests.</param>
    public RelayedStream(ServerLink link) => _link = link;

    /// <summary>The next sequence expected, or null before the stream knows where it is.</summary>
    public uint? Expected { get; set; }

    /// <summary>Where this stream is: the next sequence expected, or while probing the newest datagram heard; null when it has lost its place.</summary>
    public uint? Current => Expected ?? (Probing ? NeedUpTo : null);

    /// <summary>Whether the session asked (or is asking) where this sender's stream begins.</summary>
    public bool Probed { get; set; }

    /// <summary>Whether the answer to that question is awaited: datagrams are dropped meanwhile, and fetched after.</summary>
    public bool Probing { get; set; }

    /// <summary>The message being put together.</summary>
    public MessageReassembly Reassembly { get; } = new();

    /// <summary>When a datagram of this stream was last heard (a timestamp).</summary>
    public long LastHeard { get; set; }

    /// <summary>Whether a ResendRequest is outstanding.</summary>
    public bool Asking => _asking.IsRunning;

    /// <summary>The first sequence asked for.</summary>
    public uint NeedFrom { get; private set; }

    /// <summary>The newest datagram seen and dropped while asking: the run asked for reaches it.</summary>
    public uint NeedUpTo { get; set; }

    /// <summary>Asks the server for <paramref name="count"/> relayed datagrams from <paramref name="first"/>, unless already asking.</summary>
    /// <param name="first">The first sequence wanted.</param>
    /// <param name="count">How many (clamped to 1 to 255).</param>
    public void Want(uint first, long count)
    {
        var clamped = (int)Math.Clamp(count, 1, Fragmentation.MaxFragments);
        if (Asking && NeedFrom == first)
        {
            _needCount = Math.Max(_needCount, clamped); // already asked: the schedule asks again, for all of it
            return;
        }

        NeedFrom = first;
        _needCount = clamped;
        _asking.Start(_link.Retry, _link.Time);
        Ask();
    }

    /// <summary>What the ResendRequest's schedule says now; a retransmission is sent here.</summary>
    /// <returns><see cref="RetryStep.Wait"/> when not asking or not due, <see cref="RetryStep.GiveUp"/> after the last try.</returns>
    public RetryStep PollAsking()
    {
        var step = _asking.Poll(_link.Time);
        if (step == RetryStep.Send)
        {
            Ask();
        }

        return step;
    }

    /// <summary>How long until the next ResendRequest is due, or null when not asking.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? AskDelay() => _asking.Delay(_link.Time);

    /// <summary>The run asked for came (or is no longer wanted): no more ResendRequests for it.</summary>
    public void StopAsking() => _asking.Stop();

    /// <summary>Loses the stream's place: the message being put together, what is expected and what is asked for.</summary>
    public void Forget()
    {
        Reassembly.Reset();
        Expected = null;
        _asking.Stop();
        Probing = false;
    }

    private void Ask() =>
        _link.Send(new ResendRequest { Challenge = _link.Challenge, Sequence = NeedFrom, Count = (byte)_needCount });
}
