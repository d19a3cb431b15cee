using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace VcspGen.Generator.Model;

/// <summary>One row of the dispatch table.</summary>
/// <param name="Flag">The packet's flag.</param>
/// <param name="TypeName">The packet's fully qualified name.</param>
/// <param name="ShortName">The packet's simple name.</param>
/// <param name="MethodName">The handler method that receives it.</param>
internal sealed record DispatchEntry(byte Flag, string TypeName, string ShortName, string MethodName);

/// <summary>The assembly's flag-dispatch table.</summary>
/// <param name="Namespace">Where the handler interface and dispatcher go.</param>
/// <param name="IsPublic">Whether they are public (only when every packet is).</param>
/// <param name="Entries">One entry per flag, ordered by flag.</param>
internal sealed record DispatchModel(string Namespace, bool IsPublic, EquatableArray<DispatchEntry> Entries)
{
    /// <summary>Builds the table. Packets whose flag is taken by another are left out (the analyzer reports VCSP003).</summary>
    public static DispatchModel Create(ImmutableArray<PacketModel> packets, string assemblyName)
    {
        var unique = packets
            .GroupBy(p => p.Flag)
            .Where(g => g.Count() == 1)
            .Select(g => g.Single())
            .OrderBy(p => p.Flag)
            .ToList();
        var nameCounts = unique.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.Count());
        var entries = new List<DispatchEntry>(unique.Count);
        foreach (var p in unique)
        {
            var method = nameCounts[p.Name] == 1
                ? "On" + p.Name
                : "On" + (p.Namespace.Length == 0 ? p.Name : p.Namespace.Replace('.', '_') + "_" + p.Name);
            entries.Add(new DispatchEntry(p.Flag, p.FullyQualifiedName, p.Name, method));
        }

        return new DispatchModel(
            SanitizeNamespace(assemblyName),
            unique.All(p => p.IsPublic),
            new EquatableArray<DispatchEntry>(entries.ToArray()));
    }

    /// <summary>The namespace of an assembly's generated tables: its name, made a valid namespace.</summary>
    public static string SanitizeNamespace(string assemblyName)
    {
        var parts = assemblyName.Split('.')
            .Select(part => new string(part.Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_').ToArray()))
            .Where(part => part.Length > 0)
            .Select(part => char.IsDigit(part[0]) ? "_" + part : part)
            .ToArray();
        return parts.Length == 0 ? "VcspGenerated" : string.Join(".", parts);
    }
}
