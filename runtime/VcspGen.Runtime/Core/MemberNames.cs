using System;
using System.Buffers;
using System.Globalization;
using System.Text;

namespace VcspGen.Runtime;

/// <summary>
/// The rule every member name follows, on both sides (PROTOCOL.md §4, Text rules): 1 to 32 bytes of well-formed
/// UTF-8 without control characters (Unicode category Cc: C0, DEL and C1), format characters (Cf: the bidi controls,
/// zero-width characters) or separators (Zs, Zl, Zp: the space among them). So a name is one word on a command line,
/// cannot reorder or hide the text around it on a terminal, and two names that look alike differ in visible characters.
/// </summary>
public static class MemberNames
{
    /// <summary>The longest name, in UTF-8 bytes.</summary>
    public const int MaxBytes = 32;

    /// <summary>Whether <paramref name="utf8"/> is a valid member name. Allocates nothing.</summary>
    /// <param name="utf8">The name as it travels: UTF-8.</param>
    /// <returns>True when the name follows the rule.</returns>
    public static bool IsValid(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length is < 1 or > MaxBytes)
        {
            return false;
        }

        while (!utf8.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(utf8, out var rune, out var consumed) != OperationStatus.Done || !IsAllowed(rune))
            {
                return false;
            }

            utf8 = utf8[consumed..];
        }

        return true;
    }

    /// <summary>Whether <paramref name="name"/> is a valid member name (counted in UTF-8 bytes).</summary>
    /// <param name="name">The name.</param>
    /// <returns>True when the name follows the rule.</returns>
    public static bool IsValid(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > MaxBytes * 2 || Encoding.UTF8.GetByteCount(name) > MaxBytes)
        {
            return false;
        }

        var rest = name.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != OperationStatus.Done || !IsAllowed(rune))
            {
                return false; // an unpaired surrogate is not UTF-8 either
            }

            rest = rest[consumed..];
        }

        return true;
    }

    private static bool IsAllowed(Rune rune) => Rune.GetUnicodeCategory(rune) is not (
        UnicodeCategory.Control
        or UnicodeCategory.Format
        or UnicodeCategory.SpaceSeparator
        or UnicodeCategory.LineSeparator
        or UnicodeCategory.ParagraphSeparator);
}
