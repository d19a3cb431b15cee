using System;
using System.Collections.Generic;
using System.Text;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// Direct messages between peers, with no server (memo §6; PROTOCOL.md §8.9, §8.10, §10.5): a first message
/// carries challenge 0xFFFF, the receiver answers with a Silent that carries the conversation's new challenge, and
/// from then on both use that challenge and one shared sequence counter. Anything that does not fit a conversation
/// is dropped without reply. Conversations are bounded (the least recently used is forgotten). Not thread-safe.
/// </summary>
public sealed class DirectMessenger : IVcspStateMachine
{
    private readonly PacketSender _sender;
    private readonly TimeProvider _time;
    private readonly IDirectMessageEvents _events;
    private readonly byte[] _name;
    private readonly int _chunk;
    private readonly int _maxConversations;
    private readonly Dictionary<VcspAddress, DirectConversation> _conversations = [];
    private readonly byte[] _messageBuffer;

    /// <summary>Creates a messenger that signs its messages with <paramref name="name"/>.</summary>
    /// <param name="name">This side's name: UTF-8, 1 to 32 bytes.</param>
    /// <param name="sink">Where datagrams go.</param>
    /// <param name="time">The clock.</param>
    /// <param name="events">Where messages are delivered.</param>
    /// <param name="maxConversations">How many conversations to remember.</param>
    public DirectMessenger(string name, IDatagramSink sink, TimeProvider time, IDirectMessageEvents events, int maxConversations = 64)
    {
        _name = Encoding.UTF8.GetBytes(name ?? throw new ArgumentNullException(nameof(name)));
        _chunk = Fragmentation.ChunkSize(_name.Length);
        _sender = new PacketSender(sink ?? throw new ArgumentNullException(nameof(sink)));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConversations, 1);
        _maxConversations = maxConversations;
        _messageBuffer = new byte[Fragmentation.MaxMessageLength(VcspWire.TextPayloadLimit)];
    }

    /// <summary>The longest message <see cref="TrySend"/> accepts: 255 fragments of 117 - N bytes.</summary>
    public int MaxMessageLength => Fragmentation.MaxMessageLength(_chunk);

    /// <summary>How many datagrams were dropped (wrong challenge, unknown peer, malformed, duplicate).</summary>
    public long Dropped { get; private set; }

    /// <summary>The conversation's challenge with <paramref name="peer"/>, once known.</summary>
    /// <param name="peer">A peer.</param>
    /// <returns>The challenge, or null before the Silent handshake.</returns>
    public ushort? ChallengeWith(in VcspAddress peer) =>
        _conversations.TryGetValue(peer, out var c) && c.Challenge != VcspChallenge.None ? c.Challenge : null;

    /// <summary>Sends a direct message to <paramref name="peer"/>, in fragments when it is long.</summary>
    /// <param name="peer">The peer's address and port.</param>
    /// <param name="message">The message: 1 to 255 x (117 - N) bytes.</param>
    /// <returns><see langword="false"/> when the message is empty or too long.</returns>
    public bool TrySend(in VcspAddress peer, ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty || message.Length > MaxMessageLength)
        {
            return false;
        }

        var conversation = GetOrStart(peer);
        foreach (var fragment in Fragmentation.Split(message, _chunk))
        {
            var sequence = conversation.NextSequence();
            if (conversation.Challenge == VcspChallenge.None)
            {
                conversation.FirstContactSequences.Add(sequence);
            }

            var dm = new DirectMessage
            {
                Challenge = conversation.Challenge,
                Sequence = sequence,
                FragmentOffset = fragment.Offset,
                Sender = _name,
                Data = fragment.Data,
            };
            if (!_sender.Send(dm, peer))
            {
                return false; // cannot happen: the name and the length were checked
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public void Receive(ReadOnlySpan<byte> datagram, in VcspAddress source)
    {
        if (datagram.Length >= 2 && datagram[1] == DirectMessage.Flag && DirectMessage.TryDecode(datagram, out var dm) == VcspDecodeStatus.Ok)
        {
            OnDirectMessage(dm, source);
        }
        else if (datagram.Length >= 2 && datagram[1] == Silent.Flag && Silent.TryDecode(datagram, out var silent) == VcspDecodeStatus.Ok)
        {
            OnSilent(silent, source);
        }
        else
        {
            Dropped++; // a FIN between peers means nothing (memo §7.2), and nothing else belongs here either
        }
    }

    /// <inheritdoc/>
    public void Poll()
    {
    }

    /// <inheritdoc/>
    public TimeSpan? NextPollDelay() => null;

    private void OnDirectMessage(in DirectMessage dm, in VcspAddress source)
    {
        var firstContact = false;
        if (!_conversations.TryGetValue(source, out var conversation))
        {
            if (dm.Challenge != VcspChallenge.None)
            {
                Dropped++;
                return;
            }

            conversation = Start(source);
        }

        if (dm.Challenge == VcspChallenge.None)
        {
            if (conversation.Challenge == VcspChallenge.None)
            {
                // First contact (or both sides' first contact at once): draw the conversation's challenge.
                conversation.Challenge = SecureRandom.Challenge();
                conversation.HalfOpen = true;
                firstContact = true;
            }
            else if (!conversation.HalfOpen)
            {
                Dropped++; // an open conversation's datagrams carry its challenge
                return;
            }

            // The peer has not had the Silent yet: send it (again, at most once a second) and accept the data.
            var now = _time.GetTimestamp();
            if (conversation.LastSilent is not { } last || _time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(1))
            {
                conversation.LastSilent = now;
                _sender.Send(new Silent { Challenge = conversation.Challenge, Sequence = dm.Sequence, Peer = source }, source);
            }
        }
        else if (dm.Challenge == conversation.Challenge)
        {
            conversation.HalfOpen = false;
        }
        else
        {
            Dropped++;
            return;
        }

        conversation.Touch(_time.GetTimestamp());
        conversation.SawSequence(dm.Sequence);
        Deliver(conversation, dm, source, firstContact);
    }

    private void Deliver(DirectConversation conversation, in DirectMessage dm, in VcspAddress source, bool firstContact)
    {
        if (!conversation.MarkReceived(dm.Sequence))
        {
            Dropped++; // a duplicate: never delivered twice
            return;
        }

        if (dm.FragmentOffset == VcspWire.WholeMessage)
        {
            _events.OnDirectMessage(source, dm.Sender, dm.Data, firstContact);
            return;
        }

        var reassembly = conversation.Reassembly;
        if (!reassembly.IsOpen)
        {
            if (dm.FragmentOffset == VcspWire.FinalFragment)
            {
                Dropped++;
                return;
            }

            reassembly.Open(unchecked(dm.Sequence - dm.FragmentOffset + 1u));
        }

        if (reassembly.Add(dm.Sequence, dm.FragmentOffset, dm.Data) == ReassemblyResult.Complete)
        {
            var length = reassembly.CopyTo(_messageBuffer);
            reassembly.Reset();
            _events.OnDirectMessage(source, dm.Sender, _messageBuffer.AsSpan(0, length), firstContact || conversation.FirstContactPending);
            conversation.FirstContactPending = false;
        }
        else if (firstContact)
        {
            conversation.FirstContactPending = true;
        }
    }

    private void OnSilent(in Silent silent, in VcspAddress source)
    {
        // Only an answer to one of our own first-contact datagrams to this very address is accepted.
        if (!_conversations.TryGetValue(source, out var conversation) || !conversation.FirstContactSequences.Contains(silent.Sequence))
        {
            Dropped++;
            return;
        }

        // Both sides may have drawn a challenge (simultaneous first contact): both keep the smaller.
        conversation.Challenge = conversation.HalfOpen && conversation.Challenge < silent.Challenge ? conversation.Challenge : silent.Challenge;
        conversation.HalfOpen = false;
        conversation.FirstContactSequences.Clear();
        conversation.Touch(_time.GetTimestamp());
    }

    private DirectConversation GetOrStart(in VcspAddress peer) =>
        _conversations.TryGetValue(peer, out var conversation) ? conversation : Start(peer);

    private DirectConversation Start(in VcspAddress peer)
    {
        if (_conversations.Count >= _maxConversations)
        {
            var oldest = default(VcspAddress);
            var oldestTime = long.MaxValue;
            foreach (var (address, c) in _conversations)
            {
                if (c.LastUsed < oldestTime)
                {
                    (oldest, oldestTime) = (address, c.LastUsed);
                }
            }

            _conversations[oldest].Reassembly.Reset();
            _conversations.Remove(oldest);
        }

        var conversation = new DirectConversation(SecureRandom.Sequence(), _time.GetTimestamp());
        _conversations[peer] = conversation;
        return conversation;
    }
}
