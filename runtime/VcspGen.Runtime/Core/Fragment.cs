using System;

namespace VcspGen.Runtime;

/// <summary>One datagram's share of a message.</summary>
/// <param name="Index">Its 1-based position: add <c>Index - 1</c> to the message's first sequence number.</param>
/// <param name="Offset">Its fragmentation offset (0 whole, 1, 2, …, 0xFF last).</param>
/// <param name="Data">Its data.</param>
public readonly ref struct Fragment(int Index, byte Offset, ReadOnlySpan<byte> Data)
{
    /// <summary>Its 1-based position in the message.</summary>
    public int Index { get; } = Index;

    /// <summary>Its fragmentation offset.</summary>
    public byte Offset { get; } = Offset;

    /// <summary>Its data.</summary>
    public ReadOnlySpan<byte> Data { get; } = Data;
}
