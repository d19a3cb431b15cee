using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace VcspGen.Runtime.Nats;

/// <summary>
/// One JetStream message of a node's group messages (PROTOCOL.md §15.2): a version byte, the time it was published
/// (Unix milliseconds, for the lag), then each message: its sender's session, first sequence number, fragment count,
/// name and framed fragments. Batching keeps one publish, one acknowledgement and one stream entry for many messages,
/// and a node's messages in its order. Hand-written: it is the cluster's hot path, and four fields need no library.
/// </summary>
internal static class ClusterBatch
{
    /// <summary>The format's version.</summary>
    public const byte Version = 1;

    /// <summary>The header's size.</summary>
    public const int HeaderSize = 9;

    /// <summary>The most bytes one message takes (a full relay queue's message is smaller).</summary>
    public const int MaxRecordSize = 8 + 4 + 1 + 1 + 32 + 2 + ushort.MaxValue;

    /// <summary>The size of one message's record.</summary>
    /// <param name="message">The message.</param>
    /// <returns>Its size in bytes.</returns>
    public static int SizeOf(in Outgoing message) => 8 + 4 + 1 + 1 + message.Name.Length + 2 + message.Length;

    /// <summary>Writes a batch.</summary>
    /// <param name="messages">The messages, in order.</param>
    /// <param name="publishedAt">When, in Unix milliseconds.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Write(List<Outgoing> messages, long publishedAt)
    {
        var size = HeaderSize;
        foreach (var message in messages)
        {
            size += SizeOf(message);
        }

        var bytes = new byte[size];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), publishedAt);
        var at = HeaderSize;
        foreach (var message in messages)
        {
            var span = bytes.AsSpan(at);
            BinaryPrimitives.WriteUInt64BigEndian(span, message.Session);
            BinaryPrimitives.WriteUInt32BigEndian(span[8..], message.FirstSequence);
            span[12] = (byte)message.Fragments;
            span[13] = (byte)message.Name.Length;
            message.Name.CopyTo(span[14..]);
            var after = 14 + message.Name.Length;
            BinaryPrimitives.WriteUInt16BigEndian(span[after..], (ushort)message.Length);
            message.Framed.AsSpan(0, message.Length).CopyTo(span[(after + 2)..]);
            at += SizeOf(message);
        }

        return bytes;
    }

    /// <summary>Reads a batch's header.</summary>
    /// <param name="batch">The bytes.</param>
    /// <param name="publishedAt">When it was published, Unix milliseconds.</param>
    /// <returns>False when it is not a batch of this version.</returns>
    public static bool TryReadHeader(ReadOnlySpan<byte> batch, out long publishedAt)
    {
        publishedAt = 0;
        if (batch.Length < HeaderSize || batch[0] != Version)
        {
            return false;
        }

        publishedAt = BinaryPrimitives.ReadInt64BigEndian(batch[1..]);
        return true;
    }

    /// <summary>Reads the message at <paramref name="at"/>, and moves past it.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="at">Where the message starts; after the call, where the next one does.</param>
    /// <param name="message">The message (its name and bytes are slices of <paramref name="batch"/>, not copies).</param>
    /// <returns>False at the end, or when the rest is malformed.</returns>
    public static bool TryRead(ReadOnlyMemory<byte> batch, ref int at, out Incoming message)
    {
        message = default;
        var span = batch.Span[at..];
        if (span.Length < 14 || span.Length < 14 + span[13] + 2)
        {
            return false;
        }

        var nameLength = span[13];
        var length = BinaryPrimitives.ReadUInt16BigEndian(span[(14 + nameLength)..]);
        var total = 14 + nameLength + 2 + length;
        if (span.Length < total || span[12] == 0 || nameLength == 0)
        {
            return false;
        }

        message = new Incoming(
            BinaryPrimitives.ReadUInt64BigEndian(span),
            BinaryPrimitives.ReadUInt32BigEndian(span[8..]),
            span[12],
            batch.Slice(at + 14, nameLength),
            batch.Slice(at + 16 + nameLength, length));
        at += total;
        return true;
    }
}

/// <summary>A message of a member of this node, waiting to be published (its bytes in a pooled array).</summary>
/// <param name="Session">Its sender's session.</param>
/// <param name="Name">Its sender's name.</param>
/// <param name="FirstSequence">Its first sequence number.</param>
/// <param name="Fragments">How many fragments it has.</param>
/// <param name="Framed">Its fragments, each after its length byte (pooled, <paramref name="Length"/> bytes used).</param>
/// <param name="Length">How many bytes of <paramref name="Framed"/> are used.</param>
internal readonly record struct Outgoing(ulong Session, byte[] Name, uint FirstSequence, int Fragments, byte[] Framed, int Length);

/// <summary>A message of another node's member, read from a batch.</summary>
/// <param name="Session">Its sender's session.</param>
/// <param name="FirstSequence">Its first sequence number.</param>
/// <param name="Fragments">How many fragments it has.</param>
/// <param name="Name">Its sender's name.</param>
/// <param name="Framed">Its fragments, each after its length byte.</param>
internal readonly record struct Incoming(ulong Session, uint FirstSequence, int Fragments, ReadOnlyMemory<byte> Name, ReadOnlyMemory<byte> Framed);
