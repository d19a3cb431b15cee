using System;

namespace VcspGen.Runtime;

/// <summary>
/// The relay's way to the other nodes (PROTOCOL.md §15.2): each message of a member here, as it is relayed here, is
/// carried to the cluster too; one the cluster's queue cannot take is reported to its sender as not delivered to the
/// other nodes. Messages of other nodes' members (their proxies) are not carried again.
/// </summary>
/// <param name="server">The group, which reports what is not carried.</param>
/// <param name="link">The cluster.</param>
internal sealed class ClusterOut(GroupServer server, ClusterLink link)
{
    /// <summary>Carries a message to the other nodes.</summary>
    /// <param name="from">Its sender.</param>
    /// <param name="firstSequence">Its first sequence number.</param>
    /// <param name="fragments">How many fragments it has.</param>
    /// <param name="framed">Its fragments, each after its length byte.</param>
    public void Carry(Member from, uint firstSequence, int fragments, ReadOnlySpan<byte> framed)
    {
        if (from.Remote is not null)
        {
            return;
        }

        if (!link.TryPublish(from, firstSequence, fragments, framed))
        {
            server.ReportNotCarried(from, firstSequence, unchecked(firstSequence + (uint)fragments));
        }
    }

    /// <summary>Tells the node of a sender of another node that some of its messages did not reach a member here.</summary>
    /// <param name="proxy">The sender's proxy.</param>
    /// <param name="firstSequence">The first of its sequence numbers concerned.</param>
    /// <param name="endSequence">One past the last.</param>
    /// <param name="member">The member's name.</param>
    public void ReportUndelivered(Member proxy, uint firstSequence, uint endSequence, byte[] member) =>
        link.ReportUndelivered(proxy.Remote!.Node, proxy.Session, firstSequence, endSequence, member);

    /// <summary>Carries a whole message (one fragment) to the other nodes.</summary>
    /// <param name="from">Its sender.</param>
    /// <param name="sequence">Its sequence number.</param>
    /// <param name="data">Its data.</param>
    public void CarryWhole(Member from, uint sequence, ReadOnlySpan<byte> data)
    {
        if (from.Remote is not null)
        {
            return;
        }

        Span<byte> framed = stackalloc byte[256];
        framed[0] = (byte)data.Length;
        data.CopyTo(framed[1..]);
        Carry(from, sequence, 1, framed[..(1 + data.Length)]);
    }
}
