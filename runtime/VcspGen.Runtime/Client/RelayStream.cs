using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A member's relay stream (PROTOCOL.md §7.5, §8.5): the Msg datagrams the server sends it, numbered with its relay
/// number and taken strictly in that order. A datagram that arrives ahead of the next one expected (<see cref="Next"/>)
/// is held, up to <see cref="Capacity"/> ahead, in preallocated slots; the holes below it are asked for by a
/// <see cref="RelayRepair"/>. Whole messages are delivered as they are taken, fragments put together and delivered
/// when the final one is taken (§7.4). What can never come (Error Skipped, a run given up on) is passed over, counted
/// and reported with <see cref="IClientEvents.OnRelayLost"/>. Nothing here allocates per datagram.
/// </summary>
internal sealed class RelayStream
{
    /// <summary>How far ahead of <see cref="Next"/> datagrams are held (PROTOCOL.md §7.5: 256).</summary>
    public const int Capacity = 256;

    private const byte Empty = 0;
    private const byte Held = 1;
    private const byte Lost = 2;

    private readonly IClientEvents _events;
    private readonly byte[] _messageBuffer;
    private readonly byte[] _slots = new byte[Capacity * VcspWire.TextDatagramLimit];
    private readonly byte[] _lengths = new byte[Capacity];
    private readonly uint[] _numbers = new uint[Capacity];
    private readonly byte[] _states = new byte[Capacity];
    private readonly MessageReassembly _reassembly = new();
    private readonly byte[] _openSender = new byte[32];
    private readonly RelayRepair _repair;
    private int _openSenderLength;
    private int _held;
    private int _lostMarks;
    private bool _skipping;
    private uint _skipFrom;
    private uint _skipTo;
    private uint _seenEnd;

    /// <summary>Creates the stream; it takes nothing until <see cref="Start"/>.</summary>
    /// <param name="link">The way to the server, for the ResendRequests.</param>
    /// <param name="events">Where messages and losses are reported.</param>
    /// <param name="messageBuffer">Where a fragmented message is put together: room for the longest.</param>
    public RelayStream(ServerLink link, IClientEvents events, byte[] messageBuffer)
    {
        _events = events;
        _messageBuffer = messageBuffer;
        _repair = new RelayRepair(link);
    }

    /// <summary>Whether the stream's start is known (the server's Ack confirming the join came).</summary>
    public bool Started { get; private set; }

    /// <summary>The next relay number expected, <c>E</c>: every one before it was taken or given up on.</summary>
    public uint Next { get; private set; }

    /// <summary>Datagrams taken since the last Ack told the server where the stream stands (PROTOCOL.md §7.6: an Ack every 32).</summary>
    public int TakenSinceAck { get; set; }

    /// <summary>Relayed datagrams that could not be received: skipped by the server, or asked for 5 times in vain.</summary>
    public long LostDatagrams { get; private set; }

    /// <summary>Messages given up on: cut by lost datagrams, or whose fragments disagree (PROTOCOL.md §7.4).</summary>
    public long AbandonedMessages { get; private set; }

    /// <summary>How many datagrams are held ahead of a hole.</summary>
    public int HeldCount => _held;

    /// <summary>One past the newest relay number the stream knows of (held, seen and dropped, or the server's next).</summary>
    internal uint SeenEnd => _seenEnd;

    /// <summary>The end of the part of the stream where holes are looked for: at most <see cref="Capacity"/> past <see cref="Next"/>.</summary>
    internal uint ScanEnd => SerialNumber.Distance(Next, _seenEnd) > Capacity ? unchecked(Next + Capacity) : _seenEnd;

    /// <summary>Starts the stream at <paramref name="first"/> (the RelayNext of the Ack that confirmed the join); forgets everything before.</summary>
    /// <param name="first">The first relay number.</param>
    public void Start(uint first)
    {
        Reset();
        Started = true;
        Next = first;
        _seenEnd = first;
    }

    /// <summary>Forgets the stream (the session ended): nothing held, nothing asked for.</summary>
    public void Reset()
    {
        Started = false;
        Array.Clear(_states);
        _held = 0;
        _lostMarks = 0;
        _skipping = false;
        TakenSinceAck = 0;
        _reassembly.Reset();
        _repair.Reset();
    }

