using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using NATS.Client.KeyValueStore;

namespace VcspGen.Runtime.Nats;

/// <summary>
/// The group's names, members and nodes across the cluster (PROTOCOL.md §15.3, §15.4), in its bucket: a name's claim
/// is a key created only if absent (two nodes racing: one wins), a member's record is put when it is confirmed and
/// deleted when it leaves, and each node publishes a heartbeat every second. A node not heard for
/// <see cref="NodeTimeout"/> while this one was connected is down: its members leave the group here, and its records
/// and claims are deleted, so its members can join another node under their names. Heartbeats go over core NATS
/// (a subscription is renewed by the client after every reconnect); the bucket's watch is renewed after a reconnect.
/// </summary>
internal sealed partial class NatsGroupLink
{
    /// <summary>How often a node puts its heartbeat.</summary>
    internal static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    /// <summary>How long a node goes unheard before the others count it down.</summary>
    internal static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>This node's claims: the name and the revision of its key (0 while the claim is on its way).</summary>
    private readonly ConcurrentDictionary<string, ulong> _held = new(StringComparer.Ordinal);

    /// <summary>This node's members announced: the session and the revision of its record (0 while on its way).</summary>
    private readonly ConcurrentDictionary<ulong, ulong> _announced = [];

    /// <summary>The other nodes' members: the session, its node and its record's revision.</summary>
    private readonly ConcurrentDictionary<ulong, (string Node, ulong Revision)> _remote = [];

    /// <summary>Every claim in the bucket: the name's key, its node and revision.</summary>
    private readonly ConcurrentDictionary<string, (string Node, ulong Revision)> _claims = new(StringComparer.Ordinal);

    /// <summary>The watch of the bucket now: cancelled to watch again after a reconnect.</summary>
    private CancellationTokenSource _rewatch = new();

    /// <summary>The nodes counted down (until heard again).</summary>
    private readonly ConcurrentDictionary<string, byte> _down = new(StringComparer.Ordinal);

    /// <summary>The other nodes heard, and when (a Stopwatch timestamp).</summary>
    private readonly ConcurrentDictionary<string, long> _heard = new(StringComparer.Ordinal);

