using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's side of a cluster (PROTOCOL.md §15): the answers to its name claims, the members of other nodes it
/// lists, and their messages, which it relays to its own members through their proxies. Called under the group's lock
/// (<see cref="ClusterGroupPort"/>).
/// </summary>
public sealed partial class GroupServer
{
    /// <summary>How long a proxy of a sender of another node is kept with nothing waiting once the sender is not listed.</summary>
    private static readonly TimeSpan IdleProxy = TimeSpan.FromSeconds(30);

    /// <summary>The Text of an Error Undelivered for a message the other nodes did not get (no member name has a space).</summary>
    private static ReadOnlySpan<byte> OtherNodes => "other nodes"u8;

    /// <summary>How many members of other nodes the group lists (0 outside a cluster).</summary>
    public int RemoteMemberCount => _remote.Count;

    /// <summary>How many messages of other nodes' members were relayed here.</summary>
    public long ClusterMessagesIn { get; private set; }

    /// <summary>How many messages of other nodes were refused here (the sender beyond the bound of proxies, or the group shut down).</summary>
    public long ClusterMessagesRefused { get; private set; }

    /// <summary>How many messages of other nodes came twice and were relayed once.</summary>
    public long ClusterDuplicates { get; private set; }

    internal void OnClaimResult(string name, long id, bool won)
    {
        if (_claims is null || !_claims.Resolve(name, id, won))
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(name);
        List<Member> waiting = [.. _roster.Unconfirmed.Concat(_roster.Rejoins.Values).Where(j => j.Claiming && bytes.AsSpan().SequenceEqual(j.Name))];
        foreach (var join in waiting)
        {
            join.Claiming = false;
            if (won)
            {
                _sender.SendResponse(join, join.JoinSequence, ResponseTo.JoinRequest, _groupName);
                continue;
            }

            // Another node's member has the name (PROTOCOL.md §15.3): refused as if it were a member here.
            if (_roster.Rejoins.TryGetValue(join.Address, out var rejoin) && ReferenceEquals(rejoin, join))
            {
                _roster.RemoveRejoin(join);
            }
            else
            {
                _roster.Remove(join);
            }

            _admission.RefuseJoin(join.Address, join.JoinSequence, RejectReason.NameInUse, "name in use", join.JoinSize);
        }
    }

    internal void OnRemoteJoined(RemoteMember member)
    {
        if (_cluster is null || member.Node == _cluster.Node)
        {
            return;
        }

        if (!_remote.Add(member))
        {
            ClusterMessagesRefused++;
            _drops.Drop(DropReason.ClusterRefused, member.Address);
        }
    }

    internal void OnRemoteLeft(ulong session)
    {
        _remote.Remove(session);
        if (_remote.TryFindProxy(session, out var proxy))
        {
            proxy.Remote!.Left = true;
            _relay.RelayPending(proxy, force: true);
            if (proxy.Pending.Count == 0)
            {
                _remote.RemoveProxy(proxy);
            }
        }
    }

    internal bool OnRemoteMessage(string node, ulong session, ReadOnlySpan<byte> name, uint firstSequence, int fragments, ReadOnlySpan<byte> framed)
    {
        // What another node sends is checked like a datagram: a malformed message is refused and counted, never relayed.
        if (_closed || !MemberNames.IsValid(name) || !IsFramed(framed, fragments, Fragmentation.ChunkSize(name.Length))
            || !_remote.TryGetProxy(session, node, name, _options.MaxPendingPerMember, out var proxy))
        {
            ClusterMessagesRefused++;
            _drops.Drop(DropReason.ClusterRefused, default);
            return true;
        }

        var remote = proxy.Remote!;
        if (remote.Started && SerialNumber.IsOlder(firstSequence, remote.Next))
        {
            ClusterDuplicates++; // replayed after a reconnect: relayed once already
            return true;
        }

        if (!_relay.CanAccept(proxy))
        {
            return false; // the relay log is full: the cluster offers it again, in order
        }

        proxy.Inbound.LastHeard = _time.GetTimestamp();
        _relay.EnqueueNow(proxy, framed, firstSequence, fragments);
        remote.Next = unchecked(firstSequence + (uint)fragments);
        remote.Started = true;
        ClusterMessagesIn++;
        _metrics.ClusterMessagesIn.Add(1, _groupTag);
        return true;
    }

    internal void OnRemoteMedia(string node, ushort memberId, byte codec, uint timestamp, ReadOnlySpan<byte> data)
    {
        if (!_closed)
        {
            _call.OnRemoteMedia(node, memberId, codec, timestamp, data);
        }
    }

    internal void OnRemoteUndelivered(ulong session, uint firstSequence, uint endSequence, byte[] member)
    {
        foreach (var local in _roster.InOrder)
        {
            if (local.Session == session)
            {
                _sender.SendError(local, ErrorCode.Undelivered, firstSequence, endSequence, member);
                return;
            }
        }
    }

    internal void OnKick(ulong session, string by)
    {
        foreach (var member in _roster.InOrder)
        {
            if (member.Session == session)
            {
                KickMember(member, by, DefaultKickReason);
                return;
            }
        }
    }

    /// <summary>Whether <paramref name="framed"/> is exactly <paramref name="fragments"/> fragments, each after its length byte, none longer than a Syn's chunk.</summary>
    private static bool IsFramed(ReadOnlySpan<byte> framed, int fragments, int chunk)
    {
        if (fragments is < 1 or > 255)
        {
            return false;
        }

        for (var k = 0; k < fragments; k++)
        {
            if (framed.IsEmpty || framed[0] > chunk || framed[0] > framed.Length - 1)
            {
                return false;
            }

            framed = framed[(1 + framed[0])..];
        }

        return framed.IsEmpty;
    }

    internal void OnNotCarried(ulong session, uint firstSequence, uint endSequence)
    {
        foreach (var member in _roster.InOrder)
        {
            if (member.Session == session)
            {
                ReportNotCarried(member, firstSequence, endSequence);
                return;
            }
        }

        _metrics.ClusterUndelivered.Add(1, _groupTag); // its sender left meanwhile: counted all the same
    }

    /// <summary>Messages of a member here did not reach the other nodes: counted, and the member hears so.</summary>
    internal void ReportNotCarried(Member from, uint firstSequence, uint endSequence)
    {
        _metrics.ClusterUndelivered.Add(1, _groupTag);
        _sender.SendError(from, ErrorCode.Undelivered, firstSequence, endSequence, OtherNodes);
    }

    /// <summary>Forgets the proxies whose senders left, or are not listed and were idle, once nothing of theirs waits.</summary>
    private void PollProxies(long now)
    {
        for (var i = _remote.Proxies.Count - 1; i >= 0; i--)
        {
            var proxy = _remote.Proxies[i];
            if (proxy.Pending.Count > 0)
            {
                continue;
            }

            if (proxy.Remote!.Left || (!_remote.IsListed(proxy.Session) && _time.GetElapsedTime(proxy.Inbound.LastHeard, now) >= IdleProxy))
            {
                _remote.RemoveProxy(proxy);
            }
        }
    }
}
