using System;
using System.Buffers;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A member's upstream (PROTOCOL.md §7.6, §8.4): its group sequence counter; the Syn datagrams the server has not
/// acknowledged, held so that a ResendRequest (§8.7) or an Error OutOfOrder (§8.6) is answered by sending them again
/// unchanged; and flow control. A Syn goes out only below the limit of the server's newest Ack (its Sequence plus its
/// Window; before any Ack, 64 from the first Syn). A message that does not fit waits, whole or in part, in a bounded
/// send queue of <see cref="QueueCapacity"/> messages, and goes out as Acks open the window; when the queue is full,
/// <see cref="TrySend"/> refuses (back-pressure).
/// </summary>
internal sealed class OutgoingWindow
{
    /// <summary>How many messages wait at most for the window (PROTOCOL.md §7.6: our client, 64).</summary>
    public const int QueueCapacity = 64;

    /// <summary>The window before the server's first Ack (PROTOCOL.md §7.6: 64 from the first Syn).</summary>
    public const int InitialWindow = 64;

    private const int HeldSlots = 256;

    // The queue's ring: room for a full queue and, after a lost membership, every message carried over (Restart).
    private const int RingSize = QueueCapacity + HeldSlots;

    // A second OutOfOrder with the same Expected within this time is not answered: the first resend is on its way.
    private static readonly TimeSpan ResendQuiet = TimeSpan.FromMilliseconds(250);

    private readonly ServerLink _link;
    private readonly int _chunk;
    private readonly byte[][] _held = new byte[HeldSlots][];
    private readonly int[] _heldLength = new int[HeldSlots];
    private readonly uint[] _heldSequence = new uint[HeldSlots];
    private readonly Queued[] _queue = new Queued[RingSize];
    private int _queueHead;
    private uint _limit;
    private uint _reservedEnd;
    private uint _lastErrorExpected;
    private long? _lastErrorAt;

    /// <summary>Creates the window.</summary>
    /// <param name="link">The way to the server.</param>
    /// <param name="chunk">Data bytes per Syn (PROTOCOL.md §7.3).</param>
    public OutgoingWindow(ServerLink link, int chunk)
    {
        _link = link;
        _chunk = chunk;
        for (var i = 0; i < HeldSlots; i++)
        {
            _held[i] = new byte[VcspWire.TextDatagramLimit];
        }
    }

    /// <summary>The next group sequence: the one the next Syn sent takes.</summary>
    public uint Next { get; private set; }

    /// <summary>The server's <c>E</c>: every Syn before it was received (its newest Ack or Error said so).</summary>
    public uint Acknowledged { get; private set; }

    /// <summary>Whether Syn datagrams the server has not acknowledged are held, or messages wait in the queue.</summary>
    public bool HasUnacknowledged => Acknowledged != Next || QueueLength > 0;

    /// <summary>How many messages wait for the window (the one partly sent included).</summary>
    public int QueueLength { get; private set; }

    /// <summary>
    /// Starts a new sequence space for a join: <paramref name="first"/> is the join request's s0. With
    /// <paramref name="carryOver"/> (the membership was lost, PROTOCOL.md §7.7) every message the server had not
    /// acknowledged, held or queued, is kept to be sent again, whole, as new messages numbered from the new s0;
    /// otherwise queued messages are dropped.
    /// </summary>
    /// <param name="first">The join's sequence; the first Syn takes the one after.</param>
    /// <param name="carryOver">Whether the unacknowledged messages are kept.</param>
    /// <returns>How many held messages were carried over (those already sent, now queued again).</returns>
    public int Restart(uint first, bool carryOver = false)
    {
        var carried = 0;
        if (carryOver)
        {
            carried = CarryOver();
        }
        else
        {
            Clear();
        }

        Array.Clear(_heldLength); // the old sequence space's datagrams are never sent again as they are
        Next = unchecked(first + 1);
        Acknowledged = Next;
        _reservedEnd = Next;
        _limit = unchecked(Next + InitialWindow);
        _lastErrorAt = null;
        for (var i = 0; i < QueueLength; i++)
        {
            _reservedEnd = unchecked(_reservedEnd + (uint)_queue[(_queueHead + i) % RingSize].Fragments);
        }

        return carried;
    }

    /// <summary>Drops the queued messages (the session ended).</summary>
    public void Clear()
    {
        while (QueueLength > 0)
        {
            Dequeue();
        }
    }

