using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace VcspGen.Runtime.Nats;

/// <summary>
/// One group's node on NATS (PROTOCOL.md §15): what the group tells the cluster goes into two bounded queues (its
/// messages; its claims, members and kicks), each emptied by one task in order, so the group's loop never waits on
/// the network. Other tasks read the group's stream and bucket and tell the group (<see cref="IClusterGroup"/>).
/// </summary>
internal sealed partial class NatsGroupLink : ClusterLink
{
    /// <summary>How many messages may wait to be published (a NATS outage of this many is bridged; beyond it, each is reported not delivered).</summary>
    internal const int OutgoingCapacity = 8192;

    private const int CommandCapacity = 4096;

    private readonly NatsCluster _cluster;
    private readonly IClusterGroup _group;
    private readonly GroupOptions _options;
    private readonly ILogger _logger;
    private readonly ClusterSubjects _subjects;
    private readonly byte[] _nodeBytes;
    private readonly KeyValuePair<string, object?> _tag;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(OutgoingCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Channel<Command> _commands = Channel.CreateBounded<Command>(new BoundedChannelOptions(CommandCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly TaskCompletionSource _consuming = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _loops = [];
    private INatsKVStore? _store;
    private volatile string[] _nodes;

    public NatsGroupLink(NatsCluster cluster, IClusterGroup group, GroupOptions options, ILogger logger)
    {
        _cluster = cluster;
        _group = group;
        _options = options;
        _logger = logger;
        _subjects = new ClusterSubjects(group.Name);
        _nodeBytes = Encoding.UTF8.GetBytes(cluster.Node);
        _tag = new KeyValuePair<string, object?>("group", group.Name);
        _nodes = [cluster.Node];
    }

    public override string Node => _cluster.Node;

    public override IReadOnlyList<string> Nodes => _nodes;

    /// <summary>How many messages wait to be published.</summary>
    public int Backlog => _outgoing.Reader.Count;

    private INatsKVStore Store => _store ?? throw new InvalidOperationException("The group's link is not started.");

    /// <summary>Sets up the group's stream and bucket and starts the tasks; ends once this node reads the stream.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var js = _cluster.JetStream;
        try
        {
            await js.CreateOrUpdateStreamAsync(
                new StreamConfig(_subjects.Stream, [_subjects.Messages])
                {
                    Storage = StreamConfigStorage.File,

                    // A replay window for a node that lost its connection, not an archive: bounded in age and size.
                    MaxAge = TimeSpan.FromMinutes(10),
                    MaxBytes = 256L * 1024 * 1024,
                    Discard = StreamConfigDiscard.Old,
                    DuplicateWindow = TimeSpan.FromMinutes(2),
                },
                cancellationToken).ConfigureAwait(false);
            _store = await _cluster.KeyValue.CreateOrUpdateStoreAsync(new NatsKVConfig(_subjects.Bucket) { History = 1, Storage = NatsKVStorageType.File }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new VcspClusterException($"Group {_group.Name}: its stream or bucket cannot be set up on {_cluster.Url}: {e.Message}", e);
        }

        var stop = _cluster.Stopping;
        _loops.Add(Task.Run(() => ConsumeAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => PublishAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => RunCommandsAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => WatchAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => HeartbeatAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => ReceiveKicksAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => ReceiveBeatsAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => ReceiveUndeliveredAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => SendMediaAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => ReceiveMediaAsync(stop), CancellationToken.None));
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(TimeSpan.FromSeconds(10));
        await _consuming.Task.WaitAsync(patience.Token).ConfigureAwait(false);
        LogGroupStarted(_logger, _group.Name, Node, _subjects.Stream);
    }

    /// <summary>No more is queued; what is queued goes out within a short while, and the other nodes are told it leaves.</summary>
    public async Task StopAsync()
    {
        _outgoing.Writer.TryComplete();
        _commands.Writer.TryComplete();
        if (_store is null)
        {
            return;
        }

        var drained = Task.WhenAll(_loops.Count >= 3 ? [_loops[1], _loops[2]] : _loops);
        await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        await BeatAsync(Node + "\nbye", CancellationToken.None).ConfigureAwait(false); // the others count it down at once
    }

    public override void Claim(string name, long id)
    {
        if (!_commands.Writer.TryWrite(new Command(CommandKind.Claim) { Name = name, Id = id }))
        {
            // Too many joins at once for the cluster to decide: this one is refused (off the group's lock).
            _ = Task.Run(() => _group.OnClaimResult(name, id, won: false));
        }
    }

    public override void Release(string name) => Queue(new Command(CommandKind.Release) { Name = name });

    public override void Announce(Member member) => Queue(new Command(CommandKind.Announce)
    {
        Session = member.Session,
        Record = new MemberRecord
        {
            Name = Encoding.UTF8.GetString(member.Name),
            Node = Node,
            Address = member.Address.ToString(),
            IsAdministrator = member.IsAdministrator,
            JoinedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        },
    });

    public override void Retract(Member member) => Queue(new Command(CommandKind.Retract) { Session = member.Session });

    public override void ReportUndelivered(string node, ulong session, uint firstSequence, uint endSequence, byte[] member)
    {
        var payload = new byte[8 + 4 + 4 + member.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(payload, session);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(8), firstSequence);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(12), endSequence);
        member.CopyTo(payload, 16);
        Queue(new Command(CommandKind.Undelivered) { Node = node, Payload = payload });
    }

    public override void Kick(RemoteMember member, string by) => Queue(new Command(CommandKind.Kick) { Session = member.Session, Name = by, Node = member.Node });

    public override bool TryPublish(Member from, uint firstSequence, int fragments, ReadOnlySpan<byte> framed)
    {
        var copy = ArrayPool<byte>.Shared.Rent(Math.Max(1, framed.Length));
        framed.CopyTo(copy);
        if (_outgoing.Writer.TryWrite(new Outgoing(from.Session, from.Name, firstSequence, fragments, copy, framed.Length)))
        {
            return true;
        }

        ArrayPool<byte>.Shared.Return(copy);
        LogNotCarried(_logger, _group.Name, Encoding.UTF8.GetString(from.Name), OutgoingCapacity);
        return false;
    }

    private void Queue(Command command)
    {
        if (!_commands.Writer.TryWrite(command))
        {
            LogCommandDropped(_logger, _group.Name, command.Kind.ToString(), CommandCapacity);
        }
    }

    private static long Now => Stopwatch.GetTimestamp();

    private void SetNodes(IEnumerable<string> others) => _nodes = [.. others.Append(Node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "Group {Group} is a node ({Node}) of the cluster: stream {Stream}")]
    private static partial void LogGroupStarted(ILogger logger, string group, string node, string stream);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "Group {Group}: a message of {Member} is not carried to the other nodes ({Capacity} wait already: the cluster is unreachable); its sender is told")]
    private static partial void LogNotCarried(ILogger logger, string group, string member, int capacity);

    [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "Group {Group}: a {Kind} for the cluster is dropped ({Capacity} wait already)")]
    private static partial void LogCommandDropped(ILogger logger, string group, string kind, int capacity);

    private enum CommandKind
    {
        Claim,
        Release,
        Announce,
        Retract,
        Kick,
        Reclaim,
        Undelivered,
    }

    /// <summary>One thing the group told the cluster, carried out in order.</summary>
    private sealed record Command(CommandKind Kind)
    {
        public string Name { get; init; } = string.Empty;

        public long Id { get; init; }

        public ulong Session { get; init; }

        public string Node { get; init; } = string.Empty;

        public MemberRecord? Record { get; init; }

        public byte[] Payload { get; init; } = [];
    }
}
