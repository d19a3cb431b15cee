using System;
using System.Globalization;
using System.Linq;
using System.Text;
using Vcsp.Cli;
using Xunit;

namespace VcspGen.Tests;

/// <summary><see cref="TerminalText"/>: untrusted text comes out with nothing a terminal would interpret, and every such character shown.</summary>
public sealed class TerminalTextTests
{
    [Fact]
    public void EveryC0ControlAndDelBecomeTheirControlPictures()
    {
        for (var c = 0; c < 0x20; c++)
        {
            Assert.Equal($"a{(char)(0x2400 + c)}b", TerminalText.Sanitize($"a{(char)c}b"));
        }

        Assert.Equal("a\u2421b", TerminalText.Sanitize("a\u007Fb"));
        Assert.Equal("tab\u2409 lf\u240A cr\u240D", TerminalText.Sanitize("tab\t lf\n cr\r")); // shown, never interpreted
    }

    [Fact]
    public void EscapeSequencesAreMadeHarmlessText()
    {
        var hostile = "\u001b[31mred\u001b[0m \u001b]0;pwned\u0007 \u001b[2J\u001bc";
        Assert.Equal("\u241b[31mred\u241b[0m \u241b]0;pwned\u2407 \u241b[2J\u241bc", TerminalText.Sanitize(hostile));
    }

    [Fact]
    public void EveryC1ControlIsWrittenAsItsCodePoint()
    {
        for (var c = 0x80; c <= 0x9F; c++)
        {
            Assert.Equal($"a<U+{c:X4}>b", TerminalText.Sanitize($"a{(char)c}b"));
        }
    }

    [Theory]
    [InlineData(0x200E)]
    [InlineData(0x200F)]
    [InlineData(0x061C)]
    [InlineData(0x202A)]
    [InlineData(0x202B)]
    [InlineData(0x202C)]
    [InlineData(0x202D)]
    [InlineData(0x202E)]
    [InlineData(0x2066)]
    [InlineData(0x2067)]
    [InlineData(0x2068)]
    [InlineData(0x2069)]
    [InlineData(0x200B)] // zero width space
    [InlineData(0x2060)] // word joiner
    [InlineData(0xFEFF)] // byte order mark
    [InlineData(0x00AD)] // soft hyphen
    [InlineData(0x2028)] // line separator
    [InlineData(0x2029)] // paragraph separator
    [InlineData(0xE0041)] // a tag character (outside the BMP)
    public void BidiAndInvisibleFormatCharactersAreWrittenAsTheirCodePoint(int codePoint)
    {
        var text = "x" + char.ConvertFromUtf32(codePoint) + "y";
        Assert.Equal($"x<U+{codePoint:X4}>y", TerminalText.Sanitize(text));
        Assert.Equal($"x<U+{codePoint:X4}>y", TerminalText.Sanitize(Encoding.UTF8.GetBytes(text)));
    }

    [Theory]
    [InlineData("hello, world")]
    [InlineData("héllo wörld, 日本語, Ελληνικά, עברית, العربية")]
    [InlineData("\U0001F469\u200D\U0001F4BB and \U0001F44D\U0001F3FD")] // ZWJ and skin tones: emoji sequences stay
    [InlineData("<U+202E> typed by someone")]
    public void OrdinaryTextIsUnchanged(string text)
    {
        Assert.Same(text, TerminalText.Sanitize(text));
        Assert.Equal(text, TerminalText.Sanitize(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void MalformedUtf8AndLoneSurrogatesBecomeTheReplacementCharacter()
    {
        Assert.Equal("a\uFFFD\uFFFDb\uFFFD", TerminalText.Sanitize([0x61, 0xFF, 0xC3, 0x62, 0xE2, 0x82]));
        Assert.Equal("\uFFFDx\uFFFD", TerminalText.Sanitize("\uD800x\uDC00"));
        Assert.Equal("\uFFFD<U+202E>", TerminalText.Sanitize([0xC0, 0xE2, 0x80, 0xAE])); // an overlong form, then RLO
    }

    [Fact]
    public void NoCodePointComesOutAsAControlOrAnInvisibleFormatCharacter()
    {
        // Every code point of every plane, one at a time, between two letters: nothing a terminal interprets survives.
        for (var value = 0; value <= 0x10FFFF; value++)
        {
            if (value is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            var safe = TerminalText.Sanitize("a" + char.ConvertFromUtf32(value) + "b");
            foreach (var rune in safe.EnumerateRunes())
            {
                var category = Rune.GetUnicodeCategory(rune);
                var allowed = category is not (UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                    && (category != UnicodeCategory.Format || rune.Value is 0x200C or 0x200D);
                Assert.True(allowed, $"U+{value:X4} came out as U+{rune.Value:X4} in '{safe}'");
            }
        }
    }

    [Fact]
    public void TheOutputIsLongerOnlyByWhatIsShown()
    {
        var all = string.Concat(Enumerable.Range(0, 0x20).Select(c => (char)c)) + "\u007F\u009B\u202E";
        var safe = TerminalText.Sanitize(all);
        Assert.Equal(string.Concat(Enumerable.Range(0x2400, 0x20).Select(c => (char)c)) + "\u2421<U+009B><U+202E>", safe);
    }
}
