using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Unicode;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// One group's server state machine (memo §4-§5, §7-§8; PROTOCOL.md §8, §10): it consumes datagrams, emits
/// datagrams through an <see cref="IDatagramSink"/>, and reads time from a <see cref="TimeProvider"/>, so tests
/// drive it exactly. Not thread-safe: the edge calls <see cref="Receive"/> and <see cref="Poll"/> from one loop.
/// Handles join (Request, Response, Reject), group messages (Syn, sequence checks, reassembly, resend requests,
/// the relay as Msg after the sender is quiet), FIN, PING, the commands LIST, INFO, KICK and WHOIS, and the
/// group's call (VoiceJoin, SIP, Media relay, VoiceFin: see <see cref="ReceiveSip"/>).
/// </summary>
public sealed partial class GroupServer : IVcspStateMachine
{
    private readonly GroupOptions _options;
    private readonly IDatagramSink _sink;
    private readonly TimeProvider _time;
    private readonly byte[] _groupName;
    private readonly byte[] _ownerName;
    private readonly ChallengeRegistry _challenges;
    private readonly RelayCache _relayCache;
    private readonly List<Tail> _tails = [];
    private readonly Dictionary<VcspAddress, Member> _members = [];
    private readonly List<Member> _order = [];
    private readonly byte[] _scratch = new byte[VcspWire.TextDatagramLimit];
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _groupTag;
    private readonly System.Net.IPAddress _boundAddress;
    private readonly bool _wildcard;
    private readonly HashSet<System.Net.IPAddress> _hostAddresses;
    private readonly ISipSink? _sip;
    private readonly ChallengeRegistry _callChallenges;

    /// <summary>Creates the group.</summary>
    /// <param name="options">The group's settings.</param>
    /// <param name="sink">Where outgoing datagrams go.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> outside tests.</param>
    /// <param name="logger">Where drops are logged (at Debug, with their reason), or null for none.</param>
    /// <param name="sip">
    /// Where the group's SIP messages go (a <see cref="SipEndpoint"/> on <see cref="GroupOptions.SipPort"/>); null for
    /// a group without a call, which drops VoiceJoin.
    /// </param>
    /// <exception cref="ArgumentException">The group name is not 1 to 32 bytes of UTF-8.</exception>
    public GroupServer(GroupOptions options, IDatagramSink sink, TimeProvider time, ILogger? logger = null, ISipSink? sip = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _sink = sink;
        _time = time;
        _groupName = Encoding.UTF8.GetBytes(options.Name);
        if (_groupName.Length is < 1 or > 32)
        {
            throw new ArgumentException("A group name is 1 to 32 bytes of UTF-8.", nameof(options));
        }

        _challenges = new ChallengeRegistry(Math.Max(1, options.MaxMembers));
        _relayCache = new RelayCache(Math.Max(1, options.RelayCacheSize));
        _ownerName = Encoding.UTF8.GetBytes(options.Owner);
        _logger = logger ?? NullLogger.Instance;
        _groupTag = new KeyValuePair<string, object?>("group", options.Name);
        _boundAddress = options.Address.ToIPEndPoint().Address;
        _wildcard = _boundAddress.Equals(System.Net.IPAddress.Any) || _boundAddress.Equals(System.Net.IPAddress.IPv6Any);
        _hostAddresses = [.. options.HostAddresses];
        _sip = sip;
        _callChallenges = new ChallengeRegistry(Math.Max(1, options.MaxCallMembers));
    }

    /// <summary>How many members the group has.</summary>
    public int MemberCount => _members.Count;

    /// <summary>How many fragmented messages were abandoned unfinished (PROTOCOL.md §7.4).</summary>
    public long AbandonedMessages { get; private set; }

    /// <summary>How many datagrams were dropped for <paramref name="reason"/>.</summary>
    /// <param name="reason">A drop reason.</param>
    /// <returns>The count since the group started.</returns>
    public long Dropped(DropReason reason) => _drops[(int)reason];