    /// <summary>A relayed datagram: taken if it is the next, held if it is ahead (and its holes asked for), else dropped.</summary>
    /// <param name="msg">The decoded datagram.</param>
    /// <param name="datagram">The datagram as it came, kept if it has to wait.</param>
    public void OnMsg(in Msg msg, ReadOnlySpan<byte> datagram)
    {
        if (!Started)
        {
            return; // before the start is known: dropped, and asked for later (its hole shows)
        }

        var number = msg.Sequence;
        if (SerialNumber.IsOlder(number, Next) || SerialNumber.IsUndefined(Next, number))
        {
            return; // taken already: a duplicate or a late copy
        }

        _repair.OnArrived(number);
        var ahead = SerialNumber.Distance(Next, number);
        if (SerialNumber.IsNewer(unchecked(number + 1), _seenEnd))
        {
            _seenEnd = unchecked(number + 1);
        }

        if (ahead == 0)
        {
            var slot = (int)(number % Capacity);
            ClearSlot(slot, number);
            Next = unchecked(Next + 1);
            TakenSinceAck++;
            Take(msg);
            TakeInOrder();
        }
        else if (ahead < Capacity)
        {
            var slot = (int)(number % Capacity);
            if (_states[slot] == Held && _numbers[slot] == number)
            {
                return; // held already
            }

            ClearSlot(slot, number);
            datagram.CopyTo(_slots.AsSpan(slot * VcspWire.TextDatagramLimit, VcspWire.TextDatagramLimit));
            _lengths[slot] = (byte)datagram.Length;
            _numbers[slot] = number;
            _states[slot] = Held;
            _held++;
        }

        // Further ahead: dropped; it is asked for once the stream gets there.
        _repair.Update(this);
    }

    /// <summary>
    /// The server's next relay number for this member (its Ack's RelayNext): one newer than <see cref="Next"/> shows
    /// datagrams that were lost at the end of a burst, which are asked for (PROTOCOL.md §8.20).
    /// </summary>
    /// <param name="serverNext">The number of the next Msg the server will send.</param>
    public void OnServerNext(uint serverNext)
    {
        if (Started && SerialNumber.IsNewer(serverNext, _seenEnd) && SerialNumber.Distance(Next, serverNext) < int.MaxValue)
        {
            _seenEnd = serverNext;
            _repair.Update(this);
        }
    }

    /// <summary>
    /// Error Skipped (PROTOCOL.md §7.5, §8.6): the server no longer holds the datagrams from <paramref name="first"/> up
    /// to <paramref name="resume"/> for this member. They are passed over when the stream gets there, counted and
    /// reported, and the message they cut is dropped.
    /// </summary>
    /// <param name="first">The first relay number lost.</param>
    /// <param name="resume">The next relay number the server can deliver.</param>
    public void OnSkipped(uint first, uint resume)
    {
        if (!Started || !SerialNumber.IsNewer(resume, Next))
        {
            return;
        }

        var from = SerialNumber.IsOlder(first, Next) ? Next : first;
        if (!SerialNumber.IsNewer(resume, from))
        {
            return;
        }

        if (_skipping)
        {
            _skipFrom = SerialNumber.IsOlder(from, _skipFrom) ? from : _skipFrom;
            _skipTo = SerialNumber.IsNewer(resume, _skipTo) ? resume : _skipTo;
        }
        else
        {
            _skipping = true;
            _skipFrom = from;
            _skipTo = resume;
        }

        if (SerialNumber.IsNewer(resume, _seenEnd))
        {
            _seenEnd = resume;
        }

        TakeInOrder();
        _repair.Update(this);
    }

    /// <summary>Asks again for the runs that are due, and gives up on those asked for 5 times in vain.</summary>
    public void Poll()
    {
        if (Started && _repair.Poll(this))
        {
            TakeInOrder();
            _repair.Update(this);
        }
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is asked for.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay() => _repair.Delay();

    /// <summary>Whether <paramref name="number"/> is a hole: expected, within reach, and neither held nor given up on.</summary>
    /// <param name="number">A relay number.</param>
    /// <returns>True when it should be asked for.</returns>
    internal bool IsMissing(uint number)
    {
        if (!SerialNumber.IsNewer(ScanEnd, number) || SerialNumber.IsOlder(number, Next))
        {
            return false;
        }

        var slot = (int)(number % Capacity);
        if (_states[slot] != Empty && _numbers[slot] == number)
        {
            return false;
        }

        return !(_skipping && !SerialNumber.IsOlder(number, _skipFrom) && SerialNumber.IsOlder(number, _skipTo));
    }

    /// <summary>Gives up on the holes in <c>[first, first + count)</c>: they are passed over, and counted, when the stream gets there.</summary>
    /// <param name="first">The run's first relay number.</param>
    /// <param name="count">Its length.</param>
    internal void MarkLost(uint first, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var number = unchecked(first + (uint)i);
            if (IsMissing(number))
            {
                var slot = (int)(number % Capacity);
                _numbers[slot] = number;
                _states[slot] = Lost;
                _lostMarks++;
            }
        }
    }

