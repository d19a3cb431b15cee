using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace VcspGen.Runtime.Nats;

/// <summary>
/// The group's call across the nodes (PROTOCOL.md §15.6): each Media datagram of a call member here goes out at once
/// on core NATS (no stream: a call is relayed at once or not at all, as on one server), and the other nodes' come in
/// from a subscription. The outgoing queue is bounded; what finds it full is dropped and counted, as a congested
/// UDP path would drop it. Each datagram carries its publish time, for the added latency.
/// </summary>
internal sealed partial class NatsGroupLink
{
    private const int MediaCapacity = 1024;

    /// <summary>The node name's length, the node, call-member id, codec, timestamp and publish time (Unix microseconds).</summary>
    private const int MediaHeader = 1 + 2 + 1 + 4 + 8;

    private readonly Channel<(byte[] Bytes, int Length)> _media = Channel.CreateBounded<(byte[] Bytes, int Length)>(new BoundedChannelOptions(MediaCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private long _mediaDropped;

    /// <summary>How many Media datagrams found the outgoing queue full.</summary>
    public long MediaDropped => Interlocked.Read(ref _mediaDropped);

    public override void PublishMedia(ushort memberId, byte codec, uint timestamp, ReadOnlySpan<byte> data)
    {
        var length = MediaHeader + _nodeBytes.Length + data.Length;
        var bytes = ArrayPool<byte>.Shared.Rent(length);
        var span = bytes.AsSpan();
        span[0] = (byte)_nodeBytes.Length;
        _nodeBytes.CopyTo(span[1..]);
        var at = 1 + _nodeBytes.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], memberId);
        span[at + 2] = codec;
        BinaryPrimitives.WriteUInt32BigEndian(span[(at + 3)..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 7)..], UnixMicroseconds());
        data.CopyTo(span[(at + 15)..]);
        if (!_media.Writer.TryWrite((bytes, length)))
        {
            ArrayPool<byte>.Shared.Return(bytes);
            Interlocked.Increment(ref _mediaDropped);
            _cluster.Metrics.ClusterMediaDropped.Add(1, _tag);
        }
    }

    private static long UnixMicroseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private async Task SendMediaAsync(CancellationToken stop)
    {
        try
        {
            while (await _media.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (_media.Reader.TryRead(out var item))
                {
                    try
                    {
                        await _cluster.Connection.PublishAsync(_subjects.Media, new ReadOnlyMemory<byte>(item.Bytes, 0, item.Length), cancellationToken: stop).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref _mediaDropped); // the NATS server is away: media is not kept for later
                        _cluster.Metrics.ClusterMediaDropped.Add(1, _tag);
                        LogMediaFailed(_logger, _group.Name, e.Message);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(item.Bytes);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task ReceiveMediaAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var message in _cluster.Connection.SubscribeAsync<byte[]>(_subjects.Media, cancellationToken: stop).ConfigureAwait(false))
            {
                var bytes = message.Data ?? [];
                if (bytes.Length < MediaHeader || bytes.Length < MediaHeader + bytes[0])
                {
                    continue;
                }

                var node = Encoding.UTF8.GetString(bytes, 1, bytes[0]);
                if (node == Node)
                {
                    continue;
                }

                var at = 1 + bytes[0];
                var memberId = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at));
                var codec = bytes[at + 2];
                var timestamp = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at + 3));
                var sentAt = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(at + 7));
                _cluster.Metrics.ClusterMediaLag.Record(Math.Max(0, UnixMicroseconds() - sentAt) / 1000.0, _tag);
                _group.OnRemoteMedia(node, memberId, codec, timestamp, bytes.AsMemory(at + 15));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    [LoggerMessage(EventId = 75, Level = LogLevel.Debug, Message = "Group {Group}: a Media datagram for the other nodes is dropped: {Problem}")]
    private static partial void LogMediaFailed(ILogger logger, string group, string problem);
}
