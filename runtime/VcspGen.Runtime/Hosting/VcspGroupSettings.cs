using System;
using System.Collections.Generic;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// One group of <see cref="VcspServerOptions.Groups"/>, as configuration gives it (what <c>vcsp server</c> takes per
/// group); made into a <see cref="GroupOptions"/> when the group is bound.
/// </summary>
public sealed class VcspGroupSettings
{
    /// <summary>The group's name, 1 to 32 bytes of UTF-8. Default <c>lobby</c>.</summary>
    public string Name { get; set; } = "lobby";

    /// <summary>The group's UDP port; 0 picks a free one. Default 50429.</summary>
    public int Port { get; set; } = 50429;

    /// <summary>The administrator's member name (PROTOCOL.md §11.3); empty (the default) for none.</summary>
    public string Owner { get; set; } = string.Empty;

    /// <summary>What a join that cannot be accepted gets: a Reject that says why (the default), or nothing.</summary>
    public JoinPolicy Policy { get; set; } = JoinPolicy.Reject;

    /// <summary>The call's codecs, most preferred first (names such as <c>Opus</c> or ids); none for <see cref="GroupOptions.DefaultCodecs"/>.</summary>
    public List<VcspCodec> Codecs { get; } = [];

    /// <summary>The most members at once (joins not yet confirmed do not count). Default 256.</summary>
    public int MaxMembers { get; set; } = 256;

    /// <summary>How long a member that sent nothing stays (PROTOCOL.md §7.7). Default 60 s.</summary>
    public TimeSpan MemberTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Other addresses clients may reach the group at (a port forward, NAT or a UDP proxy; PROTOCOL.md §8.1 step 3), each
    /// <c>HOST:PORT</c>: an IPv4 address, an IPv6 address in brackets, or a host name, resolved once when the group is
    /// bound (every address it has advertised).
    /// </summary>
    public List<string> Advertise { get; } = [];
}
