using System;
using System.Threading;
using System.Threading.Tasks;

namespace VcspGen.Runtime;

/// <summary>
/// A cluster that a server's groups join (PROTOCOL.md §15): several servers, the cluster's nodes, host the same group
/// name, each on its own address, and a member joins whichever node it reaches. Names are unique across the nodes,
/// LIST, INFO and WHOIS answer for the whole group, and each node relays the other nodes' messages to its own members.
/// The one implementation is <c>NatsCluster</c>, in the VcspGen.Runtime.Nats package; give it to a
/// <see cref="VcspServerHost"/>, or register it with <c>AddVcspNatsCluster</c> next to
/// <see cref="VcspServiceCollectionExtensions.AddVcspServer"/>.
/// </summary>
public abstract class VcspCluster : IAsyncDisposable
{
    internal VcspCluster(string node)
    {
        if (!IsValidNodeName(node))
        {
            throw new ArgumentException($"'{node}' is not a node name: 1 to 32 of the letters A-Z and a-z, the digits, '-' and '_'.", nameof(node));
        }

        Node = node;
    }

    /// <summary>This node's name, unique in the cluster.</summary>
    public string Node { get; }

    /// <summary>Whether <paramref name="node"/> can name a node: 1 to 32 of the ASCII letters and digits, '-' and '_'.</summary>
    /// <param name="node">The name.</param>
    /// <returns>True when it can.</returns>
    public static bool IsValidNodeName(string? node)
    {
        if (node is null || node.Length is < 1 or > 32)
        {
            return false;
        }

        foreach (var c in node)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Connects to the cluster and sets up every group attached so far (a group added later is set up as it is added).
    /// Until then the groups serve their own members, and joins wait for their names to be claimed.
    /// </summary>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>A task that ends when the cluster is reached.</returns>
    /// <exception cref="VcspClusterException">The cluster cannot be reached (the message says where and why).</exception>
    public abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Leaves the cluster: what this node still has to tell the others is sent (for a short while), then the connection closes.</summary>
    /// <returns>A task that ends when it is closed.</returns>
    public abstract ValueTask DisposeAsync();

    /// <summary>Joins a group of this node to the cluster.</summary>
    /// <param name="group">The group as the cluster reaches it.</param>
    /// <param name="options">The group's options.</param>
    /// <returns>What the group tells the cluster.</returns>
    internal abstract ClusterLink Attach(IClusterGroup group, GroupOptions options);
}

/// <summary>A cluster cannot be reached or used: the message says where and why.</summary>
public sealed class VcspClusterException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">Why, or null.</param>
    public VcspClusterException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
