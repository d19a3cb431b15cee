using System;
using System.Buffers;

namespace VcspGen.Runtime;

/// <summary>
/// One message being put together from its fragments (PROTOCOL.md §7.4). Memory is bounded: at most 255
/// fragments of at most <see cref="MaxFragmentData"/> bytes, rented from the shared pool when the message opens
/// and returned by <see cref="Reset"/>, so steady-state use allocates nothing. Nothing is exposed until every
/// fragment is there.
/// </summary>
internal sealed class MessageReassembly
{
    private readonly byte[] _lengths = new byte[Fragmentation.MaxFragments];
    private readonly ulong[] _received = new ulong[4];
    private byte[]? _slots;
    private int _receivedCount;
    private readonly bool _finalMayComeEarly;

    /// <summary>Creates an empty reassembly for fragments of at most <paramref name="maxFragmentData"/> bytes.</summary>
    /// <param name="maxFragmentData">The largest data a fragment may carry, 1 to 118.</param>
    /// <param name="finalMayComeEarly">
    /// Whether a final fragment is accepted before the fragments ahead of it (for a receiver that cannot ask for
    /// fragments again, such as a DM peer); otherwise it is refused as <see cref="ReassemblyResult.Early"/>.
    /// </param>
    public MessageReassembly(int maxFragmentData = VcspWire.TextPayloadLimit, bool finalMayComeEarly = false)
    {
        _finalMayComeEarly = finalMayComeEarly;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFragmentData, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFragmentData, VcspWire.TextPayloadLimit);
        MaxFragmentData = maxFragmentData;
    }

    /// <summary>The largest data a fragment may carry.</summary>
    public int MaxFragmentData { get; }

    /// <summary>Whether a message is being reassembled.</summary>
    public bool IsOpen => _slots is not null;

    /// <summary>The sequence number of the message's first fragment.</summary>
    public uint FirstSequence { get; private set; }

    /// <summary>How many fragments the message has, once its final fragment has arrived; otherwise 0.</summary>
    public int FragmentCount { get; private set; }

    /// <summary>How many distinct fragments are held.</summary>
    public int ReceivedCount => _receivedCount;

    /// <summary>The message length so far (complete once <see cref="IsComplete"/>).</summary>
    public int Length { get; private set; }

    /// <summary>Whether every fragment is there.</summary>
    public bool IsComplete => FragmentCount > 0 && _receivedCount == FragmentCount;

    /// <summary>The sequence number one past the newest fragment held (the first sequence when none is held).</summary>
    public uint NewestEnd => unchecked(FirstSequence + (uint)(HighestReceived() + 1));

    /// <summary>The sequence number one past the message's last fragment, once the final fragment has arrived.</summary>
    public uint EndSequence => unchecked(FirstSequence + (uint)FragmentCount);

    /// <summary>Starts a message whose first fragment has <paramref name="firstSequence"/>.</summary>
    /// <param name="firstSequence">The first fragment's sequence number.</param>
    /// <exception cref="InvalidOperationException">A message is already open.</exception>
    public void Open(uint firstSequence)
    {
        if (IsOpen)
        {
            throw new InvalidOperationException("A message is already being reassembled; Reset it first.");
        }

        _slots = ArrayPool<byte>.Shared.Rent(Fragmentation.MaxFragments * MaxFragmentData);
        FirstSequence = firstSequence;
    }

    /// <summary>Adds a fragment (offset 1 to 254, or 0xFF for the final one) of the open message.</summary>
    /// <param name="sequence">The fragment's sequence number.</param>
    /// <param name="fragmentOffset">Its fragmentation offset; 0 (a whole message) is never a fragment.</param>
    /// <param name="data">Its data; copied.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="InvalidOperationException">No message is open.</exception>
    public ReassemblyResult Add(uint sequence, byte fragmentOffset, ReadOnlySpan<byte> data)
    {
        var slots = _slots ?? throw new InvalidOperationException("Open a message before adding fragments.");
        if (data.Length > MaxFragmentData)
        {
            return ReassemblyResult.TooLong;
        }

        var distance = SerialNumber.Distance(FirstSequence, sequence);
        if (fragmentOffset == VcspWire.WholeMessage || distance >= Fragmentation.MaxFragments)
        {
            return ReassemblyResult.Inconsistent;
        }

        var index = (int)distance;
        if (fragmentOffset == VcspWire.FinalFragment)
        {
            // The final fragment fixes the count; it cannot be first, and nothing may lie beyond it.
            if (index == 0 || (FragmentCount > 0 && FragmentCount != index + 1) || HighestReceived() > index)
            {
                return ReassemblyResult.Inconsistent;
            }

            if (!_finalMayComeEarly && FragmentCount == 0 && _receivedCount < index)
            {
                return ReassemblyResult.Early;
            }
        }
        else if (fragmentOffset != index + 1 || (FragmentCount > 0 && index >= FragmentCount - 1))
        {
            return ReassemblyResult.Inconsistent;
        }

        if (IsReceived(index))
        {
            return ReassemblyResult.Duplicate;
        }

        data.CopyTo(slots.AsSpan(index * MaxFragmentData));
        _lengths[index] = (byte)data.Length;
        _received[index >> 6] |= 1UL << (index & 63);
        _receivedCount++;
        Length += data.Length;
        if (fragmentOffset == VcspWire.FinalFragment)
        {
            FragmentCount = index + 1;
        }

        return IsComplete ? ReassemblyResult.Complete : ReassemblyResult.Accepted;
    }

    /// <summary>
    /// The first run of missing fragments, for a resend request (PROTOCOL.md §7.5): before the final fragment is
    /// known, holes below the highest fragment held, or the one after it.
    /// </summary>
    /// <param name="sequence">The first missing sequence number.</param>
    /// <param name="count">How many consecutive ones are missing (1 when the extent is unknown).</param>
    /// <returns><see langword="false"/> when nothing is missing or no message is open.</returns>
    public bool TryGetFirstMissing(out uint sequence, out int count)
    {
        sequence = 0;
        count = 0;
        if (!IsOpen || IsComplete)
        {
            return false;
        }

        var known = FragmentCount > 0 ? FragmentCount : HighestReceived() + 1;
        for (var i = 0; i < known; i++)
        {
            if (IsReceived(i))
            {
                continue;
            }

            var end = i;
            while (end < known && !IsReceived(end))
            {
                end++;
            }

            sequence = unchecked(FirstSequence + (uint)i);
            count = end - i;
            return true;
        }

        // Every fragment up to the highest held is there, but the final one has not come: ask for the next.
        sequence = unchecked(FirstSequence + (uint)known);
        count = 1;
        return true;
    }

    /// <summary>Copies the complete message into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Length"/> bytes.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="InvalidOperationException">The message is not complete.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public int CopyTo(Span<byte> destination)
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException("The message is not complete.");
        }

        if (destination.Length < Length)
        {
            throw new ArgumentException("The destination is smaller than the message.", nameof(destination));
        }

        var written = 0;
        for (var i = 0; i < FragmentCount; i++)
        {
            _slots.AsSpan(i * MaxFragmentData, _lengths[i]).CopyTo(destination.Slice(written));
            written += _lengths[i];
        }

        return written;
    }

    /// <summary>
    /// Copies the complete message into <paramref name="destination"/> with its fragment boundaries: for each fragment
    /// in order, one byte of length and then its data (a relay that must resend each fragment as it came uses it).
    /// </summary>
    /// <param name="destination">At least <see cref="Length"/> + <see cref="FragmentCount"/> bytes.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="InvalidOperationException">The message is not complete.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public int CopyFramedTo(Span<byte> destination)
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException("The message is not complete.");
        }

        if (destination.Length < Length + FragmentCount)
        {
            throw new ArgumentException("The destination is smaller than the framed message.", nameof(destination));
        }

        var written = 0;
        for (var i = 0; i < FragmentCount; i++)
        {
            destination[written++] = _lengths[i];
            _slots.AsSpan(i * MaxFragmentData, _lengths[i]).CopyTo(destination.Slice(written));
            written += _lengths[i];
        }

        return written;
    }

    /// <summary>Ends the message (complete or abandoned) and returns its memory to the pool.</summary>
    public void Reset()
    {
        if (_slots is { } slots)
        {
            ArrayPool<byte>.Shared.Return(slots);
        }

        _slots = null;
        Array.Clear(_received);
        _receivedCount = 0;
        FragmentCount = 0;
        FirstSequence = 0;
        Length = 0;
    }

    private bool IsReceived(int index) => (_received[index >> 6] & (1UL << (index & 63))) != 0;

    private int HighestReceived()
    {
        for (var word = _received.Length - 1; word >= 0; word--)
        {
            if (_received[word] != 0)
            {
                return (word * 64) + 63 - System.Numerics.BitOperations.LeadingZeroCount(_received[word]);
            }
        }

        return -1;
    }
}
