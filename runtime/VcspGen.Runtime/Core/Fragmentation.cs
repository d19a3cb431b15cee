using System;

namespace VcspGen.Runtime;

/// <summary>
/// How a message is split into fragments (PROTOCOL.md §7.1, §7.3): offsets 1, 2, … and 0xFF on the last; a
/// message that fits one datagram is sent whole with offset 0; at most 255 fragments.
/// </summary>
public static class Fragmentation
{
    /// <summary>The most fragments one message may have.</summary>
    public const int MaxFragments = VcspWire.MaxFragments;

    /// <summary>
    /// Data bytes per Syn, Msg or DirectMessage datagram for a member whose name is <paramref name="nameLength"/>
    /// bytes long: 117 - N, so the server can relay each Syn as one Msg that repeats the name (PROTOCOL.md §7.3).
    /// </summary>
    /// <param name="nameLength">The sender's name length in bytes, 1 to 32.</param>
    /// <returns>The chunk size, 85 to 116.</returns>
    public static int ChunkSize(int nameLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nameLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nameLength, 32);
        return VcspWire.TextPayloadLimit - 1 - nameLength;
    }

    /// <summary>The longest message that can be sent in chunks of <paramref name="chunkSize"/> bytes.</summary>
    /// <param name="chunkSize">Data bytes per datagram.</param>
    /// <returns><c>255 * chunkSize</c>.</returns>
    public static int MaxMessageLength(int chunkSize) => MaxFragments * chunkSize;

    /// <summary>How many datagrams a message needs.</summary>
    /// <param name="messageLength">The message length in bytes, at least 1.</param>
    /// <param name="chunkSize">Data bytes per datagram.</param>
    /// <returns>1 for a whole message, otherwise the fragment count; more than 255 means the message is too long.</returns>
    public static int CountFragments(int messageLength, int chunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(messageLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        return (messageLength + chunkSize - 1) / chunkSize;
    }

    /// <summary>The fragmentation offset of datagram <paramref name="index"/> (1-based) of <paramref name="count"/>.</summary>
    /// <param name="index">1 to <paramref name="count"/>.</param>
    /// <param name="count">1 to 255.</param>
    /// <returns>0 for a whole message, 0xFF for the final fragment, otherwise <paramref name="index"/>.</returns>
    public static byte OffsetOf(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxFragments);
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, count);
        return count == 1 ? VcspWire.WholeMessage : index == count ? VcspWire.FinalFragment : (byte)index;
    }

    /// <summary>The data of datagram <paramref name="index"/> (1-based) of a message split in chunks.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="index">1-based datagram index.</param>
    /// <param name="chunkSize">Data bytes per datagram.</param>
    /// <returns>A slice of <paramref name="message"/>.</returns>
    public static ReadOnlySpan<byte> Chunk(ReadOnlySpan<byte> message, int index, int chunkSize)
    {
        var start = (index - 1) * chunkSize;
        return message.Slice(start, Math.Min(chunkSize, message.Length - start));
    }

    /// <summary>
    /// The one way a message is cut into datagrams: <c>foreach (var fragment in Fragmentation.Split(message, chunk))</c>
    /// gives each datagram's 1-based index, its fragmentation offset and its data, in order. An empty message is one
    /// datagram with no data (a command reply that says nothing).
    /// </summary>
    /// <param name="message">The whole message, at most 255 chunks.</param>
    /// <param name="chunkSize">Data bytes per datagram.</param>
    /// <returns>The fragments.</returns>
    public static FragmentEnumerator Split(ReadOnlySpan<byte> message, int chunkSize) => new(message, chunkSize);
}