    private async Task RunCommandsAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var command in _commands.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                await RunAsync(command, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task RunAsync(Command command, CancellationToken stop)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                switch (command.Kind)
                {
                    case CommandKind.Claim:
                        _group.OnClaimResult(command.Name, command.Id, await TryClaimAsync(command.Name, stop).ConfigureAwait(false));
                        break;
                    case CommandKind.Reclaim when _held.ContainsKey(command.Name):
                        await TryClaimAsync(command.Name, stop).ConfigureAwait(false);
                        break;
                    case CommandKind.Release when _held.TryRemove(command.Name, out var revision):
                        await DeleteAsync(ClusterSubjects.ClaimKey(command.Name), revision, stop).ConfigureAwait(false);
                        break;
                    case CommandKind.Announce:
                        _announced[command.Session] = 0;
                        var bytes = JsonSerializer.SerializeToUtf8Bytes(command.Record!, ClusterJson.Default.MemberRecord);
                        _announced[command.Session] = await Store.PutAsync(ClusterSubjects.MemberKey(command.Session), bytes, cancellationToken: stop).ConfigureAwait(false);
                        _records[command.Session] = command.Record!;
                        break;
                    case CommandKind.Retract when _announced.TryRemove(command.Session, out var revision):
                        _records.TryRemove(command.Session, out _);
                        await DeleteAsync(ClusterSubjects.MemberKey(command.Session), revision, stop).ConfigureAwait(false);
                        break;
                    case CommandKind.Undelivered:
                        await _cluster.Connection.PublishAsync(_subjects.Undelivered(command.Node), command.Payload, cancellationToken: stop).ConfigureAwait(false);
                        break;
                    case CommandKind.Kick:
                        var text = command.Session.ToString("x16", CultureInfo.InvariantCulture) + "\n" + command.Name;
                        await _cluster.Connection.PublishAsync(_subjects.Kick(command.Node), Encoding.UTF8.GetBytes(text), cancellationToken: stop).ConfigureAwait(false);
                        break;
                }

                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                // The NATS server is away: tried again for a while; a claim that cannot be decided is refused.
                if (attempt >= 20)
                {
                    LogCommandFailed(_logger, _group.Name, command.Kind.ToString(), e.Message);
                    if (command.Kind == CommandKind.Claim)
                    {
                        _held.TryRemove(command.Name, out _);
                        _group.OnClaimResult(command.Name, command.Id, won: false);
                    }

                    return;
                }

                await Task.Delay(250, stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The records this node announced (to put them again if another node deleted them, PROTOCOL.md §15.4).</summary>
    private readonly ConcurrentDictionary<ulong, MemberRecord> _records = [];

    /// <summary>Creates the name's key for this node; one held by this node (left over) or by a node that is down is taken over.</summary>
    private async Task<bool> TryClaimAsync(string name, CancellationToken stop)
    {
        var key = ClusterSubjects.ClaimKey(name);
        _held[name] = 0;
        try
        {
            _held[name] = await Store.CreateAsync(key, _nodeBytes, cancellationToken: stop).ConfigureAwait(false);
            return true;
        }
        catch (NatsKVCreateException)
        {
            var entry = await Store.GetEntryAsync<byte[]>(key, cancellationToken: stop).ConfigureAwait(false);
            var holder = Encoding.UTF8.GetString(entry.Value ?? []);
            if (holder != Node && IsUp(holder))
            {
                _held.TryRemove(name, out _);
                return false;
            }

            try
            {
                _held[name] = await Store.UpdateAsync(key, _nodeBytes, entry.Revision, cancellationToken: stop).ConfigureAwait(false);
                return true;
            }
            catch (NatsKVWrongLastRevisionException)
            {
                _held.TryRemove(name, out _);
                return false; // another node took it over first
            }
        }
    }

    private async Task DeleteAsync(string key, ulong revision, CancellationToken stop)
    {
        try
        {
            await Store.DeleteAsync(key, revision == 0 ? new NatsKVDeleteOpts() : new NatsKVDeleteOpts { Revision = revision }, stop).ConfigureAwait(false);
        }
        catch (NatsKVWrongLastRevisionException)
        {
            // Changed since: it is someone else's now.
        }
    }

    /// <summary>Whether a node may hold a claim: any node not counted down (one not heard yet may be starting).</summary>
    private bool IsUp(string node) => node == Node || !_down.ContainsKey(node);

    private async Task WatchAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var again = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Volatile.Write(ref _rewatch, again);
            try
            {
                await foreach (var entry in Store.WatchAsync<byte[]>(">", cancellationToken: again.Token).ConfigureAwait(false))
                {
                    OnEntry(entry);
                }
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                // Watched again after a reconnect (below).
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                LogWatchFailed(_logger, _group.Name, e.Message);
                await Task.Delay(500, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// After the connection came back: the bucket is watched again from its current values (a watch may not outlive a
    /// restart of the NATS server), and the other nodes' members whose records went meanwhile leave the group here.
    /// </summary>
    private async Task ResyncAsync(CancellationToken stop)
    {
        var before = _remote.Keys.ToList();
        var claimsBefore = _claims.Keys.ToList();
        await Volatile.Read(ref _rewatch).CancelAsync().ConfigureAwait(false);
        try
        {
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(stop);
            patience.CancelAfter(TimeSpan.FromSeconds(5));
            var keys = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
            await foreach (var key in Store.GetKeysAsync(["m.>", "c.>"], cancellationToken: patience.Token).ConfigureAwait(false))
            {
                keys.Add(key);
            }

            foreach (var session in before)
            {
                if (!keys.Contains(ClusterSubjects.MemberKey(session)) && _remote.TryRemove(session, out _))
                {
                    _group.OnRemoteLeft(session);
                }
            }

            // Claims deleted meanwhile are forgotten too (a node counted down by the others, say).
            foreach (var claim in claimsBefore)
            {
                if (!keys.Contains(claim))
                {
                    _claims.TryRemove(claim, out _);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            LogWatchFailed(_logger, _group.Name, e.Message);
        }
    }

    private void OnEntry(NatsKVEntry<byte[]> entry)
    {
        var deleted = entry.Operation is NatsKVOperation.Del or NatsKVOperation.Purge;
        var key = entry.Key;
        if (key.StartsWith("m.", StringComparison.Ordinal) && ulong.TryParse(key.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var session))
        {
            OnMemberEntry(session, entry, deleted);
        }
        else if (key.StartsWith("c.", StringComparison.Ordinal))
        {
            OnClaimEntry(key, entry, deleted);
        }
    }

    private void OnMemberEntry(ulong session, NatsKVEntry<byte[]> entry, bool deleted)
    {
        if (deleted)
        {
            if (_remote.TryRemove(session, out _))
            {
                _group.OnRemoteLeft(session);
            }
            else if (_records.TryGetValue(session, out var mine))
            {
                Queue(new Command(CommandKind.Announce) { Session = session, Record = mine }); // deleted by a node that counted this one down
            }

            return;
        }

        MemberRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(entry.Value ?? [], ClusterJson.Default.MemberRecord);
        }
        catch (JsonException)
        {
            record = null;
        }

        if (record is null || !IPEndPoint.TryParse(record.Address, out var address))
        {
            LogBadRecord(_logger, _group.Name, entry.Key);
            return;
        }

        if (record.Node == Node)
        {
            if (!_announced.ContainsKey(session))
            {
                Queue(new Command(CommandKind.Retract) { Session = session }); // left over from this node's last run
                _announced.TryAdd(session, entry.Revision);
            }

            return;
        }

        _remote[session] = (record.Node, entry.Revision);
        _group.OnRemoteJoined(new RemoteMember(session, record.Node, Encoding.UTF8.GetBytes(record.Name), VcspAddress.FromEndPoint(address), record.IsAdministrator, DateTimeOffset.FromUnixTimeMilliseconds(record.JoinedAt)));
    }

    private void OnClaimEntry(string key, NatsKVEntry<byte[]> entry, bool deleted)
    {
        var name = Encoding.UTF8.GetString(Convert.FromHexString(key.AsSpan(2)));
        if (deleted)
        {
            _claims.TryRemove(key, out _);
            if (_held.TryGetValue(name, out var revision) && revision != 0 && revision < entry.Revision)
            {
                Queue(new Command(CommandKind.Reclaim) { Name = name }); // deleted by a node that counted this one down
            }

            return;
        }

        var holder = Encoding.UTF8.GetString(entry.Value ?? []);
        _claims[key] = (holder, entry.Revision);
        if (holder == Node && !_held.ContainsKey(name))
        {
            // Left over from this node's last run.
            _ = DeleteQuietlyAsync(key, entry.Revision);
        }
    }

    private async Task DeleteQuietlyAsync(string key, ulong revision)
    {
        try
        {
            await DeleteAsync(key, revision, _cluster.Stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogCommandFailed(_logger, _group.Name, "delete " + key, e.Message);
        }
    }

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

    private async Task ReceiveKicksAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var message in _cluster.Connection.SubscribeAsync<byte[]>(_subjects.Kick(Node), cancellationToken: stop).ConfigureAwait(false))
            {
                var text = Encoding.UTF8.GetString(message.Data ?? []);
                var newline = text.IndexOf('\n', StringComparison.Ordinal);
                if (newline > 0 && ulong.TryParse(text.AsSpan(0, newline), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var session))
                {
                    _group.OnKick(session, text[(newline + 1)..]);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task ReceiveUndeliveredAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var message in _cluster.Connection.SubscribeAsync<byte[]>(_subjects.Undelivered(Node), cancellationToken: stop).ConfigureAwait(false))
            {
                var data = message.Data ?? [];
                if (data.Length is > 16 and <= 16 + MemberNames.MaxBytes)
                {
                    _group.OnRemoteUndelivered(
                        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(data),
                        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(8)),
                        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(12)),
                        data[16..]);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "Group {Group}: {What} failed against the cluster: {Problem}")]
    private static partial void LogCommandFailed(ILogger logger, string group, string what, string problem);

    [LoggerMessage(EventId = 71, Level = LogLevel.Warning, Message = "Group {Group}: watching the cluster's bucket failed ({Problem}); watching again")]
    private static partial void LogWatchFailed(ILogger logger, string group, string problem);

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "Group {Group}: node {Node} is down ({Why}): its {Members} member(s) leave the group")]
    private static partial void LogNodeDown(ILogger logger, string group, string node, string why, int members);

    [LoggerMessage(EventId = 74, Level = LogLevel.Information, Message = "Group {Group}: connected to the cluster again; watching its bucket again")]
    private static partial void LogReconnected(ILogger logger, string group);

    [LoggerMessage(EventId = 73, Level = LogLevel.Warning, Message = "Group {Group}: the record {Key} in the cluster's bucket is malformed and ignored")]
    private static partial void LogBadRecord(ILogger logger, string group, string key);
}
