using System;
using System.Buffers;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A member's Syn datagrams that arrived ahead of a hole (PROTOCOL.md §7.5, upstream): kept, so that only the hole is
/// asked for again (a selective repair) rather than everything after it. At most 256 datagrams, within the window of
/// the next one needed; the bytes are rented from the shared pool on the first datagram kept and returned when the
/// buffer empties, so a member with nothing out of order holds nothing.
/// </summary>
internal sealed class UpstreamBuffer
{
    /// <summary>How many datagrams past the next one needed can be kept.</summary>
    public const int Slots = 256;

    private byte[]? _bytes;
    private readonly int[] _length = new int[Slots];
    private readonly uint[] _sequence = new uint[Slots];

    /// <summary>How many datagrams are kept.</summary>
    public int Count { get; private set; }

    /// <summary>Keeps <paramref name="syn"/> (the caller checked it is within <see cref="Slots"/> of the next needed).</summary>
    /// <param name="syn">The Syn.</param>
    public void Keep(in Syn syn)
    {
        _bytes ??= ArrayPool<byte>.Shared.Rent(Slots * VcspWire.TextDatagramLimit);
        var slot = (int)(syn.Sequence % Slots);
        if (_length[slot] > 0 && _sequence[slot] == syn.Sequence)
        {
            return; // kept already
        }

        if (syn.TryEncode(_bytes.AsSpan(slot * VcspWire.TextDatagramLimit, VcspWire.TextDatagramLimit), out var written) != VcspEncodeStatus.Ok)
        {
            return; // cannot happen: it decoded from a datagram of at most this size
        }

        if (_length[slot] == 0)
        {
            Count++;
        }

        _length[slot] = written;
        _sequence[slot] = syn.Sequence;
    }

    /// <summary>Takes the datagram with Sequence <paramref name="sequence"/> out, if kept.</summary>
    /// <param name="sequence">The sequence wanted.</param>
    /// <param name="datagram">A copy of its bytes (valid until the next call).</param>
    /// <param name="scratch">Where the copy goes (at least one datagram long).</param>
    /// <returns>Whether it was kept.</returns>
    public bool TryTake(uint sequence, Span<byte> scratch, out ReadOnlySpan<byte> datagram)
    {
        datagram = default;
        var slot = (int)(sequence % Slots);
        if (_bytes is null || _length[slot] == 0 || _sequence[slot] != sequence)
        {
            return false;
        }

        var length = _length[slot];
        _bytes.AsSpan(slot * VcspWire.TextDatagramLimit, length).CopyTo(scratch);
        datagram = scratch[..length];
        Forget(slot);
        return true;
    }

    /// <summary>The oldest kept sequence newer than <paramref name="after"/> (within the slots), or null.</summary>
    /// <param name="after">A sequence.</param>
    /// <returns>The sequence.</returns>
    public uint? OldestAfter(uint after)
    {
        if (Count == 0)
        {
            return null;
        }

        for (var i = 1u; i <= Slots; i++)
        {
            var sequence = unchecked(after + i);
            var slot = (int)(sequence % Slots);
            if (_length[slot] > 0 && _sequence[slot] == sequence)
            {
                return sequence;
            }
        }

        return null;
    }

    /// <summary>Forgets every kept datagram older than <paramref name="expected"/> (a message was abandoned past them).</summary>
    /// <param name="expected">The next sequence expected.</param>
    public void ForgetOlderThan(uint expected)
    {
        for (var slot = 0; slot < Slots && Count > 0; slot++)
        {
            if (_length[slot] > 0 && SerialNumber.IsOlder(_sequence[slot], expected))
            {
                Forget(slot);
            }
        }
    }

    /// <summary>Forgets everything and returns the bytes to the pool (the member left).</summary>
    public void Clear()
    {
        Array.Clear(_length);
        Count = 0;
        Release();
    }

    private void Forget(int slot)
    {
        _length[slot] = 0;
        Count--;
        Release();
    }

    private void Release()
    {
        if (Count == 0 && _bytes is not null)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = null;
        }
    }
}
