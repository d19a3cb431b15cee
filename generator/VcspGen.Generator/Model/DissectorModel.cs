using System.Collections.Immutable;
using System.Linq;

namespace VcspGen.Generator.Model;

/// <summary>
/// The assembly's Wireshark dissector: every packet kind of its dispatch table with the wire details the Lua
/// decoder needs. Built from the packet models alone, so it changes only when a packet's wire format, a field's
/// enum or a field's summary does.
/// </summary>
/// <param name="Namespace">Where <c>VcspDissector</c> goes: the dispatcher's namespace.</param>
/// <param name="IsPublic">Whether it is public (as the dispatcher is: only when every packet is).</param>
/// <param name="AssemblyName">The assembly's name, which the script names in its header and registry.</param>
/// <param name="Kinds">One packet per flag, ordered by flag (the dispatch table's kinds).</param>
internal sealed record DissectorModel(string Namespace, bool IsPublic, string AssemblyName, EquatableArray<PacketModel> Kinds)
{
    /// <summary>Builds the model. Packets whose flag is taken by another are left out, as in the dispatch table.</summary>
    public static DissectorModel Create(ImmutableArray<PacketModel> packets, string assemblyName)
    {
        var unique = packets
            .GroupBy(p => p.Flag)
            .Where(g => g.Count() == 1)
            .Select(g => g.Single())
            .OrderBy(p => p.Flag)
            .ToArray();
        return new DissectorModel(
            DispatchModel.SanitizeNamespace(assemblyName),
            unique.All(p => p.IsPublic),
            assemblyName,
            new EquatableArray<PacketModel>(unique));
    }
}
