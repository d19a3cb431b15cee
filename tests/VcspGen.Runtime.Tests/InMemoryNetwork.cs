using System;
using System.Collections.Generic;
using VcspGen.Spec;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Connects state machines in memory: every send is queued, and <see cref="Pump"/> delivers the queue until it is
/// empty (so no state machine is re-entered from inside its own call). A filter may drop datagrams.
/// </summary>
internal sealed class InMemoryNetwork
{
    private readonly Dictionary<VcspAddress, Action<byte[], VcspAddress>> _endpoints = [];
    private readonly Queue<(byte[] Datagram, VcspAddress From, VcspAddress To)> _queue = new();

    /// <summary>Returns true to drop a datagram.</summary>
    public Func<byte[], VcspAddress, VcspAddress, bool> Drop { get; set; } = (_, _, _) => false;

    public int Delivered { get; private set; }

    public IDatagramSink Attach(VcspAddress address, Action<byte[], VcspAddress> receive)
    {
        _endpoints[address] = receive;
        return new Sink(this, address);
    }

    public void Pump()
    {
        while (_queue.TryDequeue(out var item))
        {
            if (!Drop(item.Datagram, item.From, item.To) && _endpoints.TryGetValue(item.To, out var receive))
            {
                Delivered++;
                receive(item.Datagram, item.From);
            }
        }
    }

    private sealed class Sink(InMemoryNetwork network, VcspAddress from) : IDatagramSink
    {
        public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination) => network._queue.Enqueue((datagram.ToArray(), from, destination));
    }
}

/// <summary>Records what a client session reports.</summary>
internal sealed class RecordingEvents : IClientEvents
{
    public List<string> Log { get; } = [];

    public List<(string Sender, string Message)> Messages { get; } = [];

    public void OnJoined(ReadOnlySpan<byte> groupName) => Log.Add("joined " + System.Text.Encoding.UTF8.GetString(groupName));

    public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) =>
        Messages.Add((System.Text.Encoding.UTF8.GetString(sender), System.Text.Encoding.UTF8.GetString(message)));

    public List<SessionEnd> Ends { get; } = [];

    public void OnClosed(SessionEnd end)
    {
        Ends.Add(end);
        Log.Add("closed: " + end);
    }

    public void OnPong(TimeSpan roundTrip) => Log.Add("pong " + roundTrip.TotalMilliseconds + " ms");

    public List<(CommandCode Command, CommandStatus Status, string Data)> Replies { get; } = [];

    public void OnRejoining(int attempt, TimeSpan delay) => Log.Add($"rejoining {attempt} in {delay.TotalSeconds} s");

    public void OnRelayLost(long datagrams) => Log.Add($"lost {datagrams}");

    public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) =>
        Log.Add($"undelivered to {System.Text.Encoding.UTF8.GetString(member)}: {firstSequence}..{endSequence}");

    public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data) =>
        Replies.Add((command, status, System.Text.Encoding.UTF8.GetString(data)));
}
