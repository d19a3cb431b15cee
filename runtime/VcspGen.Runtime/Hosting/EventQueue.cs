using System;
using System.Buffers;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// Takes a client's events off its host's lock (issue 11: user code never runs under the lock). The state machine
/// reports to this queue on the event loop thread, under the lock; each event's spans are copied into pooled buffers
/// and queued (nothing is allocated per event once warm); a dispatcher task hands them to the application's handlers,
/// in order, on the thread pool, where console and file I/O are fine and where the handlers may call
/// <see cref="VcspClientHost.Invoke"/>. The queue is bounded: events that find it full (a handler that stopped keeping
/// up) are counted in <see cref="Dropped"/>, and the next event delivered is preceded by
/// <see cref="IClientEventsLag.OnEventsDropped"/> when the application implements it.
/// </summary>
internal sealed class EventQueue : IClientEvents, IDirectMessageEvents, ICallEvents
{
    private readonly Channel<Item> _items;
    private readonly IClientEvents _group;
    private readonly IDirectMessageEvents _direct;
    private readonly ICallEvents? _call;
    private long _dropped;
    private long _reported;
    private long _handlerFailures;
    private readonly VcspMetrics? _metrics;
    private readonly KeyValuePair<string, object?> _tag;

    public EventQueue(int capacity, IClientEvents group, IDirectMessageEvents direct, ICallEvents? call, VcspMetrics? metrics = null, KeyValuePair<string, object?> metricTag = default)
    {
        _metrics = metrics;
        _tag = metricTag;
        _items = Channel.CreateBounded<Item>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _group = group;
        _direct = direct;
        _call = call;
    }

