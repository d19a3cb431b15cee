using System;
using System.Net;
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
