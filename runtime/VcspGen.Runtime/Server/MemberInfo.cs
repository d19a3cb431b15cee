using System;

namespace VcspGen.Runtime;

/// <summary>A snapshot of one member of a group, as <see cref="GroupServer.ListMembers"/> and the group's events give it.</summary>
/// <param name="Name">The member's name.</param>
/// <param name="Address">Its address and port as the server sees them.</param>
/// <param name="JoinedAt">When it joined (its JoinRequest was answered), by the group's clock.</param>
/// <param name="LastHeard">When anything from it last arrived, by the group's clock.</param>
/// <param name="InCall">Whether it is in the group's call (its call leg answered).</param>
/// <param name="IsAdministrator">Whether it took the owner's name (PROTOCOL.md §11.3).</param>
public sealed record MemberInfo(string Name, VcspAddress Address, DateTimeOffset JoinedAt, DateTimeOffset LastHeard, bool InCall, bool IsAdministrator);
