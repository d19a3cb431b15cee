using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's relay log (PROTOCOL.md §7.5): every Msg datagram the group relayed, kept until every member it went to
/// acknowledged it, so that a member's ResendRequest or lost tail can be answered. One copy per group: the bytes are
/// the same for every receiver but the relay number, which is written into the copy before each send. A fixed ring
/// indexed by a 64-bit log position that never wraps; the bytes are allocated with the first datagram, so an idle
/// group costs only its bookkeeping, and after that adding allocates nothing.
/// </summary>
internal sealed class RelayLog
{
    private readonly int _capacity;
    private byte[] _bytes = [];
    private readonly int[] _length;
    private readonly Member?[] _sender;
    private readonly uint[] _senderSequence;

    /// <summary>Creates a log of <paramref name="capacity"/> datagrams.</summary>
    /// <param name="capacity">How many datagrams it can hold.</param>
    public RelayLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _length = new int[capacity];
        _sender = new Member?[capacity];
        _senderSequence = new uint[capacity];
    }

    /// <summary>How many datagrams it can hold.</summary>
    public int Capacity => _capacity;

    /// <summary>The position the next relayed datagram takes.</summary>
    public long Next { get; private set; }

    /// <summary>The oldest position still held.</summary>
    public long Oldest { get; private set; }

    /// <summary>How many datagrams are held.</summary>
    public int Count => (int)(Next - Oldest);

    /// <summary>Whether <paramref name="datagrams"/> more fit.</summary>
    /// <param name="datagrams">How many.</param>
    /// <returns><see langword="true"/> when there is room.</returns>
    public bool HasRoom(int datagrams) => Count + datagrams <= _capacity;

    /// <summary>Whether <paramref name="position"/> is held.</summary>
    /// <param name="position">A log position.</param>
    /// <returns><see langword="true"/> when it was added and not released.</returns>
    public bool Holds(long position) => position >= Oldest && position < Next;

    /// <summary>Keeps a relayed datagram (the caller checked <see cref="HasRoom"/>).</summary>
    /// <param name="datagram">The Msg datagram.</param>
    /// <param name="sender">The member whose message it is.</param>
    /// <param name="senderSequence">The Sequence of the Syn it relays, in the sender's numbering.</param>
    /// <returns>Its position.</returns>
    public long Add(ReadOnlySpan<byte> datagram, Member sender, uint senderSequence)
    {
        if (_bytes.Length == 0)
        {
            _bytes = new byte[_capacity * VcspWire.TextDatagramLimit];
        }

        var position = Next;
        var slot = Slot(position);
        datagram.CopyTo(_bytes.AsSpan(slot * VcspWire.TextDatagramLimit, VcspWire.TextDatagramLimit));
        _length[slot] = datagram.Length;
        _sender[slot] = sender;
        _senderSequence[slot] = senderSequence;
        Next++;
        return position;
    }

    /// <summary>The datagram at <paramref name="position"/>, writable so that the receiver's relay number can be set.</summary>
    /// <param name="position">A held position.</param>
    /// <returns>The bytes.</returns>
    public Span<byte> Datagram(long position)
    {
        var slot = Slot(position);
        return _bytes.AsSpan(slot * VcspWire.TextDatagramLimit, _length[slot]);
    }

    /// <summary>Sends the datagram at <paramref name="position"/> to one member, numbered in its relay stream.</summary>
    /// <param name="position">A held position.</param>
    /// <param name="relayNumber">Its relay number for that member.</param>
    /// <param name="sender">The group's sender.</param>
    /// <param name="to">The member's address.</param>
    public void Send(long position, uint relayNumber, PacketSender sender, in VcspAddress to)
    {
        var datagram = Datagram(position);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(datagram[4..], relayNumber);
        sender.Forward(datagram, to);
    }

    /// <summary>The member whose message the datagram at <paramref name="position"/> is.</summary>
    /// <param name="position">A held position.</param>
    /// <returns>The sender (it may have left).</returns>
    public Member SenderOf(long position) => _sender[Slot(position)]!;

    /// <summary>The sender's own Sequence of the datagram at <paramref name="position"/>.</summary>
    /// <param name="position">A held position.</param>
    /// <returns>The Syn's Sequence.</returns>
    public uint SenderSequenceOf(long position) => _senderSequence[Slot(position)];

    /// <summary>Releases every datagram before <paramref name="position"/>: every member has it, or was skipped past it.</summary>
    /// <param name="position">The new oldest position.</param>
    public void ReleaseBefore(long position)
    {
        position = Math.Min(position, Next);
        while (Oldest < position)
        {
            _sender[Slot(Oldest)] = null;
            Oldest++;
        }
    }

    private int Slot(long position) => (int)(position % _capacity);
}
