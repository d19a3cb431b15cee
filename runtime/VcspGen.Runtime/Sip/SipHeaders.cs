using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// Small pieces of RFC 3261 that the call state machines share: header parameters (tag, branch), CSeq, URIs in
/// name-addr form, and fresh tags, branches and Call-IDs. Every parser here returns null or false on bad input; none throws.
/// </summary>
internal static class SipHeaders
{
    /// <summary>The magic cookie every RFC 3261 branch starts with (§8.1.1.7).</summary>
    public const string BranchCookie = "z9hG4bK";

    /// <summary>The value of a header parameter (<c>;name=value</c>) outside any &lt;URI&gt;, or null.</summary>
    /// <param name="header">A header value, e.g. a From, To or Via value.</param>
    /// <param name="name">The parameter's name (any case).</param>
    /// <returns>The value, or null when absent.</returns>
    public static string? Parameter(string? header, string name)
    {
        if (header is null)
        {
            return null;
        }

        // Parameters of the URI inside <...> belong to the URI, not to the header.
        var close = header.LastIndexOf('>');
        var rest = close >= 0 ? header[(close + 1)..] : header;
        foreach (var part in rest.Split(';'))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = (equals < 0 ? part : part[..equals]).Trim();
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return equals < 0 ? string.Empty : part[(equals + 1)..].Trim();
            }
        }

        return null;
    }

    /// <summary>Parses a CSeq value: its number and method.</summary>
    /// <param name="header">The CSeq header's value, e.g. <c>1 INVITE</c>.</param>
    /// <param name="number">The sequence number.</param>
    /// <param name="method">The method.</param>
    /// <returns>Whether it parsed.</returns>
    public static bool TryParseCSeq(string? header, out uint number, out string method)
    {
        number = 0;
        method = string.Empty;
        var parts = header?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts is not { Length: 2 } || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out number))
        {
            return false;
        }

        method = parts[1];
        return true;
    }

    /// <summary>The URI of a name-addr or addr-spec header value (<c>"x" &lt;sip:a@b&gt;;tag=1</c> → <c>sip:a@b</c>).</summary>
    /// <param name="header">A From, To or Contact value.</param>
    /// <returns>The URI, or null.</returns>
    public static string? Uri(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var open = header.IndexOf('<', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = header.IndexOf('>', open + 1);
            return close > open + 1 ? header[(open + 1)..close].Trim() : null;
        }

        // addr-spec: parameters after ';' belong to the header (RFC 3261 §20.10).
        var semicolon = header.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? header : header[..semicolon]).Trim();
    }

    /// <summary>The host and port of a SIP URI (<c>sip:user@host:port;params</c>); the port defaults to 5060.</summary>
    /// <param name="uri">The URI.</param>
    /// <param name="endPoint">Its host (an IP literal) and port.</param>
    /// <returns>Whether the URI is a sip: URI with an IP address host.</returns>
    public static bool TryParseUriEndPoint(string? uri, out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (uri is null || !uri.StartsWith("sip:", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var hostPart = uri[4..];
        var at = hostPart.LastIndexOf('@');
        hostPart = at >= 0 ? hostPart[(at + 1)..] : hostPart;
        var end = hostPart.IndexOfAny([';', '?']);
        hostPart = end >= 0 ? hostPart[..end] : hostPart;
        if (IPEndPoint.TryParse(hostPart, out var parsed))
        {
            endPoint = parsed.Port == 0 ? new IPEndPoint(parsed.Address, 5060) : parsed;
            return true;
        }

        return false;
    }

    /// <summary>
    /// The transport and sent-by of a Via value's first entry (<c>SIP/2.0/UDP host:port;branch=…</c>, RFC 3261 §20.42);
    /// the port defaults to 5060.
    /// </summary>
    /// <param name="via">The Via header's value (its first entry is read when it lists several).</param>
    /// <param name="transport">UDP or TCP.</param>
    /// <param name="sentBy">The sent-by host (an IP literal) and port.</param>
    /// <returns>Whether it is a SIP/2.0 Via over UDP or TCP with an IP address host.</returns>
    public static bool TryParseVia(string? via, out VcspGen.Spec.SipTransport transport, out IPEndPoint? sentBy)
    {
        transport = VcspGen.Spec.SipTransport.Udp;
        sentBy = null;
        if (via is null)
        {
            return false;
        }

        var comma = via.IndexOf(',', StringComparison.Ordinal);
        var entry = (comma >= 0 ? via[..comma] : via).Trim();
        var semicolon = entry.IndexOf(';', StringComparison.Ordinal);
        var parts = (semicolon >= 0 ? entry[..semicolon] : entry).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            return false;
        }

        var protocol = parts[0].Replace(" ", string.Empty, StringComparison.Ordinal);
        if (protocol.Equals("SIP/2.0/UDP", StringComparison.OrdinalIgnoreCase))
        {
            transport = VcspGen.Spec.SipTransport.Udp;
        }
        else if (protocol.Equals("SIP/2.0/TCP", StringComparison.OrdinalIgnoreCase))
        {
            transport = VcspGen.Spec.SipTransport.Tcp;
        }
        else
        {
            return false;
        }

        if (!IPEndPoint.TryParse(parts[1], out var parsed))
        {
            return false;
        }

        sentBy = parsed.Port == 0 ? new IPEndPoint(parsed.Address, 5060) : parsed;
        return true;
    }

    /// <summary>An endpoint as a SIP host:port (IPv6 in brackets).</summary>
    /// <param name="endPoint">The endpoint.</param>
    /// <returns>The text.</returns>
    public static string HostPort(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return endPoint.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{endPoint.Address}]:{endPoint.Port.ToString(CultureInfo.InvariantCulture)}"
            : $"{endPoint.Address}:{endPoint.Port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The user part of a SIP URI, percent-encoded as RFC 3261 §25.1 asks (unreserved and user-unreserved characters stay).</summary>
    /// <param name="user">The user, e.g. a member name.</param>
    /// <returns>The escaped text.</returns>
    public static string EscapeUser(string user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var text = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(user))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || "-_.!~*'()&=+$,;?/".Contains(c, StringComparison.Ordinal))
            {
                text.Append(c);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return text.ToString();
    }

    /// <summary>A quoted-string for a display name (RFC 3261 §25.1: backslash and quote escaped).</summary>
    /// <param name="text">The display name.</param>
    /// <returns>The quoted text.</returns>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A new random tag (RFC 3261 §19.3: at least 32 bits of randomness).</summary>
    /// <returns>Ten hexadecimal digits.</returns>
    public static string NewTag() => RandomHex(5);

    /// <summary>A new branch with the magic cookie (RFC 3261 §8.1.1.7).</summary>
    /// <returns>The branch.</returns>
    public static string NewBranch() => BranchCookie + RandomHex(8);

    /// <summary>A new Call-ID (RFC 3261 §8.1.1.4): random digits at the host.</summary>
    /// <param name="host">The local address.</param>
    /// <returns>The Call-ID.</returns>
    public static string NewCallId(IPAddress host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return RandomHex(12) + "@" + (host.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host.ToString());
    }

    private static string RandomHex(int bytes)
    {
        Span<byte> random = stackalloc byte[bytes];
        RandomNumberGenerator.Fill(random);
        return Convert.ToHexStringLower(random);
    }
}
