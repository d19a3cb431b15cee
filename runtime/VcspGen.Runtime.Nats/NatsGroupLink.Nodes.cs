using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace VcspGen.Runtime.Nats;

/// <summary>
/// The nodes (PROTOCOL.md §15.4): each publishes a heartbeat every second on core NATS (a subscription is renewed by
/// the client after every reconnect). A node not heard for <see cref="NodeTimeout"/> while this one was connected is
/// down: its members leave the group here, and its records and claims are deleted, so its members can join another
/// node under their names.
/// </summary>
internal sealed partial class NatsGroupLink
{
    /// <summary>How often a node puts its heartbeat.</summary>
    internal static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    /// <summary>How long a node goes unheard before the others count it down.</summary>
    internal static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The nodes counted down (until heard again).</summary>
    private readonly ConcurrentDictionary<string, byte> _down = new(StringComparer.Ordinal);

    /// <summary>The other nodes heard, and when (a Stopwatch timestamp).</summary>
    private readonly ConcurrentDictionary<string, long> _heard = new(StringComparer.Ordinal);

    /// <summary>Whether a node may hold a claim: any node not counted down (one not heard yet may be starting).</summary>
    private bool IsUp(string node) => node == Node || !_down.ContainsKey(node);

    private async Task HeartbeatAsync(CancellationToken stop)
    {
        long? connectedSince = null;
        var wasDown = false;
        using var timer = new PeriodicTimer(Heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (!_cluster.IsConnected)
                {
                    connectedSince = null; // nobody is heard while this node is cut off: nobody is counted down for it
                    wasDown = true;
                    continue;
                }

                if (connectedSince is null)
                {
                    // Whom it last heard, it hears again from now on.
                    connectedSince = Now;
                    foreach (var node in _heard.Keys)
                    {
                        _heard[node] = Now;
                    }
                }

                if (wasDown)
                {
                    wasDown = false;
                    LogReconnected(_logger, _group.Name);
                    await ResyncAsync(stop).ConfigureAwait(false);
                }

                await BeatAsync(Node, stop).ConfigureAwait(false);
                if (System.Diagnostics.Stopwatch.GetElapsedTime(connectedSince.Value) < NodeTimeout)
                {
                    continue;
                }

                foreach (var (node, heard) in _heard)
                {
                    if (System.Diagnostics.Stopwatch.GetElapsedTime(heard) >= NodeTimeout)
                    {
                        NodeDown(node, $"not heard for {NodeTimeout.TotalSeconds} s");
                    }
                }

                // A node whose members or claims are in the bucket but that was never heard died before this one started.
                foreach (var node in _claims.Values.Select(c => c.Node).Concat(_remote.Values.Select(r => r.Node)).Distinct(StringComparer.Ordinal).ToList())
                {
                    if (node != Node && !_heard.ContainsKey(node) && !_down.ContainsKey(node))
                    {
                        NodeDown(node, "not heard since this node started");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    /// <summary>Publishes a heartbeat on core NATS (a node's name, or its name and "bye" when it leaves); a subscription outlives reconnects.</summary>
    private async Task BeatAsync(string text, CancellationToken stop)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(Heartbeat);
            await _cluster.Connection.PublishAsync(_subjects.Beats, Encoding.UTF8.GetBytes(text), cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            LogCommandFailed(_logger, _group.Name, "heartbeat", e.Message);
        }
    }

    private async Task ReceiveBeatsAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var message in _cluster.Connection.SubscribeAsync<byte[]>(_subjects.Beats, cancellationToken: stop).ConfigureAwait(false))
            {
                var text = Encoding.UTF8.GetString(message.Data ?? []);
                var bye = text.EndsWith("\nbye", StringComparison.Ordinal);
                var node = bye ? text[..^4] : text;
                if (node == Node || !VcspCluster.IsValidNodeName(node))
                {
                    continue;
                }

                if (bye)
                {
                    NodeDown(node, "left the cluster");
                }
                else if (_heard.TryAdd(node, Now))
                {
                    _down.TryRemove(node, out _);
                    SetNodes(_heard.Keys);
                }
                else
                {
                    _heard[node] = Now;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    /// <summary>A node is down: its members leave the group here, and its records and claims are deleted from the bucket.</summary>
    private void NodeDown(string node, string why)
    {
        _heard.TryRemove(node, out _);
        if (!_down.TryAdd(node, 0))
        {
            return; // counted down already
        }

        SetNodes(_heard.Keys);
        var members = _remote.Where(m => m.Value.Node == node).ToList();
        LogNodeDown(_logger, _group.Name, node, why, members.Count);
        foreach (var (session, (_, revision)) in members)
        {
            if (_remote.TryRemove(session, out _))
            {
                _group.OnRemoteLeft(session);
                _ = DeleteQuietlyAsync(ClusterSubjects.MemberKey(session), revision);
            }
        }

        foreach (var (key, (holder, revision)) in _claims)
        {
            if (holder == node)
            {
                _ = DeleteQuietlyAsync(key, revision);
            }
        }
    }

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "Group {Group}: node {Node} is down ({Why}): its {Members} member(s) leave the group")]
    private static partial void LogNodeDown(ILogger logger, string group, string node, string why, int members);
}
