using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

namespace Vcsp.Cli;

/// <summary>
/// <c>vcsp dissector</c>: writes the Wireshark Lua dissector the generator made from the spec (<c>VcspDissector.Lua</c>
/// of VcspGen.Spec), followed by the one of each assembly given with <c>--assembly</c>, so a
/// user's own packet kinds show in Wireshark and tshark beside VCSP's.
/// </summary>
/// <remarks>
/// An assembly's constant is read from its metadata (System.Reflection.Metadata): the assembly is not loaded, so its
/// dependencies need not be at hand and no code of it runs.
/// </remarks>
internal static class DissectorCommand
{
    /// <summary>The exit code of an assembly that cannot be read or has no dissector.</summary>
    public const int NoDissector = 1;

    /// <summary>The generated class and constant that hold an assembly's dissector.</summary>
    private const string TypeName = "VcspDissector";

    private const string FieldName = "Script";

    public static Command Create(VcspCommandLine line)
    {
        var output = new Option<string>("--output", "-o") { Description = "Write the script to this file (for example into Wireshark's plugins folder) instead of standard output." };
        var assemblies = new Option<string[]>("--assembly")
        {
            Description = "Also the dissector of this assembly (repeatable): one built with VcspGen's generator, whose own packet kinds it adds.",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("dissector", "Write the Wireshark Lua dissector generated from the spec: every VCSP packet kind, both layouts.")
        {
            output,
            assemblies,
        };
        line.SetEpilog(command, """
            Load it with tshark or wireshark -X lua_script:vcsp.lua, or put it in the personal plugins folder
            (~/.local/lib/wireshark/plugins/). VCSP is decoded on UDP port 50429 (preference vcsp.ports) and, on any
            port, by a heuristic that checks the version byte, a known flag and the minimum size. Refusals show as
            expert errors with the decoder's reason, and vcsp.status gives it ("ok" when the datagram decodes).
            Call media on a port that SDP announced as RTP/AVP decodes as VCSP too: the heuristic and the port table
            win over the RTP conversation SDP sets up. Exit codes: 0 written, 1 an assembly has no dissector or cannot
            be read, 2 wrong usage.
            """);
        command.SetAction(parsed => Run(parsed.GetValue(output), parsed.GetValue(assemblies) ?? [], line.Output, line.Error));
        return command;
    }

    private static int Run(string? path, string[] assemblies, TextWriter output, TextWriter error)
    {
        var scripts = new List<(string From, string Lua)> { ("VcspGen.Spec", VcspGen.Spec.VcspDissector.Lua) };
        foreach (var assembly in assemblies)
        {
            if (!File.Exists(assembly))
            {
                error.WriteLine($"vcsp dissector: {assembly}: no such file");
                return NoDissector;
            }

            if (Read(assembly, out var lua, out var problem))
            {
                if (!scripts.Exists(s => s.Lua == lua)) // VcspGen.Spec itself, or one assembly given twice
                {
                    scripts.Add((Path.GetFileName(assembly), lua));
                }
            }
            else
            {
                error.WriteLine($"vcsp dissector: {assembly}: {problem}");
                return NoDissector;
            }
        }

        var text = Join(scripts);
        if (path is null)
        {
            output.Write(text);
            output.Flush();
            return 0;
        }

        try
        {
            File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"vcsp dissector: {path}: {e.Message}");
            return NoDissector;
        }

        return 0;
    }

    /// <summary>One script: each assembly's in its own block, so their top-level locals do not meet.</summary>
    private static string Join(List<(string From, string Lua)> scripts)
    {
        if (scripts.Count == 1)
        {
            return scripts[0].Lua;
        }

        var text = new StringBuilder();
        foreach (var (from, lua) in scripts)
        {
            text.Append("-- ").Append(from).Append('\n').Append("do\n").Append(lua.TrimEnd()).Append("\nend\n\n");
        }

        return text.ToString();
    }

    /// <summary>The internal string constant <c>VcspDissector.Script</c> (what <c>VcspDissector.Lua</c> returns) of the assembly at <paramref name="path"/>, read from its metadata.</summary>
    internal static bool Read(string path, out string lua, out string problem)
    {
        lua = string.Empty;
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                problem = "not a .NET assembly";
                return false;
            }

            var metadata = pe.GetMetadataReader();
            foreach (var handle in metadata.TypeDefinitions)
            {
                var type = metadata.GetTypeDefinition(handle);
                if (!metadata.StringComparer.Equals(type.Name, TypeName))
                {
                    continue;
                }

                foreach (var fieldHandle in type.GetFields())
                {
                    var field = metadata.GetFieldDefinition(fieldHandle);
                    var constant = field.GetDefaultValue();
                    if (!metadata.StringComparer.Equals(field.Name, FieldName) || constant.IsNil)
                    {
                        continue;
                    }

                    var value = metadata.GetConstant(constant);
                    if (value.TypeCode == ConstantTypeCode.String)
                    {
                        var blob = metadata.GetBlobReader(value.Value);
                        lua = blob.ReadUTF16(blob.Length);
                        problem = string.Empty;
                        return true;
                    }
                }
            }

            problem = $"no {TypeName}.{FieldName} in it: it was not built with VcspGen's generator, or declares no packet";
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException)
        {
            problem = e.Message;
            return false;
        }
    }
}