    /// <summary>Handles one datagram from <paramref name="source"/>.</summary>
    /// <param name="datagram">The datagram; not kept after the call.</param>
    /// <param name="source">Its source address and port.</param>
    public void Receive(ReadOnlySpan<byte> datagram, in VcspAddress source)
    {
        VcspMetrics.DatagramsIn.Add(1, _groupTag);
        if (source.Port == 0)
        {
            Drop(DropReason.UnreachableSource, source); // no UDP datagram comes from port 0 but a forged one (issue 11)
            return;
        }

        var handler = new Handler(this, source);
        var status = VcspPacketDispatcher.Dispatch(datagram, ref handler);
        if (status == VcspDecodeStatus.Ok)
        {
            return;
        }

        // A join request of another version is refused or dropped by policy (memo §4.3), if its header can be read.
        if (status == VcspDecodeStatus.BadVersion && datagram.Length >= VcspWire.TextHeaderSize && datagram[1] == JoinRequest.Flag)
        {
            RefuseJoin(source, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(4)), RejectReason.VersionMismatch, "version");
            return;
        }

        // A Command whose code this server does not know: answered, if the sender is a member (PROTOCOL.md §8.12);
        // from anyone else it is counted once, as an unknown sender.
        if (status == VcspDecodeStatus.InvalidValue && datagram.Length >= VcspWire.TextHeaderSize && datagram[1] == Command.Flag)
        {
            if (TryGetMember(source, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(datagram.Slice(2)), out var member))
            {
                Drop(DropReason.Malformed, source);
                SendError(member, ErrorCode.UnknownCommand, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(4)));
            }

