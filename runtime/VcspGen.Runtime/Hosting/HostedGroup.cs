using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Runtime.Sip;

namespace VcspGen.Runtime;

/// <summary>
/// One group of a <see cref="VcspServerHost"/>: its UDP port and its <see cref="GroupServer"/>, reached only through
/// <see cref="Invoke"/>, which takes the group's lock, so no call into the state machine is ever unguarded.
/// </summary>
public sealed class HostedGroup
{
    private readonly GroupServer _server;

    internal HostedGroup(string name, UdpHost host, GroupServer server, System.Threading.Tasks.Task running)
    {
        Name = name;
        Host = host;
        _server = server;
        Running = running;
    }

    /// <summary>The group's name.</summary>
    public string Name { get; }

    /// <summary>The group's UDP socket, for its address and its counters (datagrams in and out, send failures).</summary>
    public UdpHost Host { get; }

    /// <summary>The group's UDP endpoint.</summary>
    public IPEndPoint LocalEndPoint => Host.LocalEndPoint;

    internal System.Threading.Tasks.Task Running { get; }

    /// <summary>
    /// A member's join was confirmed (<see cref="GroupServer.MemberJoined"/>). Raised on the group's loop thread under
    /// its lock: handlers must be quick and must not wait for other groups; hand longer work to another thread.
    /// </summary>
    public event Action<MemberInfo>? MemberJoined
    {
        add => Invoke(server => server.MemberJoined += value);
        remove => Invoke(server => server.MemberJoined -= value);
    }

    /// <summary>A member left, with why (<see cref="GroupServer.MemberLeft"/>; on the loop thread: be quick).</summary>
    public event Action<MemberInfo, MemberLeaveReason>? MemberLeft
    {
        add => Invoke(server => server.MemberLeft += value);
        remove => Invoke(server => server.MemberLeft -= value);
    }

    /// <summary>A member is kicked, with who kicked it (<see cref="GroupServer.MemberKicked"/>; on the loop thread: be quick).</summary>
    public event Action<MemberInfo, string?>? MemberKicked
    {
        add => Invoke(server => server.MemberKicked += value);
        remove => Invoke(server => server.MemberKicked -= value);
    }

    /// <summary>
    /// A member's message was accepted for relay (<see cref="GroupServer.MessageRelayed"/>): raised for every message on
    /// the loop thread, allocating nothing; handlers must be quick.
    /// </summary>
    public event RelayedMessageHandler? MessageRelayed
    {
        add => Invoke(server => server.MessageRelayed += value);
        remove => Invoke(server => server.MessageRelayed -= value);
    }

    /// <summary>The members, in join order (<see cref="GroupServer.ListMembers"/>), read under the group's lock off the caller's thread.</summary>
    /// <param name="cancellationToken">Gives up before the read starts.</param>
    /// <returns>A snapshot.</returns>
    public Task<IReadOnlyList<MemberInfo>> ListMembersAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => Invoke(static server => server.ListMembers()), cancellationToken);

    /// <summary>
    /// Kicks the member called <paramref name="name"/> as the owner's KICK does (<see cref="GroupServer.Kick"/>: a Kick
    /// with <paramref name="reason"/>, its call leg ended with a BYE, the member removed), under the group's lock off
    /// the caller's thread.
    /// </summary>
    /// <param name="name">The member's name.</param>
    /// <param name="reason">What it is told; null for <see cref="GroupServer.DefaultKickReason"/>.</param>
    /// <param name="cancellationToken">Gives up before the kick starts.</param>
    /// <returns>Whether there was such a member.</returns>
    public Task<bool> KickAsync(string name, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Task.Run(() => Invoke(server => server.Kick(name, reason)), cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> on the group's state machine under its lock (keep it short: the group waits).</summary>
    /// <param name="action">What to do.</param>
    public void Invoke(Action<GroupServer> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Host.Invoke(() => action(_server));
    }

    /// <summary>Reads the group's state machine under its lock.</summary>
    /// <typeparam name="T">What is read.</typeparam>
    /// <param name="read">How.</param>
    /// <returns>What <paramref name="read"/> returned.</returns>
    public T Invoke<T>(Func<GroupServer, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return Host.Invoke(() => read(_server));
    }

    internal void ReceiveSip(SipMessage message, SipPeer peer) => Host.Invoke(() => _server.ReceiveSip(message, peer));
}
