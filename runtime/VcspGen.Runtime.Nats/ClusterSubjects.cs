using System;
using System.Text;

namespace VcspGen.Runtime.Nats;

/// <summary>
/// Where a group lives in NATS (PROTOCOL.md §15.1): its name in hexadecimal (a group name is any UTF-8, a NATS name is
/// not) names its message stream, the stream's subject, its key-value bucket and its kick and heartbeat subjects.
/// </summary>
/// <param name="group">The group's name.</param>
internal sealed class ClusterSubjects(string group)
{
    private readonly string _hex = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(group));

    /// <summary>The JetStream stream of the group's messages.</summary>
    public string Stream => "VCSP_" + _hex;

    /// <summary>The subject every node publishes the group's messages on.</summary>
    public string Messages => $"vcsp.{_hex}.msg";

    /// <summary>The key-value bucket of the group's names, members and nodes.</summary>
    public string Bucket => "vcsp_" + _hex;

    /// <summary>The subject a node is told on that messages of one of its members did not reach a member elsewhere.</summary>
    /// <param name="node">The node.</param>
    /// <returns>The subject.</returns>
    public string Undelivered(string node) => $"vcsp.{_hex}.undelivered.{node}";

    /// <summary>The subject of the call's Media datagrams (core NATS).</summary>
    public string Media => $"vcsp.{_hex}.media";

    /// <summary>The subject of the nodes' heartbeats (core NATS).</summary>
    public string Beats => $"vcsp.{_hex}.beat";

    /// <summary>The subject a node is told to kick one of its members on.</summary>
    /// <param name="node">The node.</param>
    /// <returns>The subject.</returns>
    public string Kick(string node) => $"vcsp.{_hex}.kick.{node}";

    /// <summary>The key of a name's claim.</summary>
    /// <param name="name">The member name.</param>
    /// <returns>The key.</returns>
    public static string ClaimKey(string name) => "c." + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(name));

    /// <summary>The key of a member's record.</summary>
    /// <param name="session">The member's session.</param>
    /// <returns>The key.</returns>
    public static string MemberKey(ulong session) => "m." + session.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

}
