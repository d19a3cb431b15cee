using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A member's Acks (PROTOCOL.md §7.6, §8.20) and what the server's Acks say. It sends an Ack: to confirm the join
/// (with ReplyRequested, §8.1 step 6); after every <see cref="AckEvery"/> relayed datagrams taken; and as the keepalive
/// when nothing went to the server for the keepalive interval, with ReplyRequested when Syn datagrams are not
/// acknowledged yet or the server has been silent for twice the interval. An Ack with ReplyRequested is retransmitted
/// on the request schedule until the server's Ack comes; after the last try the server is gone (§7.7). The server's
/// Ack confirms the join (its RelayNext starts the relay stream), acknowledges Syn datagrams and opens the window.
/// </summary>
internal sealed class LinkAcks
{
    /// <summary>Relayed datagrams taken between two Acks (PROTOCOL.md §7.6: 32).</summary>
    public const int AckEvery = 32;

    /// <summary>The Window a member's Ack carries: how many relayed datagrams past RelayNext it can hold (informative).</summary>
    public const ushort RelayWindow = RelayStream.Capacity;

    private readonly ServerLink _link;
    private readonly OutgoingWindow _window;
    private readonly RelayStream _relay;
    private readonly TimeSpan _keepalive;
    private RetransmitSchedule _reply;
    private long _lastHeardAt;
    private long _replyStartedAt;

    /// <summary>Creates the Acks.</summary>
    /// <param name="link">The way to the server.</param>
    /// <param name="window">The member's upstream (the Acks' Sequence, the server's acknowledgements).</param>
    /// <param name="relay">The member's relay stream (the Acks' RelayNext).</param>
    /// <param name="keepalive">The keepalive interval.</param>
    public LinkAcks(ServerLink link, OutgoingWindow window, RelayStream relay, TimeSpan keepalive)
    {
        _link = link;
        _window = window;
        _relay = relay;
        _keepalive = keepalive;
    }

    /// <summary>Whether the join's confirmation is out and its answer awaited.</summary>
    public bool Confirming { get; private set; }

    /// <summary>Whether an Ack with ReplyRequested is out, its answer awaited.</summary>
    public bool AwaitingReply => _reply.IsRunning;

    /// <summary>Something came from the server: it is there.</summary>
    public void Heard() => _lastHeardAt = _link.Time.GetTimestamp();

    /// <summary>Sends the join's confirmation, the Ack with the challenge of the Response (PROTOCOL.md §8.1, step 6).</summary>
    public void Confirm()
    {
        Confirming = true;
        Heard();
        SendRequesting();
    }

    /// <summary>No Ack is out any more (the session ended).</summary>
    public void Reset()
    {
        Confirming = false;
        _reply.Stop();
    }

    /// <summary>
    /// The server's Ack (the caller checked its challenge): it answers the Ack with ReplyRequested, confirms the join
    /// if that was awaited (its RelayNext starts the relay stream), and acknowledges Syn datagrams and opens the window.
    /// </summary>
    /// <param name="ack">The Ack.</param>
    /// <returns>True when it confirmed the join.</returns>
    public bool OnServerAck(in Ack ack)
    {
        _reply.Stop();
        var confirmed = Confirming;
        if (Confirming)
        {
            Confirming = false;
            _relay.Start(ack.RelayNext);
        }
        else
        {
            _relay.OnServerNext(ack.RelayNext);
        }

        _window.OnAck(ack.Sequence, ack.Window);
        return confirmed;
    }

    /// <summary>After relayed datagrams were taken: an Ack once <see cref="AckEvery"/> were taken since the last.</summary>
    public void AfterRelay()
    {
        if (_relay.TakenSinceAck >= AckEvery)
        {
            SendAck(AckFlags.None);
        }
    }

    /// <summary>Retransmits the Ack with ReplyRequested when due, or sends the keepalive when nothing went to the server for the interval.</summary>
    /// <returns>False when the Ack with ReplyRequested went unanswered after the last try: the server is gone.</returns>
    public bool Poll()
    {
        if (_reply.IsRunning)
        {
            switch (_reply.Poll(_link.Time))
            {
                case RetryStep.Send:
                    SendAck(AckFlags.ReplyRequested);
                    break;
                case RetryStep.GiveUp when _link.Time.GetElapsedTime(_lastHeardAt) < _link.Time.GetElapsedTime(_replyStartedAt):
                    // Unanswered, but the server was heard meanwhile (relayed messages, Errors): it is there, only this
                    // Ack or its answer was lost, as under load. Ask again (PROTOCOL.md §7.7: gone means silent).
                    SendRequesting();
                    break;
                case RetryStep.GiveUp:
                    return false;
            }

            return true;
        }

        // A window that stays closed while messages wait: the Ack that would open it may have been lost, so it is asked
        // for after the first retransmission timeout (TCP's persist timer), not only at the keepalive.
        var quiet = _link.Time.GetElapsedTime(_link.LastSentAt);
        if (!Confirming && _window.QueueLength > 0 && quiet >= _link.Retry.First)
        {
            SendRequesting();
            return true;
        }

        if (Confirming || quiet < _keepalive)
        {
            return true;
        }

        if (_window.HasUnacknowledged || _link.Time.GetElapsedTime(_lastHeardAt) >= _keepalive * 2)
        {
            SendRequesting();
        }
        else
        {
            SendAck(AckFlags.None);
        }

        return true;
    }

    /// <summary>How long until <see cref="Poll"/> has work.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan Delay()
    {
        if (_reply.Delay(_link.Time) is { } retry)
        {
            return retry;
        }

        var left = (!Confirming && _window.QueueLength > 0 ? _link.Retry.First : _keepalive) - _link.Time.GetElapsedTime(_link.LastSentAt);
        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    private void SendRequesting()
    {
        _replyStartedAt = _link.Time.GetTimestamp();
        _reply.Start(_link.Retry, _link.Time);
        SendAck(AckFlags.ReplyRequested);
    }

    private void SendAck(AckFlags flags)
    {
        _link.Send(new Ack
        {
            Challenge = _link.Challenge,
            Sequence = _window.Next,
            RelayNext = _relay.Started ? _relay.Next : 0,
            Window = RelayWindow,
            Flags = flags,
        });
        _relay.TakenSinceAck = 0;
    }
}
