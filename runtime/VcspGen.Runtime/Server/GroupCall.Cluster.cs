using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's call across a cluster (PROTOCOL.md §15.6): each Media datagram of a call member here goes at once to
/// the other nodes too, and theirs are relayed here at once to the call members whose codec they carry, with a
/// call-member id of this node's numbering for each sender of another node.
/// </summary>
internal sealed partial class GroupCall
{
    /// <summary>The most senders of other nodes given an id here; beyond it, the ids are drawn afresh.</summary>
    private const int MaxRemoteSources = 256;

    private readonly ClusterLink? _cluster;
    private readonly Dictionary<(string Node, ushort Id), ushort> _remoteSources = [];

    /// <summary>How many Media datagrams of other nodes were relayed here (one per receiver).</summary>
    public long RemoteMediaRelayed { get; private set; }

    /// <summary>Relays a Media datagram of another node's call member to the call members here with its codec, at once.</summary>
    /// <param name="node">Its node.</param>
    /// <param name="memberId">Its sender's call-member id on that node.</param>
    /// <param name="codec">Its codec.</param>
    /// <param name="timestamp">Its timestamp.</param>
    /// <param name="data">Its data.</param>
    public void OnRemoteMedia(string node, ushort memberId, byte codec, uint timestamp, ReadOnlySpan<byte> data)
    {
        if (_callMembers.Count == 0)
        {
            return;
        }

        var relayed = new Media { Challenge = 0, Timestamp = timestamp, Source = RemoteSource(node, memberId), Codec = codec, Data = data };
        if (!_mediaSender.TryEncode(relayed, out var copy))
        {
            _drops.Drop(DropReason.ClusterRefused, default);
            return;
        }

        var relayedTo = 0;
        foreach (var receiver in _callMembers)
        {
            if (receiver.Call is { } leg && leg.Codec == codec)
            {
                BinaryPrimitives.WriteUInt16BigEndian(copy.Slice(2), leg.Challenge);
                _mediaSender.Forward(copy, receiver.Address);
                relayedTo++;
            }
        }

        MediaRelayed += relayedTo;
        RemoteMediaRelayed += relayedTo;
        _activity.Metrics.MediaRelayed.Add(relayedTo, _activity.Tag);
    }

    /// <summary>This node's call-member id for a sender of another node (drawn once, kept while the table has room).</summary>
    private ushort RemoteSource(string node, ushort memberId)
    {
        if (_remoteSources.TryGetValue((node, memberId), out var id))
        {
            return id;
        }

        if (_remoteSources.Count >= MaxRemoteSources)
        {
            _remoteSources.Clear();
        }

        id = NextCallMemberId();
        _remoteSources.Add((node, memberId), id);
        return id;
    }

    private bool IsRemoteSource(ushort id)
    {
        foreach (var value in _remoteSources.Values)
        {
            if (value == id)
            {
                return true;
            }
        }

        return false;
    }
}