    /// <summary>
    /// Sends a message as Syn datagrams, one per fragment, each held for resending; what the window does not allow yet
    /// waits in the queue.
    /// </summary>
    /// <param name="message">The message, 1 to 255 chunks (the caller checked).</param>
    /// <param name="firstSequence">The group sequence its first datagram takes.</param>
    /// <returns>False when the queue is full: nothing was sent or queued.</returns>
    public bool TrySend(ReadOnlySpan<byte> message, out uint firstSequence)
    {
        var fragments = Fragmentation.CountFragments(message.Length, _chunk);
        firstSequence = _reservedEnd;
        if (QueueLength == 0 && Room() >= fragments)
        {
            foreach (var fragment in Fragmentation.Split(message, _chunk))
            {
                SendSyn(fragment.Offset, fragment.Data);
            }

            _reservedEnd = Next;
            return true;
        }

        if (QueueLength >= QueueCapacity)
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(message.Length);
        message.CopyTo(buffer);
        _queue[(_queueHead + QueueLength) % RingSize] = new Queued { Buffer = buffer, Length = message.Length, Fragments = fragments };
        QueueLength++;
        _reservedEnd = unchecked(_reservedEnd + (uint)fragments);
        Pump();
        return true;
    }

    /// <summary>
    /// The server's Ack (PROTOCOL.md §8.20): every Syn before <paramref name="acknowledged"/> arrived (they are no
    /// longer held), and Syn datagrams below <paramref name="acknowledged"/> + <paramref name="window"/> may be sent:
    /// queued messages go out. An Ack older than one already taken is stale and ignored.
    /// </summary>
    /// <param name="acknowledged">The Ack's Sequence, the server's <c>E</c>.</param>
    /// <param name="window">The Ack's Window.</param>
    public void OnAck(uint acknowledged, ushort window)
    {
        if (SerialNumber.IsOlder(acknowledged, Acknowledged) || SerialNumber.IsNewer(acknowledged, Next))
        {
            return; // stale (reordered), or acknowledging what was never sent
        }

        Acknowledged = acknowledged;
        _limit = unchecked(acknowledged + Math.Min(window, (ushort)(HeldSlots - 1)));
        Pump();
    }

    /// <summary>
    /// The server expects <paramref name="expected"/> (Error OutOfOrder): everything before it arrived, and every held
    /// datagram from it is sent again (PROTOCOL.md §8.4), but not twice for the same Expected within 250 ms.
    /// </summary>
    /// <param name="expected">The server's Expected.</param>
    /// <param name="now">The current timestamp.</param>
    public void OnOutOfOrder(uint expected, long now)
    {
        if (!SerialNumber.IsOlder(expected, Acknowledged) && !SerialNumber.IsNewer(expected, Next))
        {
            Acknowledged = expected;
        }

        if (_lastErrorAt is { } last && expected == _lastErrorExpected && _link.Time.GetElapsedTime(last, now) < ResendQuiet)
        {
            return;
        }

        _lastErrorAt = now;
        _lastErrorExpected = expected;
        Resend(expected, (int)Math.Min(SerialNumber.Distance(expected, Next), HeldSlots));
    }

