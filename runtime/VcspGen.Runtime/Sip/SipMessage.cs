using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// A SIP message (RFC 3261 §7): a request or a response, its headers in order, and its body. Parsing is tolerant where
/// RFC 3261 asks for tolerance (header names in any case, compact forms, folded header lines, LF without CR) and never
/// throws: it returns a <see cref="SipParseStatus"/>. Encoding writes CRLF line ends and a Content-Length that counts
/// the body.
/// </summary>
public sealed class SipMessage
{
    /// <summary>The largest message accepted (headers and body): 64 KiB.</summary>
    public const int MaxSize = 65536;

    private static readonly Dictionary<string, string> CompactForms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["v"] = "Via",
        ["f"] = "From",
        ["t"] = "To",
        ["i"] = "Call-ID",
        ["m"] = "Contact",
        ["l"] = "Content-Length",
        ["c"] = "Content-Type",
        ["s"] = "Subject",
        ["k"] = "Supported",
        ["e"] = "Content-Encoding",
    };

    private readonly List<KeyValuePair<string, string>> _headers = [];

    private SipMessage()
    {
    }

    /// <summary>The method of a request (INVITE, ACK, BYE, ...); null for a response.</summary>
    public string? Method { get; private init; }

    /// <summary>The Request-URI of a request; null for a response.</summary>
    public string? RequestUri { get; private init; }

    /// <summary>The status code of a response; 0 for a request.</summary>
    public int StatusCode { get; private init; }

    /// <summary>The reason phrase of a response; null for a request.</summary>
    public string? ReasonPhrase { get; private init; }

    /// <summary>Whether this is a request.</summary>
    public bool IsRequest => Method is not null;

    /// <summary>The headers in order, names in their full form (compact forms expanded).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>
    /// The SIP version of a request's line as written: SIP/2.0, or another SIP/x.y that the call roles answer 505
    /// (RFC 3261 §8.2.6: the headers are parsed, so the answer can be built).
    /// </summary>
    internal string Version { get; private init; } = "SIP/2.0";

    /// <summary>How many bytes the message took on the wire when parsed (0 for one built here).</summary>
    internal int WireLength { get; private set; }

    /// <summary>Whether the message carried more than one Content-Length, with different values (answered 400).</summary>
    internal bool ConflictingContentLength { get; private set; }

    /// <summary>The body (an SDP description, or empty).</summary>
    public ReadOnlyMemory<byte> Body { get; private set; } = ReadOnlyMemory<byte>.Empty;

    /// <summary>Creates a request.</summary>
    /// <param name="method">The method, e.g. INVITE.</param>
    /// <param name="requestUri">The Request-URI.</param>
    /// <returns>The request, with no headers yet.</returns>
    public static SipMessage Request(string method, string requestUri) => new() { Method = method, RequestUri = requestUri };

    /// <summary>Creates a response.</summary>
    /// <param name="statusCode">The status code, 100 to 699.</param>
    /// <param name="reasonPhrase">The reason phrase.</param>
    /// <returns>The response, with no headers yet.</returns>
    public static SipMessage Response(int statusCode, string reasonPhrase) => new() { StatusCode = statusCode, ReasonPhrase = reasonPhrase };

    /// <summary>Adds a header (Content-Length is written by the encoder and ignored here).</summary>
    /// <param name="name">Its name.</param>
    /// <param name="value">Its value.</param>
    /// <returns>This message.</returns>
    public SipMessage With(string name, string value)
    {
        if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
        {
            _headers.Add(new(name, value));
        }

        return this;
    }

    /// <summary>Sets the body.</summary>
    /// <param name="contentType">Its Content-Type.</param>
    /// <param name="body">The bytes.</param>
    /// <returns>This message.</returns>
    public SipMessage WithBody(string contentType, ReadOnlyMemory<byte> body)
    {
        _headers.RemoveAll(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase));
        _headers.Add(new("Content-Type", contentType));
        Body = body;
        return this;
    }

    /// <summary>The first value of a header, by name (any case, compact forms too).</summary>
    /// <param name="name">The header's name.</param>
    /// <returns>Its value, or null.</returns>
    public string? Get(string name)
    {
        var full = CompactForms.TryGetValue(name, out var expanded) ? expanded : name;
        foreach (var header in _headers)
        {
            if (header.Key.Equals(full, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }

    /// <summary>Encodes the message: start line, headers, Content-Length, an empty line and the body.</summary>
    /// <returns>The bytes to send.</returns>
    public byte[] ToBytes()
    {
        var text = new StringBuilder();
        text.Append(IsRequest ? $"{Method} {RequestUri} SIP/2.0\r\n" : $"SIP/2.0 {StatusCode.ToString(CultureInfo.InvariantCulture)} {ReasonPhrase}\r\n");
        foreach (var (name, value) in _headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        text.Append("Content-Length: ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        var head = Encoding.UTF8.GetBytes(text.ToString());
        var bytes = new byte[head.Length + Body.Length];
        head.CopyTo(bytes, 0);
        Body.Span.CopyTo(bytes.AsSpan(head.Length));
        return bytes;
    }

    /// <summary>
    /// Parses one message from the start of <paramref name="input"/>. Over UDP the input is one datagram, and a
    /// missing Content-Length means the body is the rest of it (RFC 3261 §18.3). Over a stream Content-Length is
    /// required, and <paramref name="consumed"/> says where the next message starts.
    /// </summary>
    /// <param name="input">The bytes received.</param>
    /// <param name="stream">Whether the input comes from a stream (TCP) rather than a datagram.</param>
    /// <param name="message">The message, when the status is <see cref="SipParseStatus.Ok"/>.</param>
    /// <param name="consumed">How many bytes the message took.</param>
    /// <returns>What happened.</returns>
    public static SipParseStatus TryParse(ReadOnlySpan<byte> input, bool stream, out SipMessage? message, out int consumed)
    {
        message = null;
        consumed = 0;

        // Leading empty lines are allowed between messages on a stream (RFC 3261 §7.5).
        var start = 0;
        while (start < input.Length && (input[start] == '\r' || input[start] == '\n'))
        {
            start++;
        }

        var headEnd = FindHeadEnd(input[start..], out var separator);
        if (headEnd < 0)
        {
            return input.Length - start > MaxSize ? SipParseStatus.TooLarge : SipParseStatus.Incomplete;
        }

        var headText = Encoding.UTF8.GetString(input.Slice(start, headEnd));
        var lines = Unfold(headText);
        if (lines.Count == 0 || !TryStartLine(lines[0], out var parsed))
        {
            return SipParseStatus.BadStartLine;
        }

        for (var i = 1; i < lines.Count; i++)
        {
            var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return SipParseStatus.BadHeader;
            }

            var name = lines[i][..colon].Trim();
            if (name.Length == 0 || name.Contains(' ', StringComparison.Ordinal))
            {
                return SipParseStatus.BadHeader;
            }

            parsed._headers.Add(new(CompactForms.TryGetValue(name, out var full) ? full : name, lines[i][(colon + 1)..].Trim()));
        }

        var bodyStart = start + headEnd + separator;
        var available = input.Length - bodyStart;
        int length;
        if (parsed.Get("Content-Length") is not { } declared)
        {
            if (stream)
            {
                return SipParseStatus.BadContentLength;
            }

            length = available;
        }
        else if (!int.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > MaxSize)
        {
            return SipParseStatus.BadContentLength;
        }
        else if (Conflicts(parsed, declared))
        {
            if (stream)
            {
                return SipParseStatus.BadContentLength; // no framing to trust on a stream
            }

            parsed.ConflictingContentLength = true;
            length = Math.Min(length, available);
        }
        else if (length > available)
        {
            return stream ? SipParseStatus.Incomplete : SipParseStatus.BadContentLength;
        }

        if (bodyStart + length > MaxSize)
        {
            return SipParseStatus.TooLarge;
        }

        parsed._headers.RemoveAll(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase));
        parsed.Body = input.Slice(bodyStart, length).ToArray();
        message = parsed;
        consumed = bodyStart + length;
        parsed.WireLength = stream ? consumed - start : input.Length;
        return SipParseStatus.Ok;
    }

    // More than one Content-Length, not all the same number (RFC 4475 mcl01): the request is answered 400, and over a
    // datagram the body is what arrived, up to the first value.
    private static bool Conflicts(SipMessage parsed, string first)
    {
        foreach (var header in parsed._headers)
        {
            if (header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && header.Value != first)
            {
                return true;
            }
        }

        return false;
    }

    private static int FindHeadEnd(ReadOnlySpan<byte> input, out int separator)
    {
        for (var i = 0; i < input.Length && i <= MaxSize; i++)
        {
            if (input[i] != '\n')
            {
                continue;
            }

            if (i + 1 < input.Length && input[i + 1] == '\n')
            {
                separator = 2;
                return i;
            }

            if (i + 2 < input.Length && input[i + 1] == '\r' && input[i + 2] == '\n')
            {
                separator = 3;
                return i;
            }
        }

        separator = 0;
        return -1;
    }

    private static List<string> Unfold(string head)
    {
        var lines = new List<string>();
        foreach (var raw in head.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && lines.Count > 1)
            {
                lines[^1] += " " + line.Trim(); // a folded header line continues the previous one (RFC 3261 §7.3.1)
            }
            else if (line.Length > 0)
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private static bool TryStartLine(string line, out SipMessage message)
    {
        message = null!;
        var parts = line.Split(' ', 3, StringSplitOptions.None);
        if (parts.Length < 3)
        {
            return false;
        }

        if (parts[0] == "SIP/2.0")
        {
            if (parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code is < 100 or > 699)
            {
                return false;
            }

            message = new SipMessage { StatusCode = code, ReasonPhrase = parts[2] };
            return true;
        }

        if (!IsSipVersion(parts[2]) || parts[0].Length == 0 || parts[1].Length == 0 || !IsToken(parts[0]))
        {
            return false;
        }

        message = new SipMessage { Method = parts[0], RequestUri = parts[1], Version = parts[2] };
        return true;
    }

    // SIP/digits.digits (RFC 3261 §7.1); only SIP/2.0 is served, the rest answered 505.
    private static bool IsSipVersion(string text)
    {
        if (!text.StartsWith("SIP/", StringComparison.Ordinal))
        {
            return false;
        }

        var version = text[4..];
        var dot = version.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && dot < version.Length - 1 && version.Length <= 16 && int.TryParse(version[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && int.TryParse(version[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    private static bool IsToken(string text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "-.!%*_+`'~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}
