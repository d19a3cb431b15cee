using System;
using System.Buffers;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace VcspGen.Runtime.Nats;

/// <summary>
/// The group's messages across the nodes (PROTOCOL.md §15.2): this node's go out in batches on the group's stream,
/// each with a message id JetStream de-duplicates a retry by; the other nodes' come in from an ordered consumer, in the
/// stream's order, and wait (in the stream) while the group has no room for them.
/// </summary>
internal sealed partial class NatsGroupLink
{
    /// <summary>The header that names a batch's node (a node skips its own).</summary>
    private const string NodeHeader = "Vcsp-Node";

    private const int BatchBytes = 60_000;
    private const int BatchMessages = 512;

    /// <summary>How long a batch is retried while the NATS server is unreachable before its messages are reported not delivered.</summary>
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    private async Task PublishAsync(CancellationToken stop)
    {
        var reader = _outgoing.Reader;
        var batch = new List<Outgoing>();
        var incarnation = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()));
        long number = 0;
        try
        {
            while (await reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                batch.Clear();
                var size = ClusterBatch.HeaderSize;
                while (size < BatchBytes && batch.Count < BatchMessages && reader.TryRead(out var message))
                {
                    batch.Add(message);
                    size += ClusterBatch.SizeOf(message);
                }

                var payload = ClusterBatch.Write(batch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                foreach (var message in batch)
                {
                    ArrayPool<byte>.Shared.Return(message.Framed);
                }

                if (await TryPublishBatchAsync(payload, $"{Node}.{incarnation}.{++number}", stop).ConfigureAwait(false))
                {
                    _cluster.Metrics.ClusterMessagesOut.Add(batch.Count, _tag);
                    continue;
                }

                foreach (var message in batch)
                {
                    _group.OnNotCarried(message.Session, message.FirstSequence, unchecked(message.FirstSequence + (uint)message.Fragments));
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task<bool> TryPublishBatchAsync(byte[] payload, string id, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + GiveUp;
        var headers = new NatsHeaders { [NodeHeader] = Node };
        var failures = 0;
        while (true)
        {
            try
            {
                var ack = await _cluster.JetStream.PublishAsync(_subjects.Messages, payload, opts: new NatsJSPubOpts { MsgId = id }, headers: headers, cancellationToken: stop).ConfigureAwait(false);
                ack.EnsureSuccess();
                if (failures > 0)
                {
                    LogPublishedAgain(_logger, _group.Name, failures);
                }

                return true;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                // The NATS server is away (restarting): the same batch, with the same id, once it is back.
                if (failures++ == 0)
                {
                    LogPublishFailed(_logger, _group.Name, e.Message);
                }

                if (DateTime.UtcNow >= deadline)
                {
                    LogGaveUp(_logger, _group.Name, GiveUp.TotalSeconds);
                    return false;
                }

                await Task.Delay(200, stop).ConfigureAwait(false);
            }
        }
    }

    private async Task ConsumeAsync(CancellationToken stop)
    {
        ulong last = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // From now on at first (members joined after see what is sent after); after a failure, from where it stopped.
                var options = last == 0
                    ? new NatsJSOrderedConsumerOpts { DeliverPolicy = ConsumerConfigDeliverPolicy.New }
                    : new NatsJSOrderedConsumerOpts { DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence, OptStartSeq = last + 1 };
                var consumer = await _cluster.JetStream.CreateOrderedConsumerAsync(_subjects.Stream, options, stop).ConfigureAwait(false);
                _consuming.TrySetResult();
                await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: stop).ConfigureAwait(false))
                {
                    last = message.Metadata?.Sequence.Stream ?? last;
                    var node = message.Headers?.TryGetValue(NodeHeader, out var value) == true ? value.ToString() : string.Empty;
                    if (node != Node && message.Data is { } data)
                    {
                        await DeliverAsync(node, data, stop).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                LogConsumeFailed(_logger, _group.Name, e.Message);
                await Task.Delay(500, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task DeliverAsync(string node, byte[] batch, CancellationToken stop)
    {
        if (!ClusterBatch.TryReadHeader(batch, out var publishedAt))
        {
            LogMalformed(_logger, _group.Name, node, batch.Length);
            return;
        }

        _cluster.Metrics.ClusterLag.Record(Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - publishedAt), _tag);
        var at = ClusterBatch.HeaderSize;
        while (ClusterBatch.TryRead(batch, ref at, out var message))
        {
            // No room in the group's relay now: the message waits here (and the rest in the stream), in order.
            while (!_group.OnRemoteMessage(node, message.Session, message.Name, message.FirstSequence, message.Fragments, message.Framed))
            {
                await Task.Delay(5, stop).ConfigureAwait(false);
            }
        }

        if (at != batch.Length)
        {
            LogMalformed(_logger, _group.Name, node, batch.Length);
        }
    }

    [LoggerMessage(EventId = 65, Level = LogLevel.Warning, Message = "Group {Group}: publishing to the cluster failed ({Problem}); retrying until the NATS server is back")]
    private static partial void LogPublishFailed(ILogger logger, string group, string problem);

    [LoggerMessage(EventId = 66, Level = LogLevel.Information, Message = "Group {Group}: published to the cluster again after {Failures} failed attempt(s)")]
    private static partial void LogPublishedAgain(ILogger logger, string group, int failures);

    [LoggerMessage(EventId = 67, Level = LogLevel.Error, Message = "Group {Group}: the cluster was unreachable for {Seconds} s; the messages waiting are reported not delivered to their senders")]
    private static partial void LogGaveUp(ILogger logger, string group, double seconds);

    [LoggerMessage(EventId = 68, Level = LogLevel.Warning, Message = "Group {Group}: reading the cluster's stream failed ({Problem}); reading on from where it stopped")]
    private static partial void LogConsumeFailed(ILogger logger, string group, string problem);

    [LoggerMessage(EventId = 69, Level = LogLevel.Warning, Message = "Group {Group}: a malformed batch of {Length} bytes from node {Node} is dropped (whole or in part)")]
    private static partial void LogMalformed(ILogger logger, string group, string node, int length);
}
