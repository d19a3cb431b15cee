using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using VcspGen.Generator.Model;

namespace VcspGen.Generator.Emitting;

/// <summary>
/// Writes the Lua table of one packet kind for the dissector: its header rules and, per body field, the descriptor
/// the engine walks (the same field kinds, sizes and bounds as <see cref="DecoderEmitter"/> reads).
/// </summary>
internal static class LuaFieldWriter
{
    public static void WriteKind(StringBuilder lua, PacketModel p)
    {
        var key = SnakeCase(p.Name);
        lua.Append("    {\n");
        lua.Append($"        flag = 0x{p.Flag:X2}, name = {Str(p.Name)}, layout = {Str(p.Layout == Layout.Text ? "text" : "media")},\n");
        lua.Append($"        challenge = {Str(RuleKey(p.Challenge))}, fragmentable = {(p.Fragmentable ? "true" : "false")},\n");
        lua.Append($"        direction = {Str(FieldRules.DirectionText(p.Direction))}, min_body = {Num(p.MinBodySize)},\n");
        if (p.Fields.Count == 0)
        {
            lua.Append("        fields = {},\n");
        }
        else
        {
            lua.Append("        fields = {\n");
            for (var i = 0; i < p.Fields.Count; i++)
            {
                lua.Append("            ").Append(FieldCall(p.Fields[i], "vcsp." + key + "." + SnakeCase(p.Fields[i].Name))).Append(",\n");
            }

            lua.Append("        },\n");
        }

        lua.Append("    },\n");
    }

    private static string FieldCall(FieldModel f, string abbr)
    {
        var head = $"{Str(abbr)}, {Str(f.Name)}, {Str(f.Summary)}";
        switch (f.Kind)
        {
            case FieldKind.Address:
                return $"R.address(list, {head})";
            case FieldKind.PrefixedBytes:
            case FieldKind.RestBytes:
                var options = new List<string>();
                if (f.Kind == FieldKind.PrefixedBytes)
                {
                    options.Add("prefixed = true");
                }

                options.Add("text = " + (IsText(f) ? "true" : "false"));
                options.Add("min = " + Num(f.MinLength));
                if (f.MaxLength >= 0)
                {
                    options.Add("max = " + Num(f.MaxLength));
                }

                return $"R.bytes(list, {head}, {{ {string.Join(", ", options)} }})";
            default:
                var integer = string.Join(", ", IntegerOptions(f));
                return $"R.integer(list, {head}, {WireSizes.Of(f.Integer)}, {(IsSigned(f.Integer) ? "true" : "false")}, {(integer.Length == 0 ? "{}" : "{ " + integer + " }")})";
        }
    }

    private static IEnumerable<string> IntegerOptions(FieldModel f)
    {
        var size = WireSizes.Of(f.Integer);
        if (f.EnumValues.Count > 0)
        {
            if (f.IsFlags)
            {
                var bits = f.EnumValues.Where(m => m.Value != 0 && (m.Value & (m.Value - 1)) == 0 && size < 8).ToList();
                yield return "bits = { " + string.Join(", ", bits.Select(m => $"{{ {Str(SnakeCase(m.Name))}, {Str(m.Name)}, {Num(m.Value)} }}")) + " }";
            }

            // Value strings name the members; for [Flags] enums only the combinations that have names.
            var named = f.EnumValues.GroupBy(m => m.Value).Select(g => g.First()).ToList();
            yield return "names = { " + string.Join(", ", named.Select(m => $"[{LuaInteger(m.Value, f.Integer)}] = {Str(m.Name)}")) + " }";
            if (!f.IsFlags)
            {
                yield return "valid = { " + string.Join(", ", named.Select(m => $"[{Str(Decimal(m.Value, f.Integer))}] = true")) + " }";
            }
        }

        if (f.MinValue is { } min)
        {
            yield return "min = " + Bound(min, f.Integer);
        }

        if (f.MaxValue is { } max)
        {
            yield return "max = " + Bound(max, f.Integer);
        }
    }

    /// <summary>A byte field shows as text when it is declared <c>[VcspField(Text = true)]</c>; otherwise as bytes.</summary>
    private static bool IsText(FieldModel f) => f.IsText;

    private static bool IsSigned(IntegerType type) => type is IntegerType.SByte or IntegerType.Int16 or IntegerType.Int32 or IntegerType.Int64;

    /// <summary>The value as the wire reads it, in decimal: a wrapped <c>ulong</c> is shown unsigned again.</summary>
    private static string Decimal(long value, IntegerType type) =>
        type == IntegerType.UInt64 ? unchecked((ulong)value).ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    private static string LuaInteger(long value, IntegerType type) => WireSizes.Of(type) == 8 ? Str(Decimal(value, type)) : Num(value);

    /// <summary>A bound to compare a read value with: a number, or an Int64/UInt64 for 8-byte fields.</summary>
    private static string Bound(long value, IntegerType type) => type switch
    {
        IntegerType.UInt64 => $"UInt64.fromhex(\"{unchecked((ulong)value):X16}\")",
        IntegerType.Int64 => $"Int64.fromhex(\"{unchecked((ulong)value):X16}\")",
        _ => Num(value),
    };

    private static string RuleKey(ChallengeRule rule) => rule switch
    {
        ChallengeRule.Member => "member",
        ChallengeRule.FirstContact => "first_contact",
        ChallengeRule.None => "none",
        ChallengeRule.NoneOrMember => "none_or_member",
        _ => "any",
    };

    public static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A Lua string literal in double quotes.</summary>
    public static string Str(string text)
    {
        var s = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                    s.Append("\\\\");
                    break;
                case '"':
                    s.Append("\\\"");
                    break;
                case '\n':
                    s.Append("\\n");
                    break;
                default:
                    if (c < ' ' || c == '\x7f')
                    {
                        s.Append('\\').Append(((int)c).ToString("D3", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        s.Append(c);
                    }

                    break;
            }
        }

        return s.Append('"').ToString();
    }

    /// <summary><c>JoinRequest</c> → <c>join_request</c>, <c>IPv6Address</c> → <c>ipv6_address</c>, <c>HTTPServer</c> → <c>http_server</c>.</summary>
    public static string SnakeCase(string name)
    {
        var s = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousLower = i > 0 && char.IsLetterOrDigit(name[i - 1]) && !char.IsUpper(name[i - 1]);
                var acronymEnd = i > 1 && char.IsUpper(name[i - 1]) && char.IsUpper(name[i - 2]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (s.Length > 0 && s[s.Length - 1] != '_' && (previousLower || acronymEnd))
                {
                    s.Append('_');
                }

                s.Append(char.ToLowerInvariant(c));
            }
            else
            {
                s.Append(char.IsLetterOrDigit(c) ? c : '_');
            }
        }

        return s.ToString();
    }
}