    /// <summary>Sends again, unchanged, every held datagram in <c>[first, first + count)</c> (a ResendRequest, PROTOCOL.md §8.7).</summary>
    /// <param name="first">The first sequence asked for.</param>
    /// <param name="count">How many.</param>
    public void Resend(uint first, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var sequence = unchecked(first + (uint)i);
            var slot = (int)(sequence % HeldSlots);
            if (_heldSequence[slot] == sequence && _heldLength[slot] > 0 && SerialNumber.IsOlder(sequence, Next)
                && !SerialNumber.IsOlder(sequence, Acknowledged))
            {
                _link.Forward(_held[slot].AsSpan(0, _heldLength[slot]));
            }
        }
    }

    // The held messages the server had not wholly acknowledged go back to the front of the queue, in order, and the
    // message partly sent starts again: the new membership numbers everything afresh. A message whose first fragments
    // are no longer held cannot be put together again and is not carried.
    private int CarryOver()
    {
        if (QueueLength > 0)
        {
            _queue[_queueHead].Sent = 0;
        }

        var start = Acknowledged;
        if (start != Next && !IsStart(start))
        {
            // Acknowledged inside a message: find its first fragment among the held datagrams before it.
            var found = false;
            for (var back = 1; back < Fragmentation.MaxFragments && !found; back++)
            {
                var sequence = unchecked(Acknowledged - (uint)back);
                if (!IsHeld(sequence))
                {
                    break;
                }

                found = OffsetAt(sequence) == 1;
                start = found ? sequence : start;
            }

            while (!found && start != Next && !IsStart(start))
            {
                start = unchecked(start + 1); // its start is gone: it cannot be sent again
            }
        }

        // Whole messages from start on, collected in order, then put before what was queued.
        Span<int> firsts = stackalloc int[HeldSlots];
        Span<int> counts = stackalloc int[HeldSlots];
        var messages = 0;
        var sequenceAt = start;
        while (sequenceAt != Next && IsHeld(sequenceAt))
        {
            var length = 1;
            if (OffsetAt(sequenceAt) != VcspWire.WholeMessage)
            {
                while (unchecked(sequenceAt + (uint)length) != Next && IsHeld(unchecked(sequenceAt + (uint)length))
                    && OffsetAt(unchecked(sequenceAt + (uint)(length - 1))) != VcspWire.FinalFragment)
                {
                    length++;
                }

                if (OffsetAt(unchecked(sequenceAt + (uint)(length - 1))) != VcspWire.FinalFragment)
                {
                    break; // the message partly sent: it is still queued and goes again from its start
                }
            }

            firsts[messages] = (int)(sequenceAt % HeldSlots);
            counts[messages] = length;
            messages++;
            sequenceAt = unchecked(sequenceAt + (uint)length);
        }

        for (var m = messages - 1; m >= 0; m--)
        {
            _queueHead = (_queueHead + RingSize - 1) % RingSize;
            _queue[_queueHead] = Rebuild(firsts[m], counts[m]);
            QueueLength++;
        }

        return messages;
    }

    private Queued Rebuild(int firstSlot, int fragments)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(fragments * _chunk);
        var length = 0;
        for (var i = 0; i < fragments; i++)
        {
            var slot = (firstSlot + i) % HeldSlots;
            if (Syn.TryDecode(_held[slot].AsSpan(0, _heldLength[slot]), out var syn) == VcspDecodeStatus.Ok)
            {
                syn.Data.CopyTo(buffer.AsSpan(length));
                length += syn.Data.Length;
            }
        }

        return new Queued { Buffer = buffer, Length = length, Fragments = Fragmentation.CountFragments(length, _chunk) };
    }

    private bool IsHeld(uint sequence)
    {
        var slot = (int)(sequence % HeldSlots);
        return _heldSequence[slot] == sequence && _heldLength[slot] > 0;
    }

    private byte OffsetAt(uint sequence) => _held[(int)(sequence % HeldSlots)][8]; // the FragmentOffset byte (PROTOCOL.md §3.1)

    private bool IsStart(uint sequence) => IsHeld(sequence) && OffsetAt(sequence) is VcspWire.WholeMessage or 1;

    // How many more Syn datagrams may go now: below the limit, and never more than the held slots can keep.
    private long Room()
    {
        var byWindow = SerialNumber.IsNewer(_limit, Next) ? SerialNumber.Distance(Next, _limit) : 0;
        var byHeld = HeldSlots - SerialNumber.Distance(Acknowledged, Next);
        return Math.Min(byWindow, byHeld);
    }

    // Sends what the window allows of the queued messages, in order.
    private void Pump()
    {
        while (QueueLength > 0 && Room() > 0)
        {
            ref var head = ref _queue[_queueHead];
            head.Sent++; // fragments count from 1
            SendSyn(Fragmentation.OffsetOf(head.Sent, head.Fragments), Fragmentation.Chunk(head.Buffer.AsSpan(0, head.Length), head.Sent, _chunk));
            if (head.Sent == head.Fragments)
            {
                Dequeue();
            }
        }
    }

    private void SendSyn(byte offset, ReadOnlySpan<byte> data)
    {
        var slot = (int)(Next % HeldSlots);
        var syn = new Syn { Challenge = _link.Challenge, Sequence = Next, FragmentOffset = offset, Data = data };
        if (_link.SendAndKeep(syn, _held[slot], out _heldLength[slot]))
        {
            _heldSequence[slot] = Next;
            Next = unchecked(Next + 1);
        }
    }

    private void Dequeue()
    {
        ref var head = ref _queue[_queueHead];
        ArrayPool<byte>.Shared.Return(head.Buffer);
        head = default;
        _queueHead = (_queueHead + 1) % RingSize;
        QueueLength--;
    }

    /// <summary>A message waiting for the window: its bytes (pooled), how many fragments it has and how many went out.</summary>
    private struct Queued
    {
        public byte[] Buffer;
        public int Length;
        public int Fragments;
        public int Sent;
    }
}
