using System;
using System.Collections.Generic;

namespace VcspGen.Runtime;

/// <summary>
/// A clustered group's members on other nodes (PROTOCOL.md §15): the ones listed (LIST, INFO, WHOIS, the name checks),
/// and a proxy <see cref="Member"/> per sender whose messages this node relays, which carries the sender's queue and
/// how far its messages came, so the relay treats it like a member here that receives nothing. Both are bounded:
/// beyond <paramref name="capacity"/> a listing or a new sender is refused (and counted by the caller).
/// </summary>
/// <param name="capacity">The most members of other nodes listed, and the most proxies.</param>
internal sealed class RemoteMembers(int capacity)
{
    private readonly Dictionary<ulong, RemoteMember> _bySession = [];
    private readonly Dictionary<ulong, Member> _proxies = [];

    /// <summary>The members of other nodes, in the order they were heard of.</summary>
    public List<RemoteMember> InOrder { get; } = [];

    /// <summary>The proxies of the senders of other nodes (a <see cref="List{T}"/>, so <c>foreach</c> allocates nothing).</summary>
    public List<Member> Proxies { get; } = [];

    /// <summary>How many members of other nodes are listed.</summary>
    public int Count => InOrder.Count;

    /// <summary>Lists a member of another node (again: its record is replaced).</summary>
    /// <param name="member">The member.</param>
    /// <returns>False when the list is full.</returns>
    public bool Add(RemoteMember member)
    {
        if (_bySession.TryGetValue(member.Session, out var known))
        {
            InOrder[InOrder.IndexOf(known)] = member;
            _bySession[member.Session] = member;
            return true;
        }

        if (InOrder.Count >= capacity)
        {
            return false;
        }

        _bySession.Add(member.Session, member);
        InOrder.Add(member);
        return true;
    }

    /// <summary>Stops listing a member of another node.</summary>
    /// <param name="session">Its session.</param>
    /// <returns>The member, or null when it was not listed.</returns>
    public RemoteMember? Remove(ulong session)
    {
        if (!_bySession.Remove(session, out var member))
        {
            return null;
        }

        InOrder.Remove(member);
        return member;
    }

    /// <summary>The listed member of another node called <paramref name="name"/>, or null.</summary>
    /// <param name="name">The name's UTF-8 bytes.</param>
    /// <returns>The member.</returns>
    public RemoteMember? Find(ReadOnlySpan<byte> name)
    {
        foreach (var member in InOrder)
        {
            if (name.SequenceEqual(member.Name))
            {
                return member;
            }
        }

        return null;
    }

    /// <summary>Whether a member of another node has session <paramref name="session"/>.</summary>
    /// <param name="session">A session.</param>
    /// <returns>True when listed.</returns>
    public bool IsListed(ulong session) => _bySession.ContainsKey(session);

    /// <summary>The proxy of a sender of another node, made on its first message.</summary>
    /// <param name="session">Its session.</param>
    /// <param name="node">Its node.</param>
    /// <param name="name">Its name (copied when the proxy is made).</param>
    /// <param name="maxPending">How many of its messages may wait for relay here.</param>
    /// <param name="proxy">The proxy.</param>
    /// <returns>False when the proxies are at their bound already.</returns>
    public bool TryGetProxy(ulong session, string node, ReadOnlySpan<byte> name, int maxPending, out Member proxy)
    {
        if (_proxies.TryGetValue(session, out proxy!))
        {
            return true;
        }

        if (_proxies.Count >= capacity)
        {
            return false;
        }

        var address = _bySession.TryGetValue(session, out var listed) ? listed.Address : default;
        proxy = new Member(address, VcspGen.VcspChallenge.None, name.ToArray(), 0, maxPending) { Session = session, Remote = new RemoteSender(node) };
        _proxies.Add(session, proxy);
        Proxies.Add(proxy);
        return true;
    }

    /// <summary>The proxy of a sender of another node, if it has one.</summary>
    /// <param name="session">Its session.</param>
    /// <param name="proxy">The proxy.</param>
    /// <returns>True when it has one.</returns>
    public bool TryFindProxy(ulong session, out Member proxy) => _proxies.TryGetValue(session, out proxy!);

    /// <summary>Forgets a proxy (its sender left and nothing of it waits).</summary>
    /// <param name="proxy">The proxy.</param>
    public void RemoveProxy(Member proxy)
    {
        if (_proxies.Remove(proxy.Session))
        {
            Proxies.Remove(proxy);
        }
    }
}
