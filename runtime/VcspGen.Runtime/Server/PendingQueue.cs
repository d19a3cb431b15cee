using System;
using System.Buffers;

namespace VcspGen.Runtime;

/// <summary>A member's messages waiting for relay: a bounded ring of pooled copies, each with its fragment boundaries.</summary>
/// <param name="capacity">How many messages may wait.</param>
internal sealed class PendingQueue(int capacity)
{
    private readonly PendingMessage[] _pending = new PendingMessage[capacity];
    private int _head;

    /// <summary>How many messages wait.</summary>
    public int Count { get; private set; }

    /// <summary>How many messages may wait.</summary>
    public int Capacity => _pending.Length;

    /// <summary>How many datagrams the waiting messages take.</summary>
    public int Datagrams { get; private set; }

    /// <summary>How many datagrams the oldest waiting message takes.</summary>
    public int OldestFragments => Count == 0 ? 0 : _pending[_head].Fragments;

    /// <summary>When the oldest waiting message arrived.</summary>
    public long Oldest => _pending[_head].Arrived;

    /// <summary>Keeps a copy of a message (framed: each fragment's data after its length byte).</summary>
    /// <param name="message">The framed message.</param>
    /// <param name="firstSequence">Its first sequence number.</param>
    /// <param name="fragments">How many fragments it has.</param>
    /// <param name="now">When it arrived.</param>
    public void Enqueue(ReadOnlySpan<byte> message, uint firstSequence, int fragments, long now)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(message.Length);
        message.CopyTo(buffer);
        _pending[(_head + Count) % _pending.Length] = new PendingMessage(buffer, message.Length, firstSequence, fragments, now);
        Count++;
        Datagrams += fragments;
    }

    /// <summary>Takes the oldest message; its buffer goes back to <see cref="ArrayPool{T}.Shared"/> when relayed.</summary>
    /// <param name="message">The message.</param>
    /// <returns>False when none waits.</returns>
    public bool TryDequeue(out PendingMessage message)
    {
        if (Count == 0)
        {
            message = default;
            return false;
        }

        message = _pending[_head];
        _pending[_head] = default;
        _head = (_head + 1) % _pending.Length;
        Count--;
        Datagrams -= message.Fragments;
        return true;
    }
}

/// <summary>A message waiting for relay.</summary>
/// <param name="Buffer">The pooled buffer.</param>
/// <param name="Length">The framed message's length in it.</param>
/// <param name="FirstSequence">Its first sequence number.</param>
/// <param name="Fragments">How many fragments it has.</param>
/// <param name="Arrived">When it arrived.</param>
internal readonly record struct PendingMessage(byte[] Buffer, int Length, uint FirstSequence, int Fragments, long Arrived);
