using System;

namespace VcspGen.Runtime;

/// <summary>The fragments of one message (<see cref="Fragmentation.Split"/>).</summary>
public ref struct FragmentEnumerator
{
    private readonly ReadOnlySpan<byte> _message;
    private readonly int _chunkSize;
    private readonly int _count;
    private int _index;

    internal FragmentEnumerator(ReadOnlySpan<byte> message, int chunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        _message = message;
        _chunkSize = chunkSize;
        _count = message.IsEmpty ? 1 : Fragmentation.CountFragments(message.Length, chunkSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_count, Fragmentation.MaxFragments, nameof(message));
    }

    /// <summary>How many datagrams the message takes.</summary>
    public readonly int Count => _count;

    /// <summary>The current fragment.</summary>
    public readonly Fragment Current => new(
        _index,
        Fragmentation.OffsetOf(_index, _count),
        _message.IsEmpty ? default : Fragmentation.Chunk(_message, _index, _chunkSize));

    /// <summary>Moves to the next fragment.</summary>
    /// <returns>False after the last.</returns>
    public bool MoveNext() => ++_index <= _count;

    /// <summary>Returns this enumerator, for <c>foreach</c>.</summary>
    /// <returns>This.</returns>
    public readonly FragmentEnumerator GetEnumerator() => this;
}
