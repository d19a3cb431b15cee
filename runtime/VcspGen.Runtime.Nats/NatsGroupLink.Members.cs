using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using NATS.Client.KeyValueStore;

namespace VcspGen.Runtime.Nats;

/// <summary>
/// The group's names and members across the cluster, as this node writes them (PROTOCOL.md §15.3): what the group
/// tells the cluster is carried out in order by one task. A name's claim is a key of the group's bucket created only
/// if absent (two nodes racing: one wins), a member's record is put when it is confirmed and deleted when it leaves;
/// kicks and not-delivered reports go to the member's node on core NATS, and come in from there.
/// </summary>
internal sealed partial class NatsGroupLink
{
    /// <summary>This node's claims: the name and the revision of its key (0 while the claim is on its way).</summary>
    private readonly ConcurrentDictionary<string, ulong> _held = new(StringComparer.Ordinal);

    /// <summary>This node's members announced: the session and the revision of its record (0 while on its way).</summary>
    private readonly ConcurrentDictionary<ulong, ulong> _announced = [];

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
}
