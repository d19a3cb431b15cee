using System;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using VcspGen.Runtime.Sip;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>The SIP message codec (issue 5 groundwork): PROTOCOL.md's examples, RFC 3261 tolerance, refusals, framing.</summary>
public sealed partial class SipMessageTests
{
    [GeneratedRegex("```\\n((?:INVITE|SIP/2.0 200|ACK) .*?)```", RegexOptions.Singleline)]
    private static partial Regex SipExample();

    private static string[] ProtocolExamples()
    {
        var protocol = Repository.ReadText("spec", "PROTOCOL.md");

        // Every line ends with CRLF; a message without a body ends with the empty line the code block does not show.
        return [.. SipExample().Matches(protocol)
            .Select(m => m.Groups[1].Value.Replace("\n", "\r\n", StringComparison.Ordinal))
            .Select(t => t.Contains("\r\n\r\n", StringComparison.Ordinal) ? t : t + "\r\n")];
    }

    [Fact]
    public void ThePROTOCOLExamplesParseAndReencodeByteForByte()
    {
        var examples = ProtocolExamples();
        Assert.Equal(3, examples.Length);
        foreach (var example in examples)
        {
            var bytes = Encoding.UTF8.GetBytes(example);
            Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(bytes, stream: true, out var message, out var consumed));
            Assert.Equal(bytes.Length, consumed); // the examples' Content-Length counts their bodies exactly
            Assert.Equal(example, Encoding.UTF8.GetString(message!.ToBytes()));
        }

        SipMessage.TryParse(Encoding.UTF8.GetBytes(examples[0]), stream: false, out var invite, out _);
        Assert.Equal(("INVITE", "sip:alice@198.51.100.7:5062"), (invite!.Method, invite.RequestUri));
        Assert.Equal("1 INVITE", invite.Get("cseq"));
        Assert.StartsWith("v=0\r\n", Encoding.UTF8.GetString(invite.Body.Span), StringComparison.Ordinal);
        SipMessage.TryParse(Encoding.UTF8.GetBytes(examples[1]), stream: false, out var ok, out _);
        Assert.Equal((200, "OK", false), (ok!.StatusCode, ok.ReasonPhrase, ok.IsRequest));
    }

    [Fact]
    public void CompactFormsAnyCaseFoldedLinesAndBareLineFeedsAreAccepted()
    {
        var text = "BYE sip:alice@127.0.0.1:5062 SIP/2.0\n"
            + "v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc\n"
            + "f: <sip:vcsp@127.0.0.1>;tag=1\n"
            + "T: <sip:alice@127.0.0.1>\n"
            + " ;tag=2\n"
            + "i: call-1\n"
            + "CSEQ:2 BYE\n"
            + "l: 0\n\n";
        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(Encoding.UTF8.GetBytes(text), stream: true, out var bye, out _));
        Assert.Equal("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc", bye!.Get("Via"));
        Assert.Equal("<sip:vcsp@127.0.0.1>;tag=1", bye.Get("FROM"));
        Assert.Equal("<sip:alice@127.0.0.1> ;tag=2", bye.Get("to"));
        Assert.Equal("call-1", bye.Get("Call-ID"));
        Assert.Equal("call-1", bye.Get("i"));
        Assert.Equal("2 BYE", bye.Get("CSeq"));
        Assert.Equal(0, bye.Body.Length);
    }

    [Theory]
    [InlineData("HELLO\r\n\r\n", SipParseStatus.BadStartLine)]
    [InlineData("INVITE sip:a@b SIP/3\r\n\r\n", SipParseStatus.BadStartLine)]
    [InlineData("INVITE sip:a@b HTTP/1.1\r\n\r\n", SipParseStatus.BadStartLine)]
    [InlineData("SIP/2.0 2000 OK\r\n\r\n", SipParseStatus.BadStartLine)]
    [InlineData("SIP/2.0 099 Too low\r\n\r\n", SipParseStatus.BadStartLine)]
    [InlineData("IN<VITE sip:a@b SIP/2.0\r\n\r\n", SipParseStatus.BadStartLine)]
    [InlineData("BYE sip:a@b SIP/2.0\r\nno colon here\r\n\r\n", SipParseStatus.BadHeader)]
    [InlineData("BYE sip:a@b SIP/2.0\r\n: empty name\r\n\r\n", SipParseStatus.BadHeader)]
    [InlineData("BYE sip:a@b SIP/2.0\r\nContent-Length: ten\r\n\r\n", SipParseStatus.BadContentLength)]
    [InlineData("BYE sip:a@b SIP/2.0\r\nContent-Length: 10\r\n\r\nshort", SipParseStatus.BadContentLength)]
    [InlineData("BYE sip:a@b SIP/2.0\r\nCall-ID: x\r\n", SipParseStatus.Incomplete)]
    public void MalformedDatagramsAreRefusedWithAReason(string text, SipParseStatus expected)
    {
        Assert.Equal(expected, SipMessage.TryParse(Encoding.UTF8.GetBytes(text), stream: false, out var message, out _));
        Assert.Null(message);
    }

    [Fact]
    public void AStreamIsFramedByContentLength()
    {
        var first = SipMessage.Request("BYE", "sip:a@127.0.0.1").With("Call-ID", "1").WithBody("text/plain", "hello"u8.ToArray()).ToBytes();
        var second = SipMessage.Response(200, "OK").With("Call-ID", "1").ToBytes();
        var stream = first.Concat(second).ToArray();

        for (var cut = 0; cut < first.Length; cut++)
        {
            Assert.Equal(SipParseStatus.Incomplete, SipMessage.TryParse(stream.AsSpan(0, cut), stream: true, out _, out _));
        }

        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(stream, stream: true, out var bye, out var consumed));
        Assert.Equal(first.Length, consumed);
        Assert.Equal("hello", Encoding.UTF8.GetString(bye!.Body.Span));
        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(stream.AsSpan(consumed), stream: true, out var ok, out var rest));
        Assert.Equal((200, second.Length), (ok!.StatusCode, rest));

        // On a stream, Content-Length is required.
        Assert.Equal(SipParseStatus.BadContentLength, SipMessage.TryParse("BYE sip:a@b SIP/2.0\r\nCall-ID: 1\r\n\r\n"u8, stream: true, out _, out _));
    }

    [Fact]
    public void RandomAndMutatedInputNeverThrows()
    {
        var random = new Random(5060);
        var samples = ProtocolExamples().Select(Encoding.UTF8.GetBytes).ToArray();
        var parsed = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var sample = samples[random.Next(samples.Length)];
            var bytes = (byte[])sample.Clone();
            for (var f = random.Next(1, 6); f > 0; f--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var length = random.Next(bytes.Length + 1);
            var status = SipMessage.TryParse(bytes.AsSpan(0, length), stream: i % 2 == 0, out var message, out var consumed);
            Assert.Equal(status == SipParseStatus.Ok, message is not null);
            Assert.InRange(consumed, 0, length);
            parsed += status == SipParseStatus.Ok ? 1 : 0;
        }

        Assert.True(parsed > 0, "the mutations never produced a parseable message: the fuzz is not reaching the parser's body");
    }
}
