using System;

namespace VcspGen.Runtime;

/// <summary>
/// A clustered group as its <see cref="ClusterLink"/> reaches it from the other nodes (PROTOCOL.md §15). Each method
/// takes the group's lock, so it may be called from any thread but never from the group's own loop.
/// </summary>
internal interface IClusterGroup
{
    /// <summary>The group's name.</summary>
    string Name { get; }

    /// <summary>A claim of <see cref="ClusterLink.Claim"/> was decided: the joins waiting on it are answered.</summary>
    /// <param name="name">The name.</param>
    /// <param name="id">The claim's id.</param>
    /// <param name="won">Whether this node holds it now.</param>
    void OnClaimResult(string name, long id, bool won);

    /// <summary>A member joined on another node (or is listed there at start).</summary>
    /// <param name="member">The member.</param>
    void OnRemoteJoined(RemoteMember member);

    /// <summary>A member of another node left.</summary>
    /// <param name="session">Its session.</param>
    void OnRemoteLeft(ulong session);

    /// <summary>A message accepted on another node, to relay to the members here.</summary>
    /// <param name="node">Its node.</param>
    /// <param name="session">Its sender's session.</param>
    /// <param name="name">Its sender's name.</param>
    /// <param name="firstSequence">The sequence number of its first fragment.</param>
    /// <param name="fragments">How many fragments it has.</param>
    /// <param name="framed">Its fragments, each after its length byte.</param>
    /// <returns>False when the group has no room for it now: the caller offers it again later, in the same order.</returns>
    bool OnRemoteMessage(string node, ulong session, ReadOnlyMemory<byte> name, uint firstSequence, int fragments, ReadOnlyMemory<byte> framed);

    /// <summary>A Media datagram of a call member of another node, to relay at once to the call members here.</summary>
    /// <param name="node">Its node.</param>
    /// <param name="memberId">Its sender's call-member id there.</param>
    /// <param name="codec">Its codec.</param>
    /// <param name="timestamp">Its timestamp.</param>
    /// <param name="data">Its data.</param>
    void OnRemoteMedia(string node, ushort memberId, byte codec, uint timestamp, ReadOnlyMemory<byte> data);

    /// <summary>Messages of a member here did not reach a member of another node (skipped there): the member is told.</summary>
    /// <param name="session">The sender's session.</param>
    /// <param name="firstSequence">The first of its sequence numbers concerned.</param>
    /// <param name="endSequence">One past the last.</param>
    /// <param name="member">The name of the member that missed them.</param>
    void OnRemoteUndelivered(ulong session, uint firstSequence, uint endSequence, byte[] member);

    /// <summary>The administrator on another node kicked a member of this node.</summary>
    /// <param name="session">The member's session.</param>
    /// <param name="by">The administrator's name.</param>
    void OnKick(ulong session, string by);

    /// <summary>Messages of a member here could not be carried to the other nodes: it is told so (Error Undelivered).</summary>
    /// <param name="session">The member's session.</param>
    /// <param name="firstSequence">The first sequence number concerned.</param>
    /// <param name="endSequence">One past the last.</param>
    void OnNotCarried(ulong session, uint firstSequence, uint endSequence);
}

/// <summary>A member of another node, as the group lists it (PROTOCOL.md §15.3).</summary>
/// <param name="Session">Its session, unique in the cluster.</param>
/// <param name="Node">Its node.</param>
/// <param name="Name">Its name, UTF-8.</param>
/// <param name="Address">Its address and port, as its node sees it (WHOIS gives it).</param>
/// <param name="IsAdministrator">Whether it took the owner's name.</param>
/// <param name="JoinedAt">When it joined.</param>
internal sealed record RemoteMember(ulong Session, string Node, byte[] Name, VcspAddress Address, bool IsAdministrator, DateTimeOffset JoinedAt);
