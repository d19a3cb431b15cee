using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The Msg datagrams a group relayed recently, one copy per group (every receiver got the same bytes), so that a
/// member's ResendRequest can be answered (PROTOCOL.md §7.5). A fixed ring of slots: memory is bounded by the slot
/// count. The slots' bytes are one array, allocated with the first relayed datagram, so an idle group costs no more
/// than its bookkeeping (issue 11: a process may host thousands of groups); after that, adding allocates nothing.
/// </summary>
internal sealed class RelayCache
{
    private readonly int _slots;
    private byte[] _bytes = [];
    private readonly int[] _length;
    private readonly uint[] _sequence;
    private readonly object?[] _sender;
    private readonly long[] _relayedAt;
    private int _next;

    /// <summary>Creates a cache of <paramref name="slots"/> datagrams.</summary>
    /// <param name="slots">How many datagrams to keep; the oldest is overwritten.</param>
    public RelayCache(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _slots = slots;
        _length = new int[slots];
        _sequence = new uint[slots];
        _sender = new object?[slots];
        _relayedAt = new long[slots];
    }

    /// <summary>Keeps a relayed datagram.</summary>
    /// <param name="datagram">The Msg datagram.</param>
    /// <param name="sequence">Its Sequence.</param>
    /// <param name="sender">Who sent the message (it was relayed to everyone else).</param>
    /// <param name="now">When it was relayed.</param>
    /// <returns>The slot it is kept in.</returns>
    public int Add(ReadOnlySpan<byte> datagram, uint sequence, object sender, long now)
    {
        if (_bytes.Length == 0)
        {
            _bytes = new byte[_slots * VcspWire.TextDatagramLimit];
        }

        var slot = _next;
        _next = (_next + 1) % _slots;
        datagram.CopyTo(_bytes.AsSpan(slot * VcspWire.TextDatagramLimit, VcspWire.TextDatagramLimit));
        _length[slot] = datagram.Length;
        _sequence[slot] = sequence;
        _sender[slot] = sender;
        _relayedAt[slot] = now;
        return slot;
    }

    /// <summary>Whether <paramref name="slot"/> still holds the datagram <paramref name="sequence"/> of <paramref name="sender"/>.</summary>
    /// <param name="slot">A slot <see cref="Add"/> returned.</param>
    /// <param name="sequence">The datagram's Sequence.</param>
    /// <param name="sender">Its sender.</param>
    /// <returns><see langword="true"/> when it was not overwritten.</returns>
    public bool Holds(int slot, uint sequence, object sender) => _sequence[slot] == sequence && ReferenceEquals(_sender[slot], sender);

    /// <summary>The datagram in <paramref name="slot"/>.</summary>
    /// <param name="slot">A slot.</param>
    /// <returns>The bytes.</returns>
    public ReadOnlySpan<byte> Datagram(int slot) => _bytes.AsSpan(slot * VcspWire.TextDatagramLimit, _length[slot]);

    /// <summary>When the datagram in <paramref name="slot"/> was relayed.</summary>
    /// <param name="slot">A slot.</param>
    /// <returns>The timestamp.</returns>
    public long RelayedAt(int slot) => _relayedAt[slot];

    /// <summary>
    /// Calls <paramref name="resend"/> for every kept datagram, oldest first, whose Sequence is in
    /// [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>), that was relayed at or after
    /// <paramref name="since"/>, and whose sender is not <paramref name="requester"/>.
    /// </summary>
    /// <typeparam name="TState">The callback's state.</typeparam>
    /// <param name="first">The first sequence asked for.</param>
    /// <param name="count">How many sequences.</param>
    /// <param name="requester">Who asks (its own messages were never relayed to it).</param>
    /// <param name="since">The oldest relay time that counts.</param>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="resend">Sends one datagram.</param>
    /// <returns>How many datagrams were resent.</returns>
    public int ForEachInRange<TState>(uint first, int count, object requester, long since, TState state, Action<TState, ReadOnlyMemory<byte>> resend)
    {
        var found = 0;
        for (var i = 0; i < _slots; i++)
        {
            var slot = (_next + i) % _slots;
            if (_sender[slot] is { } sender && !ReferenceEquals(sender, requester) && _relayedAt[slot] >= since
                && unchecked(_sequence[slot] - first) < (uint)count)
            {
                resend(state, _bytes.AsMemory(slot * VcspWire.TextDatagramLimit, _length[slot]));
                found++;
            }
        }

        return found;
    }

    /// <summary>
    /// Where <paramref name="requester"/>'s stream of the sender of datagram <paramref name="sequence"/> begins: the
    /// oldest datagram of that sender kept, relayed to the requester (at or after <paramref name="since"/>).
    /// </summary>
    /// <param name="sequence">A datagram relayed to the requester.</param>
    /// <param name="requester">Who asks.</param>
    /// <param name="since">The oldest relay time that counts.</param>
    /// <param name="first">The first sequence of that sender's stream.</param>
    /// <returns><see langword="false"/> when no such datagram is kept.</returns>
    public bool TryFindStreamStart(uint sequence, object requester, long since, out uint first)
    {
        first = 0;
        object? sender = null;
        for (var slot = 0; slot < _slots; slot++)
        {
            if (_sequence[slot] == sequence && _sender[slot] is { } s && !ReferenceEquals(s, requester) && _relayedAt[slot] >= since)
            {
                sender = s;
                break;
            }
        }

        if (sender is null)
        {
            return false;
        }

        for (var i = 0; i < _slots; i++)
        {
            var slot = (_next + i) % _slots;
            if (ReferenceEquals(_sender[slot], sender) && _relayedAt[slot] >= since)
            {
                first = _sequence[slot];
                return true;
            }
        }

        return false;
    }
}
