using System;
using System.Buffers;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// Frames SIP messages in a TCP stream (RFC 3261 §18.3): each by its Content-Length, with the CRLF keep-alives between
/// them (RFC 5626 §3.5.1) skipped. A message split across buffer segments is parsed from a pooled copy.
/// </summary>
internal static class SipStreamFramer
{
    /// <summary>
    /// Takes the next whole message off the front of <paramref name="buffer"/>: <see cref="SipParseStatus.Ok"/> with the
    /// message (and <paramref name="buffer"/> sliced past it), <see cref="SipParseStatus.Incomplete"/> when more is
    /// needed (nothing taken, or only keep-alives), or the reason the stream cannot go on.
    /// </summary>
    /// <param name="buffer">What has been read and not yet framed.</param>
    /// <param name="message">The message, with <see cref="SipParseStatus.Ok"/>.</param>
    /// <returns>The outcome.</returns>
    public static SipParseStatus Next(ref ReadOnlySequence<byte> buffer, out SipMessage? message)
    {
        message = null;
        buffer = buffer.Slice(LeadingLineEnds(buffer));
        if (buffer.IsEmpty)
        {
            return SipParseStatus.Incomplete;
        }

        SipParseStatus status;
        int consumed;
        if (buffer.IsSingleSegment)
        {
            status = SipMessage.TryParse(buffer.FirstSpan, stream: true, out message, out consumed);
        }
        else
        {
            // A whole message fits in MaxSize bytes; one more lets the parser see that a header block is too long.
            var length = (int)Math.Min(buffer.Length, SipMessage.MaxSize + 1);
            var copy = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                buffer.Slice(0, length).CopyTo(copy);
                status = SipMessage.TryParse(copy.AsSpan(0, length), stream: true, out message, out consumed);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }

        switch (status)
        {
            case SipParseStatus.Ok:
                buffer = buffer.Slice(consumed);
                return SipParseStatus.Ok;
            case SipParseStatus.Incomplete when buffer.Length > SipMessage.MaxSize:
                return SipParseStatus.TooLarge; // more buffered than any whole message can take
            default:
                return status;
        }
    }

    private static long LeadingLineEnds(in ReadOnlySequence<byte> buffer)
    {
        long count = 0;
        foreach (var segment in buffer)
        {
            var span = segment.Span;
            var other = span.IndexOfAnyExcept((byte)'\r', (byte)'\n');
            if (other >= 0)
            {
                return count + other;
            }

            count += span.Length;
        }

        return count;
    }
}