    /// <summary>Events that found the queue full and were not delivered.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events whose handler threw (the dispatcher went on with the next).</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    /// <summary>Delivers queued events until <see cref="Complete"/> and the queue is empty.</summary>
    public async Task DispatchAsync()
    {
        var reader = _items.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Drained after completion too, so a barrier never waits forever.
            while (reader.TryRead(out var item))
            {
                try
                {
                    ReportDrops();
                    Deliver(item);
                }
                catch (Exception)
                {
                    // The application's handler threw: counted, and the next event is delivered all the same.
                    Interlocked.Increment(ref _handlerFailures);
                }
                finally
                {
                    item.Return();
                }
            }
        }
    }

    /// <summary>A task that completes once every event queued before it has been handled (at once when nothing can be queued).</summary>
    /// <returns>The task.</returns>
    public Task WhenDeliveredAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_items.Writer.TryWrite(new Item(Kind.Barrier) { Barrier = done }))
        {
            done.TrySetResult(); // full or completed: the caller must not wait on it
        }

        return done.Task;
    }

    /// <summary>No more events: the dispatcher ends once it has delivered what waits.</summary>
    public void Complete() => _items.Writer.TryComplete();

    public void OnJoined(ReadOnlySpan<byte> groupName) => Post(new Item(Kind.Joined) { A = Copy(groupName) });

    public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) => Post(new Item(Kind.Message) { A = Copy(sender), B = Copy(message) });

    public void OnClosed(SessionEnd end) => Post(new Item(Kind.Closed) { End = end });

    public void OnPong(TimeSpan roundTrip)
    {
        _metrics?.ClientRoundTrip.Record(roundTrip.TotalMilliseconds, _tag);
        Post(new Item(Kind.Pong) { Span = roundTrip });
    }

    public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data) =>
        Post(new Item(Kind.CommandReply) { Command = command, Status = status, A = Copy(data) });

    public void OnRejoining(int attempt, TimeSpan delay)
    {
        _metrics?.ClientRejoins.Add(1, _tag);
        Post(new Item(Kind.Rejoining) { Number = attempt, Span = delay });
    }

    public void OnRelayLost(long datagrams)
    {
        _metrics?.ClientRelayLost.Add(datagrams, _tag);
        Post(new Item(Kind.RelayLost) { Count = datagrams });
    }

    public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence)
    {
        _metrics?.ClientUndelivered.Add(1, _tag);
        Post(new Item(Kind.Undelivered) { A = Copy(member), Timestamp = firstSequence, EndSequence = endSequence });
    }

    public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact) =>
        Post(new Item(Kind.DirectMessage) { Peer = peer, A = Copy(sender), B = Copy(message), Flag = firstContact });

    public void OnCallStarted(byte codec, ushort? callChallenge) => Post(new Item(Kind.CallStarted) { Codec = codec, Number = callChallenge ?? 0, Flag = callChallenge.HasValue });

    public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs) =>
        Post(new Item(Kind.CallRejected) { CodecReject = reason, A = Copy(serverCodecs) });

    public void OnCallEnded(CallEnd end) => Post(new Item(Kind.CallEnded) { CallEnd = end });

    public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data) =>
        Post(new Item(Kind.Media) { Number = source, Timestamp = timestamp, Codec = codec, A = Copy(data) });

    private static Buffer Copy(ReadOnlySpan<byte> bytes)
    {
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(1, bytes.Length));
        bytes.CopyTo(array);
        return new Buffer(array, bytes.Length);
    }

    private void Post(Item item)
    {
        if (!_items.Writer.TryWrite(item))
        {
            item.Return();
            Interlocked.Increment(ref _dropped);
        }
    }

    private void ReportDrops()
    {
        var dropped = Dropped;
        if (dropped != _reported && _group is IClientEventsLag lag)
        {
            lag.OnEventsDropped(dropped - _reported);
        }

        _reported = dropped;
    }

    private void Deliver(in Item item)
    {
        switch (item.Kind)
        {
            case Kind.Joined:
                _group.OnJoined(item.A.Span);
                break;
            case Kind.Message:
                _group.OnMessage(item.A.Span, item.B.Span);
                break;
            case Kind.Closed:
                _group.OnClosed(item.End);
                break;
            case Kind.Pong:
                _group.OnPong(item.Span);
                break;
            case Kind.CommandReply:
                _group.OnCommandReply(item.Command, item.Status, item.A.Span);
                break;
            case Kind.Rejoining:
                _group.OnRejoining(item.Number, item.Span);
                break;
            case Kind.RelayLost:
                _group.OnRelayLost(item.Count);
                break;
            case Kind.Undelivered:
                _group.OnUndelivered(item.A.Span, item.Timestamp, item.EndSequence);
                break;
            case Kind.DirectMessage:
                _direct.OnDirectMessage(item.Peer, item.A.Span, item.B.Span, item.Flag);
                break;
            case Kind.CallStarted:
                _call?.OnCallStarted(item.Codec, item.Flag ? (ushort)item.Number : null);
                break;
            case Kind.CallRejected:
                _call?.OnCallRejected(item.CodecReject, item.A.Span);
                break;
            case Kind.CallEnded:
                _call?.OnCallEnded(item.CallEnd);
                break;
            case Kind.Media:
                _call?.OnMedia((ushort)item.Number, item.Timestamp, item.Codec, item.A.Span);
                break;
            case Kind.Barrier:
                item.Barrier!.TrySetResult();
                break;
        }
    }

    private enum Kind
    {
        Joined,
        Message,
        Closed,
        Pong,
        CommandReply,
        RelayLost,
        Rejoining,
        Undelivered,
        DirectMessage,
        CallStarted,
        CallRejected,
        CallEnded,
        Media,
        Barrier,
    }

    /// <summary>A pooled copy of an event's bytes.</summary>
    private readonly record struct Buffer(byte[]? Array, int Length)
    {
        public ReadOnlySpan<byte> Span => Array is null ? default : Array.AsSpan(0, Length);

        public void Return()
        {
            if (Array is not null)
            {
                ArrayPool<byte>.Shared.Return(Array);
            }
        }
    }

    /// <summary>One event, its fields copied.</summary>
    private readonly record struct Item(Kind Kind)
    {
        public Buffer A { get; init; }

        public Buffer B { get; init; }

        public SessionEnd End { get; init; }

        public TimeSpan Span { get; init; }

        public CommandCode Command { get; init; }

        public CommandStatus Status { get; init; }

        public VcspAddress Peer { get; init; }

        public bool Flag { get; init; }

        public byte Codec { get; init; }

        public int Number { get; init; }

        public uint Timestamp { get; init; }

        public uint EndSequence { get; init; }

        public long Count { get; init; }

        public CodecRejectReason CodecReject { get; init; }

        public CallEnd CallEnd { get; init; }

        public TaskCompletionSource? Barrier { get; init; }

        public void Return()
        {
            A.Return();
            B.Return();
        }
    }
}
