using VcspGen.Generator.Model;
using static VcspGen.Generator.Emitting.FieldRules;

namespace VcspGen.Generator.Emitting;

/// <summary>
/// Writes a packet's decoder. Every read at a position known at compile time is a constant slice of the datagram
/// after a length check that covers it, so the JIT drops its bounds check; a run of fixed-size fields costs one
/// length check; the header's fixed part is one big-endian load.
/// </summary>
internal static class DecoderEmitter
{
    public const string InlineName = "TryDecodeInline";

    public static void Emit(CodeWriter w, PacketModel p)
    {
        w.Line("/// <summary>");
        w.Line($"/// Decodes one datagram as a {p.Name}. Never throws and never allocates: byte fields are views into");
        w.Line("/// <paramref name=\"datagram\"/>, valid as long as it is.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"datagram\">The whole datagram, header included.</param>");
        w.Line("/// <param name=\"packet\">The packet, or the default value when the datagram is refused.</param>");
        w.Line("/// <returns><see cref=\"global::VcspGen.VcspDecodeStatus.Ok\"/>, or why the datagram was refused.</returns>");
        w.Line(PacketEmitter.GeneratedCode);
        w.Line($"public static {Decode} TryDecode(global::System.ReadOnlySpan<byte> datagram, out {p.Name} packet) => {InlineName}(datagram, out packet);");
        w.Line();
        w.Line($"/// <summary><see cref=\"TryDecode\"/>'s body, inlined where this assembly's dispatch table calls it.</summary>");
        w.Line("/// <param name=\"datagram\">The whole datagram, header included.</param>");
        w.Line("/// <param name=\"packet\">The packet, or the default value when the datagram is refused.</param>");
        w.Line("/// <returns><see cref=\"global::VcspGen.VcspDecodeStatus.Ok\"/>, or why the datagram was refused.</returns>");
        w.Line(PacketEmitter.GeneratedCode);
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.Open($"internal static {Decode} {InlineName}(global::System.ReadOnlySpan<byte> datagram, out {p.Name} packet)");
        EmitHeader(w, p);

        // While every field so far has a fixed size, positions are constants; from the first variable-size field
        // on, the local 'offset' tracks the position in the datagram.
        int? known = 0;
        for (var i = 0; i < p.Fields.Count; i++)
        {
            var field = p.Fields[i];
            w.Line();
            w.Line($"// {field.Name}: {FieldText(field)}");
            switch (field.Kind)
            {
                case FieldKind.Integer:
                    if (i == 0 || p.Fields[i - 1].Kind != FieldKind.Integer)
                    {
                        var run = 0;
                        for (var j = i; j < p.Fields.Count && p.Fields[j].Kind == FieldKind.Integer; j++)
                        {
                            run += WireSizes.Of(p.Fields[j].Integer);
                        }

                        EmitRunCheck(w, p, i, run, known);
                    }

                    EmitReadInteger(w, field, At(known));
                    if (known is not null)
                    {
                        known += WireSizes.Of(field.Integer);
                    }
                    else
                    {
                        w.Line($"offset += {WireSizes.Of(field.Integer)};");
                    }

                    break;
                case FieldKind.Address:
                    w.Line($"var {Local(field)}Status = global::VcspGen.VcspAddress.TryRead(datagram.Slice({At(known)}), out var {Value(field)}, out var {Local(field)}Size);");
                    Refuse(w, $"{Local(field)}Status != {Decode}.Ok", $"{Local(field)}Status");
                    w.Line(known is null ? $"offset += {Local(field)}Size;" : $"var offset = {At(known)} + {Local(field)}Size;");
                    known = null;
                    break;
                case FieldKind.PrefixedBytes:
                    var length = Local(field) + "Length";
                    if (known is { } prefixAt)
                    {
                        Refuse(w, $"datagram.Length < {At(prefixAt + 1)}", Decode + ".Truncated");
                        w.Line($"int {length} = datagram[{At(prefixAt)}];");
                        w.Line($"var offset = {At(prefixAt + 1)};");
                        known = null;
                    }
                    else
                    {
                        Refuse(w, "datagram.Length - offset < 1", Decode + ".Truncated");
                        w.Line($"int {length} = datagram[offset++];");
                    }

                    if (LengthViolation(field, length, fromPrefix: true) is { } badLength)
                    {
                        Refuse(w, badLength, Decode + ".FieldLength");
                    }

                    Refuse(w, $"datagram.Length - offset < {length}", Decode + ".Truncated");
                    w.Line($"var {Value(field)} = datagram.Slice(offset, {length});");
                    w.Line($"offset += {length};");
                    break;
                default:
                    // The rest field takes every remaining byte, so nothing can trail it. Earlier checks
                    // guarantee it starts within the datagram.
                    w.Line($"var {Value(field)} = datagram.Slice({At(known)});");
                    if (LengthViolation(field, $"{Value(field)}.Length", fromPrefix: false) is { } badRest)
                    {
                        Refuse(w, badRest, Decode + ".FieldLength");
                    }

                    break;
            }
        }

        w.Line();
        if (p.Fields.Count == 0 || p.Fields[p.Fields.Count - 1].Kind != FieldKind.RestBytes)
        {
            Refuse(w, known is { } end ? $"datagram.Length != {At(end)}" : "offset != datagram.Length", Decode + ".TrailingBytes");
        }

        EmitFill(w, p);
        w.Close();
        w.Line();
    }

