using System.Collections.Generic;

namespace VcspGen.Runtime;

/// <summary>One peer: its challenge (0xFFFF until known), the shared counter, and what was received.</summary>
internal sealed class DirectConversation(uint firstSequence, long now)
{
    private const int Window = 1024;
    private readonly HashSet<uint> _received = [];
    private readonly Queue<uint> _receivedOrder = new();
    private uint _lastSent = unchecked(firstSequence - 1);
    private uint? _lastReceived;

    public ushort Challenge { get; set; } = VcspChallenge.None;

    /// <summary>This side drew the challenge and sent a Silent, and the peer has not used it yet.</summary>
    public bool HalfOpen { get; set; }

    public bool FirstContactPending { get; set; }

    public long? LastSilent { get; set; }

    public long LastUsed { get; private set; } = now;

    public HashSet<uint> FirstContactSequences { get; } = [];

    public MessageReassembly Reassembly { get; } = new(finalMayComeEarly: true); // peers have no resend path yet

    public void Touch(long at) => LastUsed = at;

    /// <summary>One more than the larger of the last sent and the last received (PROTOCOL.md §6.1).</summary>
    public uint NextSequence()
    {
        var basis = _lastReceived is { } received && SerialNumber.IsNewer(received, _lastSent) ? received : _lastSent;
        _lastSent = unchecked(basis + 1);
        return _lastSent;
    }

    public void SawSequence(uint sequence)
    {
        if (_lastReceived is not { } last || SerialNumber.IsNewer(sequence, last))
        {
            _lastReceived = sequence;
        }
    }

    /// <summary>Records a received sequence number; false when it was already received (a bounded window).</summary>
    public bool MarkReceived(uint sequence)
    {
        if (!_received.Add(sequence))
        {
            return false;
        }

        _receivedOrder.Enqueue(sequence);
        if (_receivedOrder.Count > Window)
        {
            _received.Remove(_receivedOrder.Dequeue());
        }

        return true;
    }
}
