using System;

namespace VcspGen.Runtime;

/// <summary>A hosted group as its cluster reaches it: each call takes the group's lock (<see cref="UdpHost.Invoke"/>).</summary>
/// <param name="name">The group's name.</param>
/// <param name="host">The group's socket, whose lock guards it.</param>
internal sealed class ClusterGroupPort(string name, UdpHost host) : IClusterGroup
{
    /// <summary>The group, set once it is made (it is given its link when made).</summary>
    public GroupServer? Server { get; set; }

    public string Name => name;

    public void OnClaimResult(string name, long id, bool won) => host.Invoke(() => Server?.OnClaimResult(name, id, won));

    public void OnRemoteJoined(RemoteMember member) => host.Invoke(() => Server?.OnRemoteJoined(member));

    public void OnRemoteLeft(ulong session) => host.Invoke(() => Server?.OnRemoteLeft(session));

    public bool OnRemoteMessage(string node, ulong session, ReadOnlyMemory<byte> name, uint firstSequence, int fragments, ReadOnlyMemory<byte> framed) =>
        host.Invoke(() => Server is not { } server || server.OnRemoteMessage(node, session, name.Span, firstSequence, fragments, framed.Span));

    public void OnRemoteMedia(string node, ushort memberId, byte codec, uint timestamp, ReadOnlyMemory<byte> data) =>
        host.Invoke(() => Server?.OnRemoteMedia(node, memberId, codec, timestamp, data.Span));

    public void OnRemoteUndelivered(ulong session, uint firstSequence, uint endSequence, byte[] member) =>
        host.Invoke(() => Server?.OnRemoteUndelivered(session, firstSequence, endSequence, member));

    public void OnKick(ulong session, string by) => host.Invoke(() => Server?.OnKick(session, by));

    public void OnNotCarried(ulong session, uint firstSequence, uint endSequence) => host.Invoke(() => Server?.OnNotCarried(session, firstSequence, endSequence));
}
