using System.Collections.Generic;

namespace VcspGen.Runtime;

/// <summary>One peer: its challenge (0xFFFF until known), the shared counter, and what was received.</summary>
internal sealed class DirectConversation(uint firstSequence, long now)
{
    private const int Window = 1024;
    private readonly HashSet<uint> _received = [];
    private readonly Queue<uint> _receivedOrder = new();
    private uint? _lastSent;
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
        // One more than the larger of the last sent and the last received (PROTOCOL.md §6.1). Before this side has sent
        // anything, only what it received counts: a conversation the peer opened continues the peer's counter, and this
        // side's own random start is used only when it opens the conversation.
        uint next;
        if (_lastSent is not { } sent)
        {
            next = _lastReceived is { } received ? unchecked(received + 1) : firstSequence;
        }
        else
        {
            next = unchecked((_lastReceived is { } received && SerialNumber.IsNewer(received, sent) ? received : sent) + 1);
        }

        _lastSent = next;
        return next;
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
