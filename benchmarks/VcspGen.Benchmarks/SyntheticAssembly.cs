using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace VcspGen.Benchmarks;

/// <summary>
/// The source of a synthetic user assembly with <c>N</c> packet kinds, one file each, with distinct flags and the
/// spec's mix of fields: fixed integers, enums, an address, a length-prefixed span and a rest-of-datagram span.
/// Shared by the <c>GeneratorScaling</c> benchmark and the generator tests' <c>GeneratorScalingTests</c>.
/// </summary>
internal static class SyntheticAssembly
{
    /// <summary>The most packet kinds: one flag byte, less the few values kept free.</summary>
    public const int MaxKinds = 250;

    /// <summary>The namespace the packets are declared in.</summary>
    public const string Namespace = "Synthetic.Packets";

    /// <summary>The file that declares the enums the packets share.</summary>
    public const string EnumsPath = "Enums.cs";

    /// <summary>The source files: the enums, then one file per packet kind.</summary>
    /// <param name="kinds">How many packet kinds, 1 to <see cref="MaxKinds"/>.</param>
    /// <returns>(path, text) pairs.</returns>
    public static IReadOnlyList<(string Path, string Text)> Sources(int kinds)
    {
        if (kinds is < 1 or > MaxKinds)
        {
            throw new ArgumentOutOfRangeException(nameof(kinds), kinds, "1 to " + MaxKinds.ToString(CultureInfo.InvariantCulture));
        }

        var sources = new List<(string Path, string Text)>(kinds + 1) { (EnumsPath, Enums) };
        for (var i = 0; i < kinds; i++)
        {
            sources.Add((PacketPath(i), Packet(i)));
        }

        return sources;
    }

    /// <summary>The name of packet kind <paramref name="index"/>.</summary>
    /// <param name="index">0-based.</param>
    /// <returns>A type name such as <c>Packet007</c>.</returns>
    public static string PacketName(int index) => "Packet" + index.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>The file of packet kind <paramref name="index"/>.</summary>
    /// <param name="index">0-based.</param>
    /// <returns>A path such as <c>Packet007.cs</c>.</returns>
    public static string PacketPath(int index) => PacketName(index) + ".cs";

    /// <summary>The flag of packet kind <paramref name="index"/>: 0x01 upwards, all distinct.</summary>
    /// <param name="index">0-based.</param>
    /// <returns>The flag byte.</returns>
    public static byte Flag(int index) => checked((byte)(index + 1));

    /// <summary>An edit to one packet's text that changes its model: its first field is renamed.</summary>
    /// <param name="text">A packet's text from <see cref="Sources"/>.</param>
    /// <returns>The edited text.</returns>
    public static string Edit(string text)
    {
        var edited = text.Replace("public byte Tag;", "public byte Label;", StringComparison.Ordinal);
        return edited != text ? edited : throw new ArgumentException("not a synthetic packet", nameof(text));
    }

    private const string Enums = """
        namespace Synthetic.Packets;

        /// <summary>A kind of something.</summary>
        public enum SyntheticKind : byte
        {
            /// <summary>None.</summary>
            None = 0,

            /// <summary>One.</summary>
            One = 1,

            /// <summary>Two.</summary>
            Two = 2,
        }

        /// <summary>A reason.</summary>
        public enum SyntheticReason : byte
        {
            /// <summary>Unknown.</summary>
            Unknown = 0,

            /// <summary>Busy.</summary>
            Busy = 1,
        }

        """;

    private static string Packet(int index)
    {
        var name = PacketName(index);
        var flag = "0x" + Flag(index).ToString("X2", CultureInfo.InvariantCulture);
        var s = new StringBuilder();
        s.Append("using System;\nusing VcspGen;\n\nnamespace ").Append(Namespace).Append(";\n\n");
        s.Append("/// <summary>Synthetic packet kind ").Append(index.ToString(CultureInfo.InvariantCulture)).Append(".</summary>\n");
        switch (index % 4)
        {
            case 0:
                // Like JoinRequest: an address, a length-prefixed name and rest-of-datagram padding.
                s.Append("[VcspPacket(").Append(flag).Append(", Direction = VcspDirection.ClientToServer)]\n");
                s.Append("public ref partial struct ").Append(name).Append("\n{\n");
                s.Append("    /// <summary>A tag.</summary>\n    public byte Tag;\n\n");
                s.Append("    /// <summary>A port.</summary>\n    public ushort Port;\n\n");
                s.Append("    /// <summary>A kind.</summary>\n    public SyntheticKind Kind;\n\n");
                s.Append("    /// <summary>An address.</summary>\n    public VcspAddress Peer;\n\n");
                s.Append("    /// <summary>A name.</summary>\n    [VcspField(LengthPrefixed = true, MinLength = 1, MaxLength = 32)]\n    public ReadOnlySpan<byte> Name;\n\n");
                s.Append("    /// <summary>The rest.</summary>\n    public ReadOnlySpan<byte> Rest;\n");
                break;
            case 1:
                // Like Media: fixed integers, then at least one byte of data.
                s.Append("[VcspPacket(").Append(flag).Append(", Layout = VcspLayout.Media, Direction = VcspDirection.Both)]\n");
                s.Append("public ref partial struct ").Append(name).Append("\n{\n");
                s.Append("    /// <summary>A tag.</summary>\n    public byte Tag;\n\n");
                s.Append("    /// <summary>A timestamp.</summary>\n    public uint Timestamp;\n\n");
                s.Append("    /// <summary>A source.</summary>\n    public ushort Source;\n\n");
                s.Append("    /// <summary>The data.</summary>\n    [VcspField(MinLength = 1)]\n    public ReadOnlySpan<byte> Data;\n");
                break;
            case 2:
                // Like Reject: an enum and text.
                s.Append("[VcspPacket(").Append(flag).Append(", Direction = VcspDirection.ServerToClient)]\n");
                s.Append("public ref partial struct ").Append(name).Append("\n{\n");
                s.Append("    /// <summary>A tag.</summary>\n    public byte Tag;\n\n");
                s.Append("    /// <summary>A reason.</summary>\n    public SyntheticReason Reason;\n\n");
                s.Append("    /// <summary>Some text.</summary>\n    [VcspField(MaxLength = 32)]\n    public ReadOnlySpan<byte> Text;\n");
                break;
            default:
                // Fixed size only: not a ref struct.
                s.Append("[VcspPacket(").Append(flag).Append(", Direction = VcspDirection.ServerToClient)]\n");
                s.Append("public partial struct ").Append(name).Append("\n{\n");
                s.Append("    /// <summary>A tag.</summary>\n    public byte Tag;\n\n");
                s.Append("    /// <summary>A count.</summary>\n    public uint Count;\n\n");
                s.Append("    /// <summary>A kind.</summary>\n    public SyntheticKind Kind;\n\n");
                s.Append("    /// <summary>An address.</summary>\n    public VcspAddress Server;\n");
                break;
        }

        s.Append("}\n");
        return s.ToString();
    }
}
