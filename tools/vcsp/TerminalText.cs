using System;
using System.Globalization;
using System.Text;

namespace Vcsp.Cli;

/// <summary>
/// The one place untrusted text (names, messages, DMs, command replies, reasons: anything that came over the network)
/// is made safe for a terminal. Nothing in the result is interpreted by a terminal: C0 controls (TAB, LF and CR too)
/// and DEL become their control pictures (U+2400 + n, U+2421), so an ESC shows as ␛ and the bytes after it are plain
/// text; C1 controls, bidirectional controls, line and paragraph separators and invisible format characters are written
/// as <c>&lt;U+XXXX&gt;</c>; malformed UTF-8 and lone surrogates become U+FFFD.
/// </summary>
internal static class TerminalText
{
    /// <summary>Decodes UTF-8 (malformed sequences become U+FFFD) and makes the text safe to print.</summary>
    public static string Sanitize(ReadOnlySpan<byte> utf8) => Sanitize(Encoding.UTF8.GetString(utf8));

    /// <summary>Makes <paramref name="text"/> safe to print; returns it unchanged when it already is.</summary>
    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsSafe(text))
        {
            return text;
        }

        var safe = new StringBuilder(text.Length + 16);
        foreach (var rune in text.EnumerateRunes()) // a lone surrogate comes out as U+FFFD
        {
            Append(safe, rune);
        }

        return safe.ToString();
    }

    /// <summary>Whether <paramref name="rune"/> is printed as something else (a control picture or <c>&lt;U+XXXX&gt;</c>).</summary>
    public static bool IsShownVisibly(Rune rune) => rune.Value switch
    {
        < 0x20 or 0x7F => true, // C0 and DEL
        >= 0x80 and <= 0x9F => true, // C1 (CSI, OSC, NEL, ...)
        0x200C or 0x200D => false, // ZWNJ and ZWJ: needed by emoji sequences and many scripts, and harmless
        _ => Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format // bidi controls, ZWSP, BOM, word joiner, tags ...
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator,
    };

    private static bool IsSafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x20 || c is >= (char)0x7F and <= (char)0x9F)
            {
                return false;
            }

            if (c < 0x100)
            {
                continue;
            }

            if (char.IsSurrogate(c))
            {
                if (!Rune.TryGetRuneAt(text, i, out var pair))
                {
                    return false; // a lone surrogate
                }

                if (IsShownVisibly(pair))
                {
                    return false;
                }

                i++;
                continue;
            }

            if (IsShownVisibly(new Rune(c)))
            {
                return false;
            }
        }

        return !text.Contains('\u00AD', StringComparison.Ordinal); // the soft hyphen is a format character below U+0100
    }

    private static void Append(StringBuilder safe, Rune rune)
    {
        switch (rune.Value)
        {
            case < 0x20:
                safe.Append((char)(0x2400 + rune.Value));
                break;
            case 0x7F:
                safe.Append('\u2421');
                break;
            default:
                if (IsShownVisibly(rune))
                {
                    safe.Append("<U+").Append(rune.Value.ToString("X4", CultureInfo.InvariantCulture)).Append('>');
                }
                else
                {
                    safe.Append(rune.ToString());
                }

                break;
        }
    }
}