            return;
        }

        Drop(DropReason.Malformed, source);
    }

    /// <summary>
    /// Does the work that is due: relays the messages of every member that has been quiet for
    /// <see cref="GroupOptions.RelayQuiet"/> (or waited <see cref="GroupOptions.RelayCap"/>), and asks for missing
    /// fragments of messages whose sender has gone quiet.
    /// </summary>
    public void Poll()
    {
        var now = _time.GetTimestamp();
        RepeatTails(now);
        PollCalls(now);
        foreach (var member in _order)
        {
            var quiet = _time.GetElapsedTime(member.LastHeard, now) >= _options.RelayQuiet;
            if (member.PendingCount > 0 && (quiet || _time.GetElapsedTime(member.OldestPending, now) >= _options.RelayCap))
            {
                RelayPending(member);
            }

            if (member.Reassembly.IsOpen && _time.GetElapsedTime(member.ReassemblyProgress, now) >= _options.ReassemblyTimeout)
            {
                Abandon(member);
                continue;
            }

            if (quiet && member.Reassembly.IsOpen && member.Reassembly.TryGetFirstMissing(out var missing, out var count)
                && (member.LastResend is not { } lastResend || _time.GetElapsedTime(lastResend, now) >= _options.RelayQuiet))
            {
                RequestResend(member, missing, count, now);
            }
        }
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is waiting.</summary>
    /// <returns>The delay; zero when work is due now.</returns>
    public TimeSpan? NextPollDelay()
    {
        TimeSpan? next = null;
        var now = _time.GetTimestamp();
        void Consider(TimeSpan due)
        {
            due = due < TimeSpan.Zero ? TimeSpan.Zero : due;
            next = next is null || due < next ? due : next;
        }

        if (NextCallDelay(now) is { } call)
        {
            Consider(call);
        }

        foreach (var tail in _tails)
        {
            Consider(_options.TailRepeats[tail.NextRepeat] - _time.GetElapsedTime(tail.RelayedAt, now));
        }

        foreach (var member in _order)
        {
            var untilQuiet = _options.RelayQuiet - _time.GetElapsedTime(member.LastHeard, now);
            if (member.PendingCount > 0)
            {
                Consider(untilQuiet);
                Consider(_options.RelayCap - _time.GetElapsedTime(member.OldestPending, now));
            }

            if (member.Reassembly.IsOpen)
            {
                Consider(_options.ReassemblyTimeout - _time.GetElapsedTime(member.ReassemblyProgress, now));
                var untilResend = member.LastResend is { } lastResend ? _options.RelayQuiet - _time.GetElapsedTime(lastResend, now) : TimeSpan.Zero;
                Consider(untilResend > untilQuiet ? untilResend : untilQuiet);
            }
        }

        return next;
    }

    private void OnJoinRequest(in JoinRequest request, in VcspAddress source)
    {
        if (!IsThisGroup(request.Server))
        {
            RefuseJoin(source, request.Sequence, RejectReason.AddressMismatch, "address");
            return;
        }

        if (_members.TryGetValue(source, out var existing))
        {
            // A retransmitted request: the same answer again (a duplicate never makes a second member).
            SendJoinResponse(existing, request.Sequence);
            return;
        }

        if (!Utf8.IsValid(request.Name) || HasControlCharacter(request.Name))
        {
            Reject(source, request.Sequence, RejectReason.BadName, "name");
            return;
        }

        // The owner's name is the administrator's, and only a local member may take it (PROTOCOL.md §11.3).
        var isOwnerName = _ownerName.Length > 0 && request.Name.SequenceEqual(_ownerName);
        if (FindMember(request.Name) is not null || (isOwnerName && !IsLocal(source)))
        {
            Reject(source, request.Sequence, RejectReason.NameInUse, "name in use");
            return;
        }

        if (_members.Count >= _options.MaxMembers || !_challenges.TryDraw(out var challenge))
        {
            Reject(source, request.Sequence, RejectReason.GroupFull, "group full");
            return;
        }

        var joined = new Member(source, challenge, request.Name.ToArray(), unchecked(request.Sequence + 1), _options.MaxPendingPerMember)
        {
            LastHeard = _time.GetTimestamp(),
            JoinedAt = _time.GetTimestamp(),
            IsAdministrator = isOwnerName,
            GroupAddress = request.Server,
        };
        _members.Add(source, joined);
        VcspMetrics.Members.Add(1, _groupTag);
        _order.Add(joined);
        SendJoinResponse(joined, request.Sequence);
    }

    private void OnSyn(in Syn syn, in VcspAddress source)
    {
        if (!TryGetMember(source, syn.Challenge, out var member))
        {
            return;
        }

        member.LastHeard = _time.GetTimestamp();
        if (syn.Data.Length > member.ChunkSize)
        {
            CloseReassembly(member);
            SendError(member, ErrorCode.MessageTooLong, syn.Sequence);
            Drop(DropReason.TooLong, source);
            return;
        }

        if (SerialNumber.IsOlder(syn.Sequence, member.Expected))
        {
            Drop(DropReason.Duplicate, source);
            return;
        }

        var reassembly = member.Reassembly;
        if (syn.FragmentOffset == VcspWire.WholeMessage)
        {
            if (reassembly.IsOpen || syn.Sequence != member.Expected)
            {
                OutOfOrder(member, syn.Sequence);
                return;
            }

            if (_options.RelayQuiet <= TimeSpan.Zero && member.PendingCount == 0)
            {
                // No quiet window and nothing waiting: relay straight from the datagram, with no copy in between.
                var now = _time.GetTimestamp();
                RememberTail(member, RelayDatagram(member, syn.Sequence, VcspWire.WholeMessage, syn.Data, now), syn.Sequence, now);
                member.Expected = unchecked(syn.Sequence + 1);
                return;
            }

            Span<byte> framed = stackalloc byte[1 + VcspWire.TextPayloadLimit];
            framed[0] = (byte)syn.Data.Length;
            syn.Data.CopyTo(framed[1..]);
            Enqueue(member, framed[..(1 + syn.Data.Length)], syn.Sequence, fragments: 1);
            member.Expected = unchecked(syn.Sequence + 1);
            return;
        }

        if (!reassembly.IsOpen)
        {
            // A final fragment with no open message cannot be placed: what came before it is missing (PROTOCOL.md §8.4
            // rule 4). Assuming its message starts at E would tie it to the wrong message when a whole one was lost.
            var start = unchecked(syn.Sequence - syn.FragmentOffset + 1u);
            if (syn.FragmentOffset == VcspWire.FinalFragment || start != member.Expected)
            {
                OutOfOrder(member, syn.Sequence);
                return;
            }

            reassembly.Open(start);
            member.ReassemblyProgress = member.LastHeard;
            VcspMetrics.ReassembliesPending.Add(1, _groupTag);
        }
        else if (syn.FragmentOffset != VcspWire.FinalFragment && unchecked(syn.Sequence - syn.FragmentOffset + 1u) != reassembly.FirstSequence)
        {
            OutOfOrder(member, syn.Sequence); // a fragment of another message while this one is open (rule 4)
            return;
        }

        switch (reassembly.Add(syn.Sequence, syn.FragmentOffset, syn.Data))
        {
            case ReassemblyResult.Complete:
                // Kept with its fragment boundaries: the relay sends each Syn's Data as it came (1:1, PROTOCOL.md §7.3).
                var message = ArrayPool<byte>.Shared.Rent(reassembly.Length + reassembly.FragmentCount);
                var length = reassembly.CopyFramedTo(message);
                Enqueue(member, message.AsSpan(0, length), reassembly.FirstSequence, reassembly.FragmentCount);
                ArrayPool<byte>.Shared.Return(message);
                member.Expected = reassembly.EndSequence;
                CloseReassembly(member);
                break;
            case ReassemblyResult.Accepted:
                member.ReassemblyProgress = member.LastHeard;

                // A hole below this fragment: ask for it now rather than waiting for the sender to go quiet.
                if (reassembly.TryGetFirstMissing(out var missing, out var count) && SerialNumber.IsNewer(syn.Sequence, missing))
                {
                    RequestResend(member, missing, count, member.LastHeard);
                }

                break;
            case ReassemblyResult.Duplicate:
                Drop(DropReason.Duplicate, source);
                break;
            case ReassemblyResult.Early:
                // Not placed until the fragments before it are there: ask for them, and for it again.
                Drop(DropReason.OutOfOrder, source);
                if (reassembly.TryGetFirstMissing(out var hole, out _))
                {
                    var upTo = (int)SerialNumber.Distance(hole, syn.Sequence) + 1;
                    if (member.LastResend is not { } sent || _time.GetElapsedTime(sent, member.LastHeard) >= _options.RelayQuiet
                        || hole != member.LastResendAskedFirst || upTo > member.LastResendAskedCount)
                    {
                        RequestResend(member, hole, upTo, member.LastHeard);
                    }
                }

                break;
            default:
                OutOfOrder(member, syn.Sequence, DropReason.Inconsistent);
                break;
        }
    }

    private void OnFin(in Fin fin, in VcspAddress source)
    {
        if (!TryGetMember(source, fin.Challenge, out var member))
        {
            return;
        }

        RelayPending(member);
        Send(new Response { Challenge = member.Challenge, Sequence = fin.Sequence, InReplyTo = ResponseTo.Fin, Server = member.GroupAddress, GroupName = _groupName }, source);
        Remove(member);
    }

    private void OnCommand(in Command command, in VcspAddress source)
    {
        if (!TryGetMember(source, command.Challenge, out var member))
        {
            return;
        }

        // A repeated request id is a retransmission: the cached reply, not a second execution (PROTOCOL.md §11.1).
        if (member.LastCommandId != command.Sequence)
        {
            var (status, data) = Execute(member, command.Code, command.Argument);
            member.LastCommandId = command.Sequence;
            member.LastCommand = command.Code;
            member.LastStatus = status;
            member.LastReply = data;
        }

        SendReply(member, command.Sequence);
    }

    private (CommandStatus Status, byte[] Data) Execute(Member requester, CommandCode code, ReadOnlySpan<byte> argument)
    {
        var text = new StringBuilder();
        switch (code)
        {
            case CommandCode.List when argument.IsEmpty:
                foreach (var member in _order)
                {
                    text.Append(Encoding.UTF8.GetString(member.Name));
                    if (requester.IsAdministrator)
                    {
                        text.Append('\t').Append(member.Address.ToString());
                    }

                    text.Append('\n');
                }

                return (CommandStatus.Ok, Encoding.UTF8.GetBytes(text.ToString()));
            case CommandCode.Info when argument.IsEmpty:
                text.Append("address=").Append(requester.GroupAddress.ToString()).Append('\n')
                    .Append("name=").Append(_options.Name).Append('\n')
                    .Append("owner=").Append(_options.Owner).Append('\n')
                    .Append("members=").Append(_members.Count).Append('\n');
                return (CommandStatus.Ok, Encoding.UTF8.GetBytes(text.ToString()));
            case CommandCode.Whois when !argument.IsEmpty:
                return FindMember(argument) is { } found
                    ? (CommandStatus.Ok, Encoding.UTF8.GetBytes(found.Address.ToString()))
                    : (CommandStatus.NoSuchMember, []);
            case CommandCode.Kick when !argument.IsEmpty:
                if (!requester.IsAdministrator)
                {
                    return (CommandStatus.NotPermitted, []);
                }

                if (FindMember(argument) is not { } target)
                {
                    return (CommandStatus.NoSuchMember, []);
                }

                Send(new Kick { Challenge = target.Challenge, Member = target.Address, Reason = "kicked by the administrator"u8 }, target.Address);
                Remove(target);
                return (CommandStatus.Ok, []);
            default:
                return (CommandStatus.BadArgument, []);
        }
    }

    private void SendReply(Member member, uint requestId)
    {
        const int Chunk = VcspWire.TextPayloadLimit - 2;
        var data = member.LastReply;
        var count = data.Length == 0 ? 1 : Fragmentation.CountFragments(data.Length, Chunk);
        for (var k = 1; k <= count; k++)
        {
            Send(
                new CommandReply
                {
                    Challenge = member.Challenge,
                    Sequence = unchecked(requestId + (uint)(k - 1)),
                    FragmentOffset = Fragmentation.OffsetOf(k, count),
                    Code = member.LastCommand,
                    Status = member.LastStatus,
                    Data = data.Length == 0 ? default : Fragmentation.Chunk(data, k, Chunk),
                },
                member.Address);
        }
    }

    private Member? FindMember(ReadOnlySpan<byte> name)
    {
        foreach (var member in _order)
        {
            if (name.SequenceEqual(member.Name))
            {
                return member;
            }
        }

        return null;
    }

    /// <summary>Whether a join request names this group (memo §4.3): its address and port, or with a wildcard bind, the port and one of the host's addresses.</summary>
    private bool IsThisGroup(in VcspAddress named)
    {
        if (named == _options.Address)
        {
            return true;
        }

        if (named.Port != _options.Address.Port || !_wildcard)
        {
            return false;
        }

        var ip = named.ToIPEndPoint().Address;
        return System.Net.IPAddress.IsLoopback(ip) || _hostAddresses.Contains(ip);
    }

    private bool IsLocal(in VcspAddress address)
    {
        var ip = address.ToIPEndPoint().Address;
        return System.Net.IPAddress.IsLoopback(ip) || ip.Equals(_boundAddress);
    }

    private void Remove(Member member)
    {
        // Leaving the group ends the member's call leg with a BYE (PROTOCOL.md §12.5).
        if (member.Call is not null)
        {
            LeaveCall(member, sendBye: true);
        }

        // Accepted messages are never lost: relay what is waiting before the member goes.
        RelayPending(member);
        CloseReassembly(member);
        _members.Remove(member.Address);
        VcspMetrics.Members.Add(-1, _groupTag);
        _order.Remove(member);
        _challenges.Release(member.Challenge);
    }

    private void Abandon(Member member)
    {
        // Counted, and the sender told; the sequence moves on past everything received (PROTOCOL.md §7.4, §8.4).
        var first = member.Reassembly.FirstSequence;
        member.Expected = member.Reassembly.NewestEnd;
        CloseReassembly(member);
        AbandonedMessages++;
        VcspMetrics.ReassembliesAbandoned.Add(1, _groupTag);
        SendError(member, ErrorCode.ReassemblyTimeout, first);
    }

    private void CloseReassembly(Member member)
    {
        if (member.Reassembly.IsOpen)
        {
            member.Reassembly.Reset();
            VcspMetrics.ReassembliesPending.Add(-1, _groupTag);
        }
    }

    private void OnPing(in Ping ping, in VcspAddress source)
    {
        if (!TryGetMember(source, ping.Challenge, out var member))
        {
            return;
        }

        // A Ping carries the member's next group sequence, so it also asks "do you have everything before this?"
        // (PROTOCOL.md §8.14). Not yet: Error OutOfOrder says where to resend from, and the Pong waits for a later try.
        if (SerialNumber.IsNewer(ping.Sequence, member.Expected))
        {
            SendOutOfOrder(member, ping.Sequence);
            return;
        }

        Send(new Pong { Challenge = member.Challenge, Sequence = ping.Sequence, Timestamp = ping.Timestamp }, source);
    }

    private void OnResendRequest(in ResendRequest request, in VcspAddress source)
    {
        if (!TryGetMember(source, request.Challenge, out var member))
        {
            return;
        }

        // Answer a range at most once per quiet period (PROTOCOL.md §7.5, §13.3), from the Msg datagrams relayed to
        // this member within the cache time.
        var now = _time.GetTimestamp();
        if (member.LastResendAnswer is { } last && _time.GetElapsedTime(last, now) < _options.RelayQuiet
            && member.LastResendFirst == request.Sequence && member.LastResendCount == request.Count)
        {
            return;
        }

        member.LastResendAnswer = now;
        member.LastResendFirst = request.Sequence;
        member.LastResendCount = request.Count;
        var oldest = now - (long)(_options.RelayCacheTime.TotalSeconds * _time.TimestampFrequency);
        var since = Math.Max(member.JoinedAt, oldest);
        _relayCache.ForEachInRange(request.Sequence, request.Count, member, since, (this, member.Address), static (state, datagram) =>
        {
            state.Item1._sink.Send(datagram.Span, state.Item2);
            VcspMetrics.DatagramsOut.Add(1, state.Item1._groupTag);
        });

        // The range ends just before a datagram relayed to this member: say where its sender's stream begins, so a
        // member that first heard that sender there knows what it missed before it (PROTOCOL.md §7.5).
        if (_relayCache.TryFindStreamStart(unchecked(request.Sequence + request.Count), member, since, out var first))
        {
            Send(new Error { Challenge = member.Challenge, Sequence = request.Sequence, Code = ErrorCode.StreamStart, Expected = first }, member.Address);
        }
    }

    private void RepeatTails(long now)
    {
        // The last datagram of each sender's latest burst goes out again, so a receiver that lost it learns that it
        // is missing something (a later datagram would have told it, but there is none yet: PROTOCOL.md §7.6).
        for (var i = _tails.Count - 1; i >= 0; i--)
        {
            var tail = _tails[i];
            if (_time.GetElapsedTime(tail.RelayedAt, now) < _options.TailRepeats[tail.NextRepeat])
            {
                continue;
            }

            if (_relayCache.Holds(tail.Slot, tail.Sequence, tail.Sender))
            {
                foreach (var member in _order)
                {
                    if (!ReferenceEquals(member, tail.Sender) && member.JoinedAt <= tail.RelayedAt)
                    {
                        _sink.Send(_relayCache.Datagram(tail.Slot), member.Address);
                        VcspMetrics.DatagramsOut.Add(1, _groupTag);
                    }
                }
            }

            if (tail.NextRepeat + 1 < _options.TailRepeats.Count && _relayCache.Holds(tail.Slot, tail.Sequence, tail.Sender))
            {
                _tails[i] = tail with { NextRepeat = tail.NextRepeat + 1 };
            }
            else
            {
                _tails.RemoveAt(i);
            }
        }
    }

    private bool TryGetMember(in VcspAddress source, ushort challenge, out Member member)
    {
        // Memo §5.3: a wrong challenge is dropped without a reply, since the sender could not be verified.
        if (_members.TryGetValue(source, out member!) && member.Challenge == challenge)
        {
            return true;
        }

        Drop(DropReason.UnknownSender, source);
        return false;
    }

    private void Enqueue(Member member, ReadOnlySpan<byte> message, uint firstSequence, int fragments)
    {
        // The queue is bounded, and an accepted message is never dropped: a full queue is relayed at once.
        if (member.PendingCount == member.PendingCapacity)
        {
            RelayPending(member);
        }

        member.Enqueue(message, firstSequence, fragments, _time.GetTimestamp());

        // No quiet window configured: nothing to wait for, so relay from the receive path at once.
        if (_options.RelayQuiet <= TimeSpan.Zero)
        {
            RelayPending(member);
        }
    }

    private void RelayPending(Member sender)
    {
        var now = _time.GetTimestamp();
        var lastSlot = -1;
        var lastSequence = 0u;
        while (sender.TryDequeue(out var message))
        {
            var framed = message.Buffer.AsSpan(0, message.Length);
            for (var k = 1; k <= message.Fragments; k++)
            {
                var data = framed.Slice(1, framed[0]);
                framed = framed[(1 + data.Length)..];
                lastSequence = unchecked(message.FirstSequence + (uint)(k - 1));
                lastSlot = RelayDatagram(sender, lastSequence, Fragmentation.OffsetOf(k, message.Fragments), data, now);
            }

            ArrayPool<byte>.Shared.Return(message.Buffer);
        }

        RememberTail(sender, lastSlot, lastSequence, now); // -1: nothing was relayed
    }

    /// <summary>Relays one Syn datagram as one Msg to every other member, and keeps it in the relay cache.</summary>
    private int RelayDatagram(Member sender, uint sequence, byte fragmentOffset, ReadOnlySpan<byte> data, long now)
    {
        var msg = new Msg { Challenge = VcspChallenge.None, Sequence = sequence, FragmentOffset = fragmentOffset, Sender = sender.Name, Data = data };
        if (msg.TryEncode(_scratch, out var written) != VcspEncodeStatus.Ok)
        {
            return -1; // cannot happen: the Syn decoded with the same limits, and the relay is 1:1 (PROTOCOL.md §7.3)
        }

        var slot = _relayCache.Add(_scratch.AsSpan(0, written), sequence, sender, now);
        foreach (var member in _order)
        {
            if (!ReferenceEquals(member, sender))
            {
                _sink.Send(_scratch.AsSpan(0, written), member.Address);
                VcspMetrics.DatagramsOut.Add(1, _groupTag);
            }
        }

        return slot;
    }

    private void RememberTail(Member sender, int slot, uint sequence, long now)
    {
        if (slot < 0 || _options.TailRepeats.Count == 0)
        {
            return;
        }

        for (var i = 0; i < _tails.Count; i++)
        {
            if (ReferenceEquals(_tails[i].Sender, sender))
            {
                _tails[i] = new Tail(sender, slot, sequence, now, 0);
                return;
            }
        }

        _tails.Add(new Tail(sender, slot, sequence, now, 0));
    }

    private void RequestResend(Member member, uint missing, int count, long now)
    {
        member.LastResend = now;
        member.LastResendAskedFirst = missing;
        member.LastResendAskedCount = count;
        Send(new ResendRequest { Challenge = member.Challenge, Sequence = missing, Count = (byte)Math.Min(count, 255) }, member.Address);
    }

    private void OutOfOrder(Member member, uint sequence, DropReason reason = DropReason.OutOfOrder)
    {
        Drop(reason, member.Address);
        SendOutOfOrder(member, sequence);
    }

    private void SendOutOfOrder(Member member, uint sequence)
    {
        // Memo §5.3: the sender learns its message failed; at most one such Error per member per quiet period.
        var now = _time.GetTimestamp();
        if (member.LastError is not { } lastError || _time.GetElapsedTime(lastError, now) >= _options.RelayQuiet)
        {
            member.LastError = now;
            SendError(member, ErrorCode.OutOfOrder, sequence);
        }
    }

    private void SendError(Member member, ErrorCode code, uint sequence) =>
        Send(new Error { Challenge = member.Challenge, Sequence = sequence, Code = code, Expected = member.Expected }, member.Address);

    private void SendJoinResponse(Member member, uint requestSequence) =>
        Send(new Response { Challenge = member.Challenge, Sequence = requestSequence, InReplyTo = ResponseTo.JoinRequest, Server = member.GroupAddress, GroupName = _groupName }, member.Address);

    private void RefuseJoin(in VcspAddress source, uint sequence, RejectReason reason, string text)
    {
        Drop(DropReason.JoinRefused, source);
        if (_options.Policy == JoinPolicy.Reject)
        {
            Reject(source, sequence, reason, text);
        }
    }

    private void Reject(in VcspAddress source, uint sequence, RejectReason reason, string text)
    {
        Span<byte> reasonText = stackalloc byte[32];
        var length = Encoding.UTF8.GetBytes(text, reasonText);
        Send(new Reject { Challenge = VcspChallenge.None, Sequence = sequence, Reason = reason, Text = reasonText[..length] }, source);
    }

    private void Send<T>(in T packet, in VcspAddress destination)
        where T : IVcspPacket<T>, allows ref struct
    {
        if (packet.TryEncode(_scratch, out var written) == VcspEncodeStatus.Ok)
        {
            _sink.Send(_scratch.AsSpan(0, written), destination);
            VcspMetrics.DatagramsOut.Add(1, _groupTag);
        }
    }

    private void Drop(DropReason reason, in VcspAddress source)
    {
        _drops[(int)reason]++;
        VcspMetrics.Drops.Add(1, _groupTag, new KeyValuePair<string, object?>("reason", ReasonNames[(int)reason]));
        LogDrop(_logger, source, reason);
    }

    private static readonly string[] ReasonNames = Enum.GetNames<DropReason>();

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Dropped a datagram from {Source}: {Reason}")]
    private static partial void LogDrop(ILogger logger, VcspAddress source, DropReason reason);

    private static bool HasControlCharacter(ReadOnlySpan<byte> utf8)
    {
        foreach (var b in utf8)
        {
            if (b < 0x20 || b == 0x7F)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Decoded datagrams from one source, routed to the server.</summary>
    private readonly struct Handler(GroupServer server, VcspAddress source) : IVcspPacketHandler
    {
        public void OnJoinRequest(in JoinRequest packet) => server.OnJoinRequest(packet, source);

        public void OnSyn(in Syn packet) => server.OnSyn(packet, source);

        public void OnFin(in Fin packet) => server.OnFin(packet, source);

        public void OnPing(in Ping packet) => server.OnPing(packet, source);

        public void OnResponse(in Response packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnReject(in Reject packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnMsg(in Msg packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnError(in Error packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnResendRequest(in ResendRequest packet) => server.OnResendRequest(packet, source);

        public void OnDirectMessage(in DirectMessage packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnSilent(in Silent packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnKick(in Kick packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnCommand(in Command packet) => server.OnCommand(packet, source);

        public void OnCommandReply(in CommandReply packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnPong(in Pong packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnVoiceJoin(in VoiceJoin packet) => server.OnVoiceJoin(packet, source);

        public void OnCodecReject(in CodecReject packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnVoiceFin(in VoiceFin packet) => server.OnVoiceFin(packet, source);

        public void OnMedia(in Media packet) => server.OnMedia(packet, source);
    }

    /// <summary>A member: its identity, its sequence state, its reassembly and its messages waiting for relay.</summary>
    private sealed class Member(VcspAddress address, ushort challenge, byte[] name, uint expected, int maxPending)
    {
        private readonly PendingMessage[] _pending = new PendingMessage[maxPending];
        private int _head;

        public VcspAddress Address { get; } = address;

        public ushort Challenge { get; } = challenge;

        public byte[] Name { get; } = name;

        public int ChunkSize { get; } = Fragmentation.ChunkSize(name.Length);

        public MessageReassembly Reassembly { get; } = new(Fragmentation.ChunkSize(name.Length));

        public uint Expected { get; set; } = expected;

        public long LastHeard { get; set; }

        public long? LastError { get; set; }

        public long ReassemblyProgress { get; set; }

        public long? LastResend { get; set; }

        public long JoinedAt { get; init; }

        /// <summary>The range of the last ResendRequest this server sent the member.</summary>
        public uint LastResendAskedFirst { get; set; }

        public int LastResendAskedCount { get; set; }

        /// <summary>The last resend request answered: when, and its range.</summary>
        public long? LastResendAnswer { get; set; }

        public uint LastResendFirst { get; set; }

        public byte LastResendCount { get; set; }

        public int PendingCount { get; private set; }

        public bool IsAdministrator { get; init; }

        // The group's address as this member named it (for a server on a wildcard address, the host address it used).
        public VcspAddress GroupAddress { get; init; }

        // The member's call leg while it is being set up or is active (PROTOCOL.md §12), and when it was last told NotInCall.
        public CallLeg? Call { get; set; }

        public long? LastNotInCall { get; set; }

        /// <summary>The last command's request id and its reply, answered again when the command is repeated.</summary>
        public uint? LastCommandId { get; set; }

        public CommandCode LastCommand { get; set; }

        public CommandStatus LastStatus { get; set; }

        public byte[] LastReply { get; set; } = [];

        public long OldestPending => _pending[_head].Arrived;

        public int PendingCapacity => _pending.Length;

        public void Enqueue(ReadOnlySpan<byte> message, uint firstSequence, int fragments, long now)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(message.Length);
            message.CopyTo(buffer);
            _pending[(_head + PendingCount) % _pending.Length] = new PendingMessage(buffer, message.Length, firstSequence, fragments, now);
            PendingCount++;
        }

        public bool TryDequeue(out PendingMessage message)
        {
            if (PendingCount == 0)
            {
                message = default;
                return false;
            }

            message = _pending[_head];
            _pending[_head] = default;
            _head = (_head + 1) % _pending.Length;
            PendingCount--;
            return true;
        }
    }

    /// <summary>A sender's last relayed datagram, waiting to be repeated (<see cref="GroupOptions.TailRepeats"/>).</summary>
    private readonly record struct Tail(Member Sender, int Slot, uint Sequence, long RelayedAt, int NextRepeat);

    private readonly record struct PendingMessage(byte[] Buffer, int Length, uint FirstSequence, int Fragments, long Arrived);
}
