using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// The subset of an SDP session description (RFC 4566) that a VCSP call uses (PROTOCOL.md §12.3, §12.4): the
/// origin, the connection address, one media line with its formats, their <c>a=rtpmap</c> lines, and VCSP's
/// <c>a=vcsp-challenge</c>. Parsing ignores lines it does not use (b=, a=sendrecv, a second m= line is refused) and
/// never throws.
/// </summary>
internal sealed class SdpSession
{
    /// <summary>The attribute that carries the call challenge in a server's offer.</summary>
    public const string ChallengeAttribute = "vcsp-challenge";

    /// <summary>The origin's session id (o= line).</summary>
    public ulong SessionId { get; init; }

    /// <summary>The origin's session version (o= line).</summary>
    public ulong SessionVersion { get; init; }

    /// <summary>The origin's address (o= line).</summary>
    public required IPAddress OriginAddress { get; init; }

    /// <summary>The session name (s= line).</summary>
    public string SessionName { get; init; } = "VCSP call";

    /// <summary>The connection address (c= line).</summary>
    public required IPAddress ConnectionAddress { get; init; }

    /// <summary>The media type of the m= line: <c>audio</c> or <c>video</c>.</summary>
    public required string MediaType { get; init; }

    /// <summary>The media port of the m= line.</summary>
    public required int MediaPort { get; init; }

    /// <summary>The formats (RTP payload types, i.e. codec ids) of the m= line, in its order.</summary>
    public required IReadOnlyList<byte> Formats { get; init; }

    /// <summary>The encodings named by <c>a=rtpmap</c> lines, by payload type (e.g. 111 → <c>opus/48000/2</c>).</summary>
    public IReadOnlyDictionary<byte, string> RtpMaps { get; init; } = new Dictionary<byte, string>();

    /// <summary>The <c>a=vcsp-challenge</c> value, or null when the line is absent (it is never 255 or 65535 in a valid offer).</summary>
    public int? CallChallenge { get; init; }

    /// <summary>
    /// A VCSP offer or answer (PROTOCOL.md §12.3, §12.4): one address for origin and connection, one media line with
    /// one codec, and a random session id that is also the version.
    /// </summary>
    /// <param name="address">The origin and connection address.</param>
    /// <param name="mediaType">The media type, <c>audio</c> or <c>video</c>.</param>
    /// <param name="port">The media port.</param>
    /// <param name="codec">The codec id.</param>
    /// <param name="callChallenge">The call challenge (an offer), or null (an answer).</param>
    /// <returns>The description.</returns>
    public static SdpSession ForCall(IPAddress address, string mediaType, int port, byte codec, int? callChallenge)
    {
        var sessionId = (ulong)SecureRandom.Sequence();
        return new SdpSession
        {
            SessionId = sessionId,
            SessionVersion = sessionId,
            OriginAddress = address,
            ConnectionAddress = address,
            MediaType = mediaType,
            MediaPort = port,
            Formats = [codec],
            CallChallenge = callChallenge,
        };
    }

    /// <summary>The SDP media type of a codec id (PROTOCOL.md §12.1): <c>video</c> for 33 (MP2T) and 96 (H264), otherwise <c>audio</c>.</summary>
    /// <param name="codec">A codec id.</param>
    /// <returns>The media type.</returns>
    public static string MediaTypeOf(byte codec) => codec is 33 or 96 ? "video" : "audio";

    /// <summary>The <c>a=rtpmap</c> encoding of a codec id (PROTOCOL.md §12.1), or null for an id VCSP does not define.</summary>
    /// <param name="codec">A codec id.</param>
    /// <returns>The encoding name, clock rate and channels.</returns>
    public static string? EncodingOf(byte codec) => codec switch
    {
        0 => "PCMU/8000",
        8 => "PCMA/8000",
        9 => "G722/8000",
        33 => "MP2T/90000",
        96 => "H264/90000",
        111 => "opus/48000/2",
        _ => null,
    };

    /// <summary>
    /// Encodes the description with exactly the lines of PROTOCOL.md §12.3, in its order: v, o, s, c, t, m, one
    /// <c>a=rtpmap</c> per format that has an encoding, and <c>a=vcsp-challenge</c> when there is a call challenge.
    /// Every line ends with CRLF.
    /// </summary>
    /// <returns>The UTF-8 bytes.</returns>
    public byte[] ToBytes()
    {
        var text = new StringBuilder();
        text.Append("v=0\r\n");
        text.Append(CultureInfo.InvariantCulture, $"o=- {SessionId} {SessionVersion} {AddressText(OriginAddress)}\r\n");
        text.Append(CultureInfo.InvariantCulture, $"s={SessionName}\r\n");
        text.Append(CultureInfo.InvariantCulture, $"c={AddressText(ConnectionAddress)}\r\n");
        text.Append("t=0 0\r\n");
        text.Append(CultureInfo.InvariantCulture, $"m={MediaType} {MediaPort} RTP/AVP");
        foreach (var format in Formats)
        {
            text.Append(CultureInfo.InvariantCulture, $" {format}");
        }

        text.Append("\r\n");
        foreach (var format in Formats)
        {
            if (RtpMaps.TryGetValue(format, out var encoding) || (encoding = EncodingOf(format)) is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"a=rtpmap:{format} {encoding}\r\n");
            }
        }

