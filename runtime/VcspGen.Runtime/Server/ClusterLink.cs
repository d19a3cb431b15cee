using System;
using System.Collections.Generic;

namespace VcspGen.Runtime;

/// <summary>
/// What a clustered group tells the other nodes (PROTOCOL.md §15), as <see cref="VcspCluster"/> implements it for one
/// group. Called on the group's loop thread under its lock: every method returns at once, and the work (NATS
/// requests) happens off the loop, in the order of the calls. Answers come back through <see cref="IClusterGroup"/>.
/// </summary>
internal abstract class ClusterLink
{
    /// <summary>This node's name.</summary>
    public abstract string Node { get; }

    /// <summary>The nodes of the group known to be up, this one among them (a snapshot, safe from any thread).</summary>
    public abstract IReadOnlyList<string> Nodes { get; }

    /// <summary>Claims <paramref name="name"/> for this node: <see cref="IClusterGroup.OnClaimResult"/> tells whether it won.</summary>
    /// <param name="name">A member name.</param>
    /// <param name="id">The claim's id, given back with its result.</param>
    public abstract void Claim(string name, long id);

    /// <summary>No join or member here holds <paramref name="name"/> any more: the claim, if this node won it, is given up.</summary>
    /// <param name="name">A member name.</param>
    public abstract void Release(string name);

    /// <summary>A member's join was confirmed here: the other nodes list it (its session, name, address, administrator flag).</summary>
    /// <param name="member">The member.</param>
    public abstract void Announce(Member member);

    /// <summary>A member announced here left: the other nodes stop listing it.</summary>
    /// <param name="member">The member.</param>
    public abstract void Retract(Member member);

    /// <summary>The administrator here kicked a member of another node: its node kicks it (<see cref="IClusterGroup.OnKick"/>).</summary>
    /// <param name="member">The member.</param>
    /// <param name="by">The administrator's name.</param>
    public abstract void Kick(RemoteMember member, string by);

    /// <summary>
    /// Tells a sender's node that messages of its member did not reach a member here (it was skipped, PROTOCOL.md §7.6):
    /// that node sends its member Error Undelivered (<see cref="IClusterGroup.OnRemoteUndelivered"/>).
    /// </summary>
    /// <param name="node">The sender's node.</param>
    /// <param name="session">The sender's session.</param>
    /// <param name="firstSequence">The first of its sequence numbers concerned.</param>
    /// <param name="endSequence">One past the last.</param>
    /// <param name="member">The name of the member here that missed them.</param>
    public abstract void ReportUndelivered(string node, ulong session, uint firstSequence, uint endSequence, byte[] member);

    /// <summary>
    /// Sends a Media datagram of a call member here to the other nodes at once, best effort like the relay itself
    /// (PROTOCOL.md §15.6): copied, and dropped (counted) when the outgoing queue is full.
    /// </summary>
    /// <param name="memberId">The sender's call-member id here.</param>
    /// <param name="codec">Its codec.</param>
    /// <param name="timestamp">Its timestamp.</param>
    /// <param name="data">Its data.</param>
    public abstract void PublishMedia(ushort memberId, byte codec, uint timestamp, ReadOnlySpan<byte> data);

    /// <summary>
    /// Carries a message accepted here to the other nodes, in this node's order. The bytes are copied. False when the
    /// outgoing queue is full (the cluster is down for longer than it can bridge): the message is then not delivered
    /// to the other nodes, and the caller reports so to its sender.
    /// </summary>
    /// <param name="from">Its sender, a member here.</param>
    /// <param name="firstSequence">The sequence number of its first fragment.</param>
    /// <param name="fragments">How many fragments it has.</param>
    /// <param name="framed">Its fragments, each after its length byte.</param>
    /// <returns>Whether it was queued.</returns>
    public abstract bool TryPublish(Member from, uint firstSequence, int fragments, ReadOnlySpan<byte> framed);
}
