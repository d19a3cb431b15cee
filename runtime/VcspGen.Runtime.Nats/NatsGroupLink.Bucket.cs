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
/// The group's bucket as this node reads it (PROTOCOL.md §15.3, §15.4): the other nodes' member records (listed
/// here), every claim, and this node's own entries left over from its last run (deleted) or deleted by a node that
/// counted this one down (put again). The watch is renewed after every reconnect, and what went meanwhile is
/// reconciled, since a watch may not outlive a restart of the NATS server.
/// </summary>
internal sealed partial class NatsGroupLink
{
    /// <summary>The other nodes' members: the session, its node and its record's revision.</summary>
    private readonly ConcurrentDictionary<ulong, (string Node, ulong Revision)> _remote = [];

    /// <summary>Every claim in the bucket: the name's key, its node and revision.</summary>
    private readonly ConcurrentDictionary<string, (string Node, ulong Revision)> _claims = new(StringComparer.Ordinal);

    /// <summary>The watch of the bucket now: cancelled to watch again after a reconnect.</summary>
    private CancellationTokenSource _rewatch = new();

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

    [LoggerMessage(EventId = 71, Level = LogLevel.Warning, Message = "Group {Group}: watching the cluster's bucket failed ({Problem}); watching again")]
    private static partial void LogWatchFailed(ILogger logger, string group, string problem);

    [LoggerMessage(EventId = 74, Level = LogLevel.Information, Message = "Group {Group}: connected to the cluster again; watching its bucket again")]
    private static partial void LogReconnected(ILogger logger, string group);

    [LoggerMessage(EventId = 73, Level = LogLevel.Warning, Message = "Group {Group}: the record {Key} in the cluster's bucket is malformed and ignored")]
    private static partial void LogBadRecord(ILogger logger, string group, string key);
}
