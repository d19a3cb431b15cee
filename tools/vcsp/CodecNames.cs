using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VcspGen.Spec;

namespace Vcsp.Cli;

/// <summary>Codec lists on the command line: names (opus, pcmu, pcma, g722, h264, mp2t) or ids (PROTOCOL.md §12.1), comma-separated.</summary>
internal static class CodecNames
{
    public const string Known = "opus, pcmu, pcma, g722, h264, mp2t (or their ids 111, 0, 8, 9, 96, 33)";

    public static bool TryParse(string text, out byte[] codecs)
    {
        var list = new List<byte>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (Enum.TryParse<VcspCodec>(part, ignoreCase: true, out var named) && !part.All(char.IsAsciiDigit))
            {
                list.Add((byte)named);
            }
            else if (byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && Enum.IsDefined((VcspCodec)id))
            {
                list.Add(id);
            }
            else
            {
                codecs = [];
                return false;
            }
        }

        codecs = [.. list.Distinct()];
        return codecs.Length is >= 1 and <= 32;
    }

    public static string Describe(IEnumerable<byte> codecs) =>
        string.Join(",", codecs.Select(c => Enum.IsDefined((VcspCodec)c) ? ((VcspCodec)c).ToString().ToLowerInvariant() : c.ToString(CultureInfo.InvariantCulture)));
}
