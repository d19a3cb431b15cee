using System;
using System.Collections.Generic;
using System.Text;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's side for its host: events of members joining, leaving and being kicked and of messages relayed, the
/// admin API (list the members, kick one), and the shutdown. Like every other member of the class, these are called
/// on the group's loop thread or under its lock (<see cref="HostedGroup.Invoke"/>); the events are raised there too.
/// </summary>
public sealed partial class GroupServer
{
    /// <summary>The reason a kicked member is told when none is given: the owner's KICK's.</summary>
    public const string DefaultKickReason = "kicked by the administrator";

    private bool _closed;

    /// <summary>
    /// A member's join was confirmed (PROTOCOL.md §8.1 step 6). Raised on the group's loop thread under its lock:
    /// handlers must be quick and must not block (hand the work to another thread).
    /// </summary>
    public event Action<MemberInfo>? MemberJoined
    {
        add => _activity.Joined += value;
        remove => _activity.Joined -= value;
    }

    /// <summary>A member left, with why (raised as it leaves; on the loop thread, under the lock: be quick).</summary>
    public event Action<MemberInfo, MemberLeaveReason>? MemberLeft
    {
        add => _activity.Left += value;
        remove => _activity.Left -= value;
    }

    /// <summary>
    /// A member is kicked, with who kicked it: the administrator's name (KICK), or null for the host
    /// (<see cref="Kick"/>). <see cref="MemberLeft"/> follows with <see cref="MemberLeaveReason.Kicked"/>. On the loop
    /// thread, under the lock: be quick.
    /// </summary>
    public event Action<MemberInfo, string?>? MemberKicked
    {
        add => _activity.Kicked += value;
        remove => _activity.Kicked -= value;
    }

    /// <summary>
    /// A member's group message was accepted for relay (every fragment in; it is relayed to every other member). Raised
    /// for every message on the loop thread under the lock, with the message by reference: it allocates nothing, and
    /// handlers must be quick (count, sample, enqueue), or the group waits.
    /// </summary>
    public event RelayedMessageHandler? MessageRelayed
    {
        add => _activity.Relayed += value;
        remove => _activity.Relayed -= value;
    }

    /// <summary>Whether <see cref="Shutdown"/> was called: the group admits no one any more.</summary>
    public bool IsShutDown => _closed;

    internal KeyValuePair<string, object?> MetricTag => _groupTag;

    internal int PendingReassemblies => _receiver.PendingReassemblies;

    /// <summary>The members, in join order (joins not yet confirmed are not members).</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<MemberInfo> ListMembers()
    {
        var members = new MemberInfo[_roster.Count];
        var (now, at) = (_time.GetUtcNow(), _time.GetTimestamp());
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = _activity.Snapshot(_roster.InOrder[i], now, at);
        }

        return members;
    }

    /// <summary>
    /// Kicks the member called <paramref name="name"/>, as the owner's KICK does (PROTOCOL.md §8.11, §11.6): it is sent a
    /// Kick with <paramref name="reason"/>, its call leg is ended with a BYE, what it sent is relayed, and it is removed.
    /// </summary>
    /// <param name="name">The member's name.</param>
    /// <param name="reason">What it is told (cut to what a Kick carries: 98 bytes of UTF-8); null for <see cref="DefaultKickReason"/>.</param>
    /// <returns>Whether there was such a member.</returns>
    public bool Kick(string name, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_roster.Find(Encoding.UTF8.GetBytes(name)) is not { } target)
        {
            return false;
        }

        KickMember(target, null, reason ?? DefaultKickReason);
        return true;
    }

    /// <summary>
    /// Shuts the group down (PROTOCOL.md §12.5; a server sends no Fin, §8.8): every member's waiting messages are
    /// relayed, every call member is sent a BYE (a set-up in progress is abandoned), every member is removed (<see cref="MemberLeft"/> with
    /// <see cref="MemberLeaveReason.ServerShutdown"/>), and from then on joins are dropped and unknown senders are not
    /// told NotMember. Keep the group running a moment after (its host does) so the BYEs are answered and retransmitted.
    /// </summary>
    public void Shutdown()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _activity.OnShuttingDown(_roster.Count, CallMemberCount);

        // Everything accepted reaches every member before anyone is removed (accepted messages are never lost).
        foreach (var member in _roster.InOrder)
        {
            _relay.RelayPending(member, force: true);
        }

        for (var i = _roster.InOrder.Count - 1; i >= 0; i--)
        {
            Remove(_roster.InOrder[i], MemberLeaveReason.ServerShutdown);
        }

        while (_roster.Unconfirmed.Count > 0)
        {
            _roster.Remove(_roster.Unconfirmed[0]);
        }

        foreach (var rejoin in new List<Member>(_roster.Rejoins.Values))
        {
            _roster.RemoveRejoin(rejoin);
        }
    }

    /// <summary>Kicks a member (PROTOCOL.md §11.6): the Kick, then its removal.</summary>
    /// <param name="target">The member.</param>
    /// <param name="by">The administrator's name, or null for the host.</param>
    /// <param name="reason">The reason it is told.</param>
    internal void KickMember(Member target, string? by, string reason)
    {
        _activity.OnKicked(target, by, reason);
        Span<byte> text = stackalloc byte[98];
        var length = Utf8Prefix(reason, text);

        // Sequence: the next group sequence expected from the member (PROTOCOL.md §8.11; informational).
        _sender.Send(new Kick { Challenge = target.Challenge, Sequence = target.Inbound.Expected, Member = target.Address, Reason = text[..length] }, target.Address);
        Remove(target, MemberLeaveReason.Kicked);
    }

    /// <summary>Writes as much of <paramref name="text"/> as fits in <paramref name="into"/>, whole characters only.</summary>
    private static int Utf8Prefix(string text, Span<byte> into)
    {
        var written = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (written + rune.Utf8SequenceLength > into.Length)
            {
                break;
            }

            written += rune.EncodeToUtf8(into[written..]);
        }

        return written;
    }
}