    private void ClearSlot(int slot, uint number)
    {
        if (_numbers[slot] != number || _states[slot] == Empty)
        {
            return;
        }

        if (_states[slot] == Held)
        {
            _held--;
        }
        else
        {
            _lostMarks--; // it came after all
        }

        _states[slot] = Empty;
    }

    // Takes every held datagram from Next on while they are consecutive, passing over what was given up on.
    private void TakeInOrder()
    {
        long lost = 0;
        while (true)
        {
            var slot = (int)(Next % Capacity);
            var here = _numbers[slot] == Next ? _states[slot] : Empty;
            if (here == Held)
            {
                _states[slot] = Empty;
                _held--;
                Next = unchecked(Next + 1);
                TakenSinceAck++;
                var decoded = Msg.TryDecode(_slots.AsSpan(slot * VcspWire.TextDatagramLimit, _lengths[slot]), out var msg);
                if (decoded == VcspDecodeStatus.Ok)
                {
                    Take(msg);
                }
            }
            else if (here == Lost)
            {
                _states[slot] = Empty;
                _lostMarks--;
                lost++;
                Cut();
                Next = unchecked(Next + 1);
            }
            else if (_skipping && !SerialNumber.IsOlder(Next, _skipFrom) && SerialNumber.IsOlder(Next, _skipTo))
            {
                Cut();
                if (_held == 0 && _lostMarks == 0)
                {
                    lost += SerialNumber.Distance(Next, _skipTo); // nothing held in between: pass over it at once
                    Next = _skipTo;
                }
                else
                {
                    lost++;
                    Next = unchecked(Next + 1);
                }
            }
            else
            {
                break;
            }

            if (_skipping && !SerialNumber.IsOlder(Next, _skipTo))
            {
                _skipping = false;
            }
        }

        if (SerialNumber.IsOlder(_seenEnd, Next))
        {
            _seenEnd = Next;
        }

        if (lost > 0)
        {
            LostDatagrams += lost;
            _events.OnRelayLost(lost);
        }
    }

    // One datagram taken in order: a whole message is delivered, a fragment added to the message being put together.
    private void Take(in Msg msg)
    {
        var offset = msg.FragmentOffset;
        if (offset == VcspWire.WholeMessage)
        {
            Cut();
            _events.OnMessage(msg.Sender, msg.Data);
            return;
        }

        if (offset == 1)
        {
            Cut();
            _reassembly.Open(msg.Sequence);
            msg.Sender.CopyTo(_openSender);
            _openSenderLength = msg.Sender.Length;
        }
        else if (!_reassembly.IsOpen)
        {
            return; // the rest of a message whose start was lost (and reported)
        }
        else if (!msg.Sender.SequenceEqual(_openSender.AsSpan(0, _openSenderLength)))
        {
            Cut(); // the fragments disagree on their sender (PROTOCOL.md §7.2)
            return;
        }

        switch (_reassembly.Add(msg.Sequence, offset, msg.Data))
        {
            case ReassemblyResult.Complete:
                var length = _reassembly.CopyTo(_messageBuffer);
                _reassembly.Reset();
                _events.OnMessage(_openSender.AsSpan(0, _openSenderLength), _messageBuffer.AsSpan(0, length));
                break;
            case ReassemblyResult.Inconsistent or ReassemblyResult.TooLong or ReassemblyResult.Duplicate or ReassemblyResult.Early:
                Cut(); // in order, none of these can happen to a well-formed message
                break;
        }
    }

    // The message being put together cannot be completed: dropped and counted.
    private void Cut()
    {
        if (_reassembly.IsOpen)
        {
            _reassembly.Reset();
            AbandonedMessages++;
        }
    }
}