        if (CallChallenge is { } challenge)
        {
            text.Append(CultureInfo.InvariantCulture, $"a={ChallengeAttribute}:{challenge}\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>
    /// Parses a description. It needs v=0, an o= line, a c= line (session level or in the media section), and exactly
    /// one m= line with a port and at least one numeric format; other lines are skipped. Lines may end with CRLF or LF.
    /// </summary>
    /// <param name="body">The SDP body of a SIP message.</param>
    /// <param name="session">The description, when it parsed.</param>
    /// <param name="error">Why it did not, in a few words.</param>
    /// <returns>Whether it parsed.</returns>
    public static bool TryParse(ReadOnlySpan<byte> body, out SdpSession? session, out string? error)
    {
        session = null;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(body);
        }
        catch (ArgumentException)
        {
            error = "not UTF-8";
            return false;
        }

        var sawVersion = false;
        IPAddress? origin = null;
        ulong sessionId = 0, sessionVersion = 0;
        string sessionName = "-";
        IPAddress? connection = null;
        string? mediaType = null;
        var mediaPort = -1;
        var formats = new List<byte>();
        var rtpMaps = new Dictionary<byte, string>();
        int? challenge = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Length < 2 || line[1] != '=')
            {
                error = "a line is not <type>=<value>";
                return false;
            }

            var value = line[2..];
            switch (line[0])
            {
                case 'v':
                    if (value != "0")
                    {
                        error = "v= is not 0";
                        return false;
                    }

                    sawVersion = true;
                    break;
                case 'o':
                    var o = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (o.Length != 6 || !ulong.TryParse(o[1], NumberStyles.None, CultureInfo.InvariantCulture, out sessionId)
                        || !ulong.TryParse(o[2], NumberStyles.None, CultureInfo.InvariantCulture, out sessionVersion)
                        || !TryParseAddress(o[3], o[4], o[5], out origin))
                    {
                        error = "bad o= line";
                        return false;
                    }

                    break;
                case 's':
                    sessionName = value;
                    break;
                case 'c':
                    var c = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (c.Length != 3 || !TryParseAddress(c[0], c[1], c[2], out connection))
                    {
                        error = "bad c= line";
                        return false;
                    }

                    break;
                case 'm':
                    var m = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (mediaType is not null)
                    {
                        error = "more than one m= line";
                        return false;
                    }

                    if (m.Length < 4 || !int.TryParse(m[1], NumberStyles.None, CultureInfo.InvariantCulture, out mediaPort) || mediaPort > 65535)
                    {
                        error = "bad m= line";
                        return false;
                    }

                    mediaType = m[0];
                    for (var i = 3; i < m.Length; i++)
                    {
                        if (!byte.TryParse(m[i], NumberStyles.None, CultureInfo.InvariantCulture, out var format) || format > 127)
                        {
                            error = "bad m= format";
                            return false;
                        }

                        formats.Add(format);
                    }

                    break;
                case 'a':
                    if (value.StartsWith("rtpmap:", StringComparison.Ordinal))
                    {
                        var space = value.IndexOf(' ', StringComparison.Ordinal);
                        if (space < 0 || !byte.TryParse(value.AsSpan(7, space - 7), NumberStyles.None, CultureInfo.InvariantCulture, out var payload))
                        {
                            error = "bad a=rtpmap line";
                            return false;
                        }

                        rtpMaps[payload] = value[(space + 1)..].Trim();
                    }
                    else if (value.StartsWith(ChallengeAttribute + ":", StringComparison.Ordinal))
                    {
                        if (!ushort.TryParse(value.AsSpan(ChallengeAttribute.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                        {
                            error = "bad a=vcsp-challenge line";
                            return false;
                        }

                        challenge = parsed;
                    }

                    break;
                default:
                    // t=, b=, i=, u=, e=, p=, z=, k=, r=: not used by VCSP.
                    break;
            }
        }

        if (!sawVersion || origin is null || connection is null || mediaType is null || formats.Count == 0)
        {
            error = !sawVersion ? "no v= line" : origin is null ? "no o= line" : connection is null ? "no c= line" : "no m= line";
            return false;
        }

        error = null;
        session = new SdpSession
        {
            SessionId = sessionId,
            SessionVersion = sessionVersion,
            OriginAddress = origin,
            SessionName = sessionName,
            ConnectionAddress = connection,
            MediaType = mediaType,
            MediaPort = mediaPort,
            Formats = formats,
            RtpMaps = rtpMaps,
            CallChallenge = challenge,
        };
        return true;
    }

    private static string AddressText(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"IN IP6 {address}" : $"IN IP4 {address}";

    private static bool TryParseAddress(string network, string type, string text, out IPAddress? address)
    {
        address = null;
        if (network != "IN" || (type != "IP4" && type != "IP6"))
        {
            return false;
        }

        // A multicast c= may carry /ttl: VCSP is unicast, so anything after a slash is refused with the address.
        if (!IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        var family = type == "IP4" ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (parsed.AddressFamily != family)
        {
            return false;
        }

        address = parsed;
        return true;
    }
}
