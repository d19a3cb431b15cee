namespace VcspGen.Generator.Model;

/// <summary>
/// The assembly's part of its Wireshark dissector: which kinds it joins, in flag order, and their names for the flag's
/// value strings. Each kind's Lua table comes from its own packet model, in its own generated file, so this model
/// changes only when the set of kinds does (an edit to a field leaves it, and its output, Cached).
/// </summary>
/// <param name="Namespace">Where <c>VcspDissector</c> goes: the dispatcher's namespace.</param>
/// <param name="IsPublic">Whether it is public (as the dispatcher is: only when every packet is).</param>
/// <param name="AssemblyName">The assembly's name, which the script names in its header and registry.</param>
/// <param name="Kinds">The dispatch table's entries: one packet per flag, ordered by flag.</param>
internal sealed record DissectorModel(string Namespace, bool IsPublic, string AssemblyName, EquatableArray<DispatchEntry> Kinds)
{
    /// <summary>Builds the model from the dispatch table (packets whose flag is taken by another are left out there).</summary>
    public static DissectorModel Create(DispatchModel table, string assemblyName) =>
        new(table.Namespace, table.IsPublic, assemblyName, table.Entries);
}
