using VcspGen.Generator.Model;
using static VcspGen.Generator.Emitting.FieldRules;

namespace VcspGen.Generator.Emitting;

/// <summary>
/// Writes a packet's encoder: every rule checked first (so what encodes also decodes), then one length check, the
/// header's fixed part as one big-endian store, and the fields at constant positions while their sizes are fixed.
/// </summary>
internal static class EncoderEmitter
{
    public static void Emit(CodeWriter w, PacketModel p)
    {
        w.Line("/// <summary>");
        w.Line("/// Encodes this packet into <paramref name=\"destination\"/>. Never throws and never allocates. Validates");
        w.Line("/// first, so a packet that encodes also decodes; on any status but Ok nothing is written.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"destination\">Where to write the datagram.</param>");
        w.Line("/// <param name=\"bytesWritten\">The datagram's length, or 0 when nothing was written.</param>");
        w.Line("/// <returns><see cref=\"global::VcspGen.VcspEncodeStatus.Ok\"/>, or why the packet was not written.</returns>");
        w.Line(PacketEmitter.GeneratedCode);
        w.Open($"public readonly {Encode} TryEncode(scoped global::System.Span<byte> destination, out int bytesWritten)");
        w.Line("bytesWritten = 0;");
        if (ChallengeViolation(p.Challenge, "Challenge") is { } badChallenge)
        {
            Guard(w, badChallenge, Encode + ".ReservedChallenge");
        }

        var variable = false;
        foreach (var field in p.Fields)
        {
            switch (field.Kind)
            {
                case FieldKind.Integer when IsCheckedEnum(field):
                    Guard(w, $"!IsDefined({field.Name})", Encode + ".InvalidValue");
                    break;
                case FieldKind.Integer when ValueViolation(field, field.Name) is { } violation:
                    Guard(w, violation, Encode + ".InvalidValue");
                    break;
                case FieldKind.Integer:
                    break;
                case FieldKind.Address:
                    variable = true;
                    Guard(w, $"{field.Name}.Family == global::VcspGen.VcspAddressFamily.Unspecified", Encode + ".InvalidValue");
                    break;
                default:
                    variable = true;
                    if (LengthViolation(field, field.Name + ".Length", fromPrefix: false) is { } badLength)
                    {
                        Guard(w, badLength, Encode + ".FieldLength");
                    }

                    break;
            }
        }

        w.Line();
        w.Line("var size = EncodedSize;");
        if (p.MaxBodySize < 0 || p.HeaderSize + p.MaxBodySize > p.DatagramLimit)
        {
            Guard(w, "size > DatagramLimit", Encode + ".Oversize");
        }

        if (variable)
        {
            // Redundant (size is at least MinDatagramSize), but it tells the JIT that the fixed part fits, so the
            // writes at constant positions need no bounds checks.
            Guard(w, "destination.Length < size || destination.Length < MinDatagramSize", Encode + ".DestinationTooSmall");
        }
        else
        {
            Guard(w, "destination.Length < size", Encode + ".DestinationTooSmall");
        }

        w.Line();
        if (p.Layout == Layout.Text)
        {
            w.Line($"{Binary}.WriteUInt64BigEndian(destination, ((ulong)((global::VcspGen.VcspWire.Version << 8) | Flag) << 48) | ((ulong)Challenge << 32) | Sequence);");
            w.Line(p.Fragmentable ? "destination[8] = FragmentOffset;" : "destination[8] = 0;");
            w.Line("destination[9] = (byte)(size - HeaderSize);");
        }
        else
        {
            w.Line($"{Binary}.WriteUInt32BigEndian(destination, ((uint)((global::VcspGen.VcspWire.Version << 8) | Flag) << 16) | Challenge);");
            w.Line("destination[4] = (byte)(size - HeaderSize);");
        }

        int? known = 0;
        foreach (var field in p.Fields)
        {
            var at = At(known);
            w.Line();
            w.Line($"// {field.Name}: {FieldText(field)}");
            switch (field.Kind)
            {
                case FieldKind.Integer:
                    var size = WireSizes.Of(field.Integer);
                    var value = field.EnumType is null ? field.Name : $"({IntegerKeyword(field.Integer)}){field.Name}";
                    w.Line(field.Integer switch
                    {
                        IntegerType.Byte => $"destination[{at}] = {value};",
                        IntegerType.SByte => $"destination[{at}] = (byte){value};",
                        _ => $"{Binary}.Write{field.Integer}BigEndian(destination.Slice({at}, {size}), {value});",
                    });
                    if (known is not null)
                    {
                        known += size;
                    }
                    else
                    {
                        w.Line($"offset += {size};");
                    }

                    break;
                case FieldKind.Address:
                    w.Line($"{field.Name}.TryWrite(destination.Slice({at}), out var {Local(field)}Size);");
                    w.Line(known is null ? $"offset += {Local(field)}Size;" : $"var offset = {at} + {Local(field)}Size;");
                    known = null;
                    break;
                case FieldKind.PrefixedBytes:
                    if (known is { } prefixAt)
                    {
                        w.Line($"destination[{at}] = (byte){field.Name}.Length;");
                        w.Line($"var offset = {At(prefixAt + 1)};");
                        known = null;
                    }
                    else
                    {
                        w.Line($"destination[offset++] = (byte){field.Name}.Length;");
                    }

                    w.Line($"{field.Name}.CopyTo(destination.Slice(offset));");
                    w.Line($"offset += {field.Name}.Length;");
                    break;
                default:
                    // The rest field is last: nothing after it needs the position.
                    w.Line($"{field.Name}.CopyTo(destination.Slice({at}));");
                    break;
            }
        }

        w.Line();
        w.Line("bytesWritten = size;");
        w.Line($"return {Encode}.Ok;");
        w.Close();

        foreach (var field in p.Fields)
        {
            if (IsCheckedEnum(field))
            {
                w.Line();
                w.Line($"private static bool IsDefined({field.EnumType} value) =>");
                var members = new string[field.EnumMembers.Count];
                for (var i = 0; i < members.Length; i++)
                {
                    members[i] = field.EnumType + "." + field.EnumMembers[i];
                }

                w.Line("    value is " + string.Join(" or ", members) + ";");
            }
        }
    }

    private static void Guard(CodeWriter w, string condition, string status)
    {
        w.Open($"if ({condition})");
        w.Line($"return {status};");
        w.Close();
    }
}