    private static void EmitHeader(CodeWriter w, PacketModel p)
    {
        w.Line("// After the length checks the header's bytes are known to be there. Version and flag are compared as one");
        w.Line("// 16-bit value, and the slow path says which was wrong.");
        Refuse(w, "datagram.Length < HeaderSize", Decode + ".Truncated");
        Refuse(w, "datagram.Length > DatagramLimit", Decode + ".Oversize");
        int lengthOffset;
        string versionAndFlag, challenge;
        if (p.Layout == Layout.Text)
        {
            w.Line($"var header = {Binary}.ReadUInt64BigEndian(datagram); // version, flag, challenge, sequence");
            versionAndFlag = "(ushort)(header >> 48)";
            challenge = "(ushort)(header >> 32)";
            lengthOffset = 9;
        }
        else
        {
            w.Line($"var header = {Binary}.ReadUInt32BigEndian(datagram); // version, flag, challenge");
            versionAndFlag = "(ushort)(header >> 16)";
            challenge = "(ushort)header";
            lengthOffset = 4;
        }

        Refuse(w, $"{versionAndFlag} != ((global::VcspGen.VcspWire.Version << 8) | Flag)", $"datagram[0] != global::VcspGen.VcspWire.Version ? {Decode}.BadVersion : {Decode}.WrongFlag");
        Refuse(w, $"datagram[{lengthOffset}] != datagram.Length - HeaderSize", Decode + ".BadLength");
        if (p.Layout == Layout.Text && !p.Fragmentable)
        {
            Refuse(w, "datagram[8] != 0", Decode + ".BadFragmentOffset");
        }

        w.Line();
        w.Line($"var challenge = {challenge};");
        if (ChallengeViolation(p.Challenge, "challenge") is { } badChallenge)
        {
            Refuse(w, badChallenge, Decode + ".ReservedChallenge");
        }
    }

    /// <summary>
    /// One length check for a run of integer fields starting at field <paramref name="first"/>. When it fails and a
    /// field of the run before its last has a value rule, the slow path checks those values in wire order first, as
    /// PROTOCOL.md §3 orders the checks: a refused value in the bytes that are there is InvalidValue, not Truncated.
    /// </summary>
    private static void EmitRunCheck(CodeWriter w, PacketModel p, int first, int run, int? known)
    {
        w.Open(known is { } start ? $"if (datagram.Length < {At(start + run)})" : $"if (datagram.Length - offset < {run})");
        w.Line("packet = default;");
        var position = 0;
        for (var j = first; j < p.Fields.Count && p.Fields[j].Kind == FieldKind.Integer; j++)
        {
            var size = WireSizes.Of(p.Fields[j].Integer);
            position += size;
            if (position == run)
            {
                break; // the last field of the run is never reached when the run is short
            }

            var at = known is { } k ? At(k + position - size) : $"offset + {position - size}";
            if (Violation(p.Fields[j], Read(p.Fields[j], at)) is { } violation)
            {
                var there = known is { } end ? $"datagram.Length >= {At(end + position)}" : $"datagram.Length - offset >= {position}";
                w.Open($"if ({there} && ({violation}))");
                w.Line($"return {Decode}.InvalidValue;");
                w.Close();
            }
        }

        w.Line($"return {Decode}.Truncated;");
        w.Close();
    }

    private static void EmitReadInteger(CodeWriter w, FieldModel field, string at)
    {
        var value = Value(field);
        w.Line($"var {value} = {Read(field, at)};");
        if (Violation(field, value) is { } violation)
        {
            Refuse(w, violation, Decode + ".InvalidValue");
        }
    }

    /// <summary>The integer field's value at <paramref name="at"/>, cast to its enum type when it has one.</summary>
    private static string Read(FieldModel field, string at)
    {
        var read = field.Integer switch
        {
            IntegerType.Byte => $"datagram[{at}]",
            IntegerType.SByte => $"(sbyte)datagram[{at}]",
            _ => $"{Binary}.Read{field.Integer}BigEndian(datagram.Slice({at}, {WireSizes.Of(field.Integer)}))",
        };
        return field.EnumType is null ? read : $"({field.EnumType}){read}";
    }

    /// <summary>The condition under which the field's value <paramref name="value"/> is InvalidValue, or null when every value is valid.</summary>
    private static string? Violation(FieldModel field, string value) =>
        field.EnumType is null ? ValueViolation(field, value) : IsCheckedEnum(field) ? $"!IsDefined({value})" : null;

    /// <summary>Every check passed: fill the packet straight from the locals (no temporary copy).</summary>
    private static void EmitFill(CodeWriter w, PacketModel p)
    {
        w.Line();
        if (p.OnlyWireFields)
        {
            w.Line("// Every instance field is a wire field, so each is assigned and nothing needs clearing first.");
        }
        else
        {
            w.Line("packet = default;");
        }

        w.Line("packet.Challenge = challenge;");
        if (p.Layout == Layout.Text)
        {
            w.Line("packet.Sequence = (uint)header;");
            if (p.Fragmentable)
            {
                w.Line("packet.FragmentOffset = datagram[8];");
            }
        }

        foreach (var field in p.Fields)
        {
            w.Line($"packet.{field.Name} = {Value(field)};");
        }

        w.Line($"return {Decode}.Ok;");
    }

    /// <summary>A decoder's refusal: the out packet is left as the default value.</summary>
    private static void Refuse(CodeWriter w, string condition, string status)
    {
        w.Open($"if ({condition})");
        w.Line("packet = default;");
        w.Line($"return {status};");
        w.Close();
    }
}
