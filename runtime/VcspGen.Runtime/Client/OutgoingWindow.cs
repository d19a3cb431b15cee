using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A member's outgoing group stream (PROTOCOL.md §8.4): its sequence counter, and its last 256 Syn datagrams, held
/// so that a ResendRequest (§8.7) or an Error OutOfOrder (§8.6) can be answered by sending them again unchanged.
/// </summary>
internal sealed class OutgoingWindow
{
    private const int HeldSlots = 256;

    // A second OutOfOrder with the same Expected within this time is not answered: the first resend is on its way.
    private static readonly TimeSpan ResendQuiet = TimeSpan.FromMilliseconds(250);

    private readonly ServerLink _link;
    private readonly int _chunk;
    private readonly byte[][] _held = new byte[HeldSlots][];
    private readonly int[] _heldLength = new int[HeldSlots];
    private readonly uint[] _heldSequence = new uint[HeldSlots];
    private uint _lastErrorExpected;
    private long? _lastErrorAt;

    /// <summary>Creates the window.</summary>
    /// <param name="link">The way to the server.</param>
    /// <param name="chunk">Data bytes per Syn (PROTOCOL.md §7.3).</param>
    public OutgoingWindow(ServerLink link, int chunk)
    {
        _link = link;
        _chunk = chunk;
        for (var i = 0; i < HeldSlots; i++)
        {
            _held[i] = new byte[VcspWire.TextDatagramLimit];
        }
    }

    /// <summary>The next group sequence: the one the next Syn takes.</summary>
    public uint Next { get; private set; }

    /// <summary>When the last Syn was sent (a timestamp of the link's clock).</summary>
    public long LastSentAt { get; private set; }

    /// <summary>Starts a new sequence space for a join: <paramref name="first"/> is the join request's s0.</summary>
    /// <param name="first">The join's sequence; the first Syn takes the one after.</param>
    public void Restart(uint first) => Next = unchecked(first + 1);

    /// <summary>Sends a message as Syn datagrams, one per fragment, each held for resending.</summary>
    /// <param name="message">The message, 1 to 255 chunks.</param>
    /// <returns>False when the codec refused a fragment (the caller checked the length, so it does not happen).</returns>
    public bool Send(ReadOnlySpan<byte> message)
    {
        foreach (var fragment in Fragmentation.Split(message, _chunk))
        {
            var syn = new Syn { Challenge = _link.Challenge, Sequence = Next, FragmentOffset = fragment.Offset, Data = fragment.Data };
            var slot = (int)(Next % HeldSlots);
            if (!_link.SendAndKeep(syn, _held[slot], out _heldLength[slot]))
            {
                return false; // nothing of a refusal is sent
            }

            _heldSequence[slot] = Next;
            Next = unchecked(Next + 1);
        }

        LastSentAt = _link.Time.GetTimestamp();
        return true;
    }

    /// <summary>
    /// The server expects <paramref name="expected"/> (Error OutOfOrder): sends again every held datagram from it
    /// (PROTOCOL.md §8.4), but not twice for the same Expected within 250 ms.
    /// </summary>
    /// <param name="expected">The server's Expected.</param>
    /// <param name="now">The current timestamp.</param>
    public void OnOutOfOrder(uint expected, long now)
    {
        if (_lastErrorAt is { } last && expected == _lastErrorExpected && _link.Time.GetElapsedTime(last, now) < ResendQuiet)
        {
            return;
        }

        _lastErrorAt = now;
        _lastErrorExpected = expected;
        Resend(expected, (int)Math.Min(SerialNumber.Distance(expected, Next), HeldSlots));
    }

    /// <summary>Sends again, unchanged, every held datagram in <c>[first, first + count)</c> (a ResendRequest, PROTOCOL.md §8.7).</summary>
    /// <param name="first">The first sequence asked for.</param>
    /// <param name="count">How many.</param>
    public void Resend(uint first, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var sequence = unchecked(first + (uint)i);
            var slot = (int)(sequence % HeldSlots);
            if (_heldSequence[slot] == sequence && _heldLength[slot] > 0 && SerialNumber.IsOlder(sequence, Next))
            {
                _link.Forward(_held[slot].AsSpan(0, _heldLength[slot]));
            }
        }
    }
}
