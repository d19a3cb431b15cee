using System;
using System.Buffers;
using VcspGen.Runtime.Sip;

namespace VcspGen.Fuzz;

/// <summary>
/// <see cref="SipMessage.TryParse"/> on one input, as a UDP datagram and as the front of a TCP stream. It never throws;
/// Ok comes with a message and a consumed count within the input; a parsed message's headers can be read and it
/// encodes.
/// </summary>
internal static class SipMessageTarget
{
    public static void Run(byte[] input)
    {
        foreach (var stream in (ReadOnlySpan<bool>)[false, true])
        {
            var status = SipMessage.TryParse(input, stream, out var message, out var consumed);
            if (status != SipParseStatus.Ok)
            {
                continue;
            }

            FuzzInvariantException.Check(message is not null, "Ok without a message");
            FuzzInvariantException.Check(consumed > 0 && consumed <= input.Length, $"Ok consumed {consumed} of {input.Length} bytes");
            Touch(message!);
        }
    }

    /// <summary>
    /// What the endpoints do with a parsed message: read its headers and take them apart (<see cref="SipHeaders"/>:
    /// the tags and the branch, CSeq, the URIs and the Via's sent-by), and encode it (a response copies them).
    /// </summary>
    public static void Touch(SipMessage message)
    {
        foreach (var name in (ReadOnlySpan<string>)["Via", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Type", "Content-Length"])
        {
            _ = message.Get(name);
        }

        var via = message.Get("Via");
        _ = SipHeaders.Parameter(via, "branch");
        _ = SipHeaders.TryParseVia(via, out _, out _);
        _ = SipHeaders.Parameter(message.Get("From"), "tag");
        _ = SipHeaders.Parameter(message.Get("To"), "tag");
        _ = SipHeaders.TryParseCSeq(message.Get("CSeq"), out _, out _);
        _ = SipHeaders.TryParseUriEndPoint(SipHeaders.Uri(message.Get("Contact")), out _);
        _ = SipHeaders.TryParseUriEndPoint(SipHeaders.Uri(message.Get("From")), out _);
        _ = SipHeaders.TryParseUriEndPoint(message.RequestUri, out _);

        foreach (var header in message.Headers)
        {
            FuzzInvariantException.Check(header.Key is not null && header.Value is not null, "a header without a name or a value");
        }

        _ = message.ToBytes();
    }
}

/// <summary>
/// <see cref="SdpSession.TryParse"/> on one body: never throws, and says either the session or the error; a session
/// it accepted encodes.
/// </summary>
internal static class SdpTarget
{
    public static void Run(byte[] input)
    {
        if (SdpSession.TryParse(input, out var session, out var error))
        {
            FuzzInvariantException.Check(session is not null, "accepted without a session");
            _ = session!.ToBytes();
        }
        else
        {
            FuzzInvariantException.Check(session is null && error is not null, "refused without an error, or with a session");
        }
    }
}

/// <summary>
/// <see cref="SipStreamFramer.Next"/> over a TCP stream cut into segments: the first input byte sets the segment size
/// (1 to 256 bytes), the rest is the stream. It never throws, each Ok takes at least one byte off the front, and
/// framing stops on the first status that is not Ok.
/// </summary>
internal static class FramerTarget
{
    public static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var buffer = Segmented(input.AsMemory(1), input[0] + 1);
        while (true)
        {
            var before = buffer.Length;
            var status = SipStreamFramer.Next(ref buffer, out var message);
            if (status != SipParseStatus.Ok)
            {
                FuzzInvariantException.Check(buffer.Length <= before, $"{status} grew the buffer");
                return;
            }

            FuzzInvariantException.Check(message is not null, "Ok without a message");
            FuzzInvariantException.Check(buffer.Length < before, "Ok took nothing off the stream");
            SipMessageTarget.Touch(message!);
        }
    }

    private static ReadOnlySequence<byte> Segmented(ReadOnlyMemory<byte> stream, int size)
    {
        if (stream.Length <= size)
        {
            return new ReadOnlySequence<byte>(stream);
        }

        var first = new Segment(stream[..size], 0);
        var last = first;
        for (var start = size; start < stream.Length; start += size)
        {
            last = last.Append(stream[start..Math.Min(start + size, stream.Length)]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
