using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;
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
/// <remarks>
/// The group's front door: each responsibility has its own part (the roster and its <c>Admission</c>, the
/// <c>SynReceiver</c>, the <c>GroupRelay</c>, the <c>GroupCommands</c>, the <c>GroupCall</c>, the drops), and this
/// class routes datagrams to them and composes their timed work.
/// </remarks>
public sealed partial class GroupServer : IVcspStateMachine
{
    /// <summary>How long a departed member's Fin is answered again (PROTOCOL.md §8.8 step 5).</summary>
    private static readonly TimeSpan FinLinger = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly GroupOptions _options;
    private readonly byte[] _groupName;
    private readonly KeyValuePair<string, object?> _groupTag;
    private readonly PacketSender _sender;
    private readonly GroupDrops _drops;
    private readonly Roster _roster;
    private readonly Admission _admission;
    private readonly GroupRelay _relay;
    private readonly SynReceiver _receiver;
    private readonly GroupCommands _commands;
    private readonly GroupCall _call;
    private readonly LingerRecords _departed;
    private readonly RelayLog _log;
    private readonly WindowGrants _windows;
    private readonly VcspMetrics _metrics;
    private readonly GroupActivity _activity;
    private readonly ClusterLink? _cluster;
    private readonly NameClaims? _claims;
    private readonly RemoteMembers _remote;
    private long _notMemberSecond;
    private int _notMemberCount;

    /// <summary>Creates the group.</summary>
    /// <param name="options">The group's settings.</param>
    /// <param name="sink">Where outgoing datagrams go.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> outside tests.</param>
    /// <param name="logger">
    /// Where the group logs: joins, leaves, kicks and calls at Information, drops at Debug (with their reason), or null for none.
    /// </param>
    /// <param name="sip">
    /// Where the group's SIP messages go (a <see cref="SipEndpoint"/> on <see cref="GroupOptions.SipPort"/>); null for
    /// a group without a call, which drops VoiceJoin.
    /// </param>
    /// <param name="metrics">The instruments the group records on and whose gauges read it; null for <see cref="VcspMetrics.Default"/>.</param>
    /// <exception cref="ArgumentException">The group name is not 1 to 32 bytes of UTF-8.</exception>
    public GroupServer(GroupOptions options, IDatagramSink sink, TimeProvider time, ILogger? logger = null, ISipSink? sip = null, VcspMetrics? metrics = null)
        : this(options, sink, time, logger, sip, metrics, cluster: null)
    {
    }

    /// <summary>Creates the group as a node of a cluster (PROTOCOL.md §15), or alone when <paramref name="cluster"/> is null.</summary>
    internal GroupServer(GroupOptions options, IDatagramSink sink, TimeProvider time, ILogger? logger, ISipSink? sip, VcspMetrics? metrics, ClusterLink? cluster)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _groupName = Encoding.UTF8.GetBytes(options.Name);
        if (_groupName.Length is < 1 or > 32)
        {
            throw new ArgumentException("A group name is 1 to 32 bytes of UTF-8.", nameof(options));
        }

        logger ??= NullLogger.Instance;
        _groupTag = new KeyValuePair<string, object?>("group", options.Name);
        _metrics = metrics ?? VcspMetrics.Default;
        _activity = new GroupActivity(options.Name, time, logger, _metrics, _groupTag);
        _sender = new PacketSender(sink, VcspWire.TextDatagramLimit, _metrics.DatagramsOut, _groupTag);
        _drops = new GroupDrops(logger, _metrics, _groupTag);
        _cluster = cluster;
        _claims = cluster is null ? null : new NameClaims(cluster);
        _remote = new RemoteMembers(cluster is null ? 0 : RemoteCapacity(options.MaxMembers));
        _roster = new Roster(options.MaxMembers, _drops, _claims);
        _options = options;
        _log = new RelayLog(Math.Max(1, options.RelayLogSize));
        _windows = new WindowGrants(options, _sender, _log);
        _admission = new Admission(options, time, _roster, _sender, _drops, _groupName, _log, _activity, _claims, _remote);
        _relay = new GroupRelay(options, time, _roster, _sender, _log, _windows, _remote, cluster is null ? null : new ClusterOut(this, cluster));
        _receiver = new SynReceiver(options, time, _sender, _drops, _relay, _windows, _activity);
        _commands = new GroupCommands(options, _roster, _sender, this, _remote, cluster);

        // Relayed Media is not counted on DatagramsOut (it has MediaRelayed).
        var mediaSender = new PacketSender(sink, VcspWire.MediaDatagramLimit);
        _call = new GroupCall(options, time, _roster, _sender, mediaSender, _drops, sip, logger, _activity, cluster);
        _departed = new LingerRecords(options.MaxMembers, FinLinger, time);
        _metrics.Add(this);
    }

    /// <summary>The group's name.</summary>
    public string Name => _options.Name;

    /// <summary>How many members the group has.</summary>
    public int MemberCount => _roster.Count;

    /// <summary>How many fragmented messages were abandoned unfinished (PROTOCOL.md §7.4).</summary>
    public long AbandonedMessages => _receiver.AbandonedMessages;

    /// <summary>How many members were removed because they sent nothing for <see cref="GroupOptions.MemberTimeout"/> (PROTOCOL.md §7.7).</summary>
    public long TimedOutMembers { get; private set; }

    /// <summary>
    /// How many relayed datagrams were skipped for members that held a full relay log back (one per member and datagram),
    /// each reported to the member and to its sender (PROTOCOL.md §7.6).
    /// </summary>
    public long SkippedDatagrams => _relay.SkippedDatagrams;

    /// <summary>How many relayed datagrams the relay log holds, waiting for members' acknowledgements.</summary>
    public int RelayLogCount => _log.Count;

    /// <summary>How many members are in the call (their ACK sent).</summary>
    public int CallMemberCount => _call.CallMemberCount;

    /// <summary>How many Media datagrams were relayed (one per receiver).</summary>
    public long MediaRelayed => _call.MediaRelayed;

    /// <summary>How many SIP messages were refused: malformed, unmatched, or from the wrong peer (each logged at Debug).</summary>
    public long SipDropped => _call.SipDropped;

    /// <summary>How many datagrams were dropped for <paramref name="reason"/>.</summary>
    /// <param name="reason">A drop reason.</param>
    /// <returns>The count since the group started.</returns>
    public long Dropped(DropReason reason) => _drops.Count(reason);

    /// <summary>Handles one datagram from <paramref name="source"/>.</summary>
    /// <param name="datagram">The datagram; not kept after the call.</param>
    /// <param name="source">Its source address and port.</param>
    public void Receive(ReadOnlySpan<byte> datagram, in VcspAddress source)
    {
        _metrics.DatagramsIn.Add(1, _groupTag);
        if (source.Port == 0)
        {
            _drops.Drop(DropReason.UnreachableSource, source); // no UDP datagram comes from port 0 but a forged one (issue 11)
            return;
        }

        var handler = new Handler(this, source, datagram.Length);
        var status = VcspPacketDispatcher.Dispatch(datagram, ref handler);
        if (status == VcspDecodeStatus.Ok)
        {
            return;
        }

        // A join request of another version is refused or dropped by policy (memo §4.3), if its header can be read.
        if (status == VcspDecodeStatus.BadVersion && datagram.Length >= VcspWire.TextHeaderSize && datagram[1] == JoinRequest.Flag)
        {
            _admission.RefuseJoin(source, BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(4)), RejectReason.VersionMismatch, "version", datagram.Length);
            return;
        }

        // A Command whose code this server does not know: answered, if the sender is a member (PROTOCOL.md §8.12);
        // from anyone else it is counted once, as an unknown sender.
        if (status == VcspDecodeStatus.InvalidValue && datagram.Length >= VcspWire.TextHeaderSize && datagram[1] == Command.Flag)
        {
            if (MemberOf(source, BinaryPrimitives.ReadUInt16BigEndian(datagram.Slice(2)), out var member))
            {
                _drops.Drop(DropReason.Malformed, source);
                _sender.SendError(member, ErrorCode.UnknownCommand, BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(4)));
            }

            return;
        }

        _drops.Drop(DropReason.Malformed, source);
    }

    /// <summary>
    /// Handles one SIP message that arrived at the group's SIP endpoint: responses to the server's INVITEs and BYEs, and
    /// a BYE from a call member's user agent. Other requests are answered 405 (or 400 when malformed) and counted.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="peer">Where it came from.</param>
    public void ReceiveSip(SipMessage message, SipPeer peer)
    {
        ArgumentNullException.ThrowIfNull(message);
        _call.ReceiveSip(message, peer);
    }

    /// <summary>
    /// Ends the call: a BYE to every call member (for example when the server shuts down). The members stay in the
    /// text group. Set-ups still in progress are abandoned; an answer that comes later is acknowledged and ended with a BYE.
    /// </summary>
    public void CloseCall() => _call.CloseCall();

    /// <summary>
    /// Does the work that is due: relays the messages of every member that has been quiet for
    /// <see cref="GroupOptions.RelayQuiet"/> (or waited <see cref="GroupOptions.RelayCap"/>), and asks for missing
    /// fragments of messages whose sender has gone quiet.
    /// </summary>
    public void Poll()
    {
        var now = _time.GetTimestamp();
        _call.Poll(now);
        _departed.Expire(now);
        ExpireSilent(now);
        foreach (var member in _roster.InOrder)
        {
            var quiet = _relay.Poll(member, now);
            _receiver.Poll(member, now, quiet);
        }

        _relay.PollLog(now);
        PollProxies(now);
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is waiting.</summary>
    /// <returns>The delay; zero when work is due now.</returns>
    public TimeSpan? NextPollDelay()
    {
        var now = _time.GetTimestamp();
        var next = Earliest(Earliest(_call.Delay(now), _relay.LogDelay(now)), _departed.Delay(now));
        foreach (var member in _roster.InOrder)
        {
            next = Earliest(next, Earliest(_relay.Delay(member, now), _receiver.Delay(member, now)));
            next = Earliest(next, _options.MemberTimeout - _time.GetElapsedTime(member.LastHeard, now));
        }

        if (_roster.Unconfirmed.Count > 0)
        {
            next = Earliest(next, _options.UnconfirmedTimeout - _time.GetElapsedTime(_roster.Unconfirmed[0].JoinedAt, now));
        }

        return next is { } due && due < TimeSpan.Zero ? TimeSpan.Zero : next;
    }

    /// <summary>Takes a member out of the group (Fin, KICK, ...): its call leg ended with a BYE, what it sent relayed first.</summary>
    /// <param name="member">The member.</param>
    /// <param name="reason">Why it leaves (logged, and told to <see cref="MemberLeft"/>).</param>
    internal void Remove(Member member, MemberLeaveReason reason)
    {
        _activity.OnLeft(member, reason, _roster.Count - 1);

        // Leaving the group ends the member's call leg with a BYE (PROTOCOL.md §12.5).
        if (member.Call is not null)
        {
            _call.Leave(member, sendBye: true);
        }

        // Accepted messages are never lost: relay what is waiting before the member goes (making room if need be).
        _relay.RelayPending(member, force: true);
        _receiver.CloseReassembly(member);
        member.Inbound.Ahead.Clear();
        _roster.Remove(member);
        _cluster?.Retract(member); // it leaves the group on every node (PROTOCOL.md §15.3)
        _relay.Release(); // it holds nothing back any more
    }

    /// <summary>The most members of other nodes a node lists, and the most senders of other nodes it keeps a proxy for.</summary>
    private static int RemoteCapacity(int maxMembers) => Math.Min(65536, 16 * maxMembers);

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null || a < b ? a : b;

    /// <summary>
    /// Finds the member that sent a datagram, by source and challenge, and notes that it was heard. An answered join
    /// is confirmed by its first such datagram (PROTOCOL.md §8.1 step 6).
    /// </summary>
    private bool MemberOf(in VcspAddress source, ushort challenge, out Member member)
    {
        // A new join from a member's address, confirmed: the member it replaces leaves first (PROTOCOL.md §8.1 step 2).
        if (_roster.Rejoins.TryGetValue(source, out var rejoin) && rejoin.Challenge == challenge && _roster.TryGet(source, out var replaced))
        {
            _roster.Rejoins.Remove(source);
            Remove(replaced, MemberLeaveReason.Replaced);
            _roster.Add(rejoin);
        }

        if (!_roster.TryGetMember(source, challenge, out member))
        {
            return false;
        }

        member.LastHeard = _time.GetTimestamp();
        if (member.Confirmed)
        {
            return true;
        }

        if (!_admission.Confirm(member))
        {
            return false;
        }

        _activity.OnJoined(member, _roster.Count);
        _cluster?.Announce(member);
        return true;
    }

    private void OnFin(in Fin fin, in VcspAddress source)
    {
        // A repeat of a Fin answered within the linger time: its Response was lost, so it goes again (PROTOCOL.md §8.8 step 5).
        if (!_roster.TryGet(source, out _) && _departed.TryFind(source, fin.Challenge, fin.Sequence, out var departed))
        {
            _sender.SendResponse(departed!, fin.Sequence, ResponseTo.Fin, _groupName);
            return;
        }

        if (MemberOf(source, fin.Challenge, out var member))
        {
            // The Fin carries the last sequence used: the server answers only once it has everything (PROTOCOL.md §8.8).
            if (SerialNumber.IsNewer(unchecked(fin.Sequence + 1), member.Inbound.Expected))
            {
                _receiver.SendOutOfOrder(member, fin.Sequence);
                return;
            }

            _relay.RelayPending(member);
            _sender.SendResponse(member, fin.Sequence, ResponseTo.Fin, _groupName);
            Remove(member, MemberLeaveReason.Fin);
            _departed.Add(source, fin.Challenge, fin.Sequence, member);
        }
    }

    private void Drop(DropReason reason, in VcspAddress source) => _drops.Drop(reason, source);

    /// <summary>Decoded datagrams from one source, routed to the part of the group that handles them.</summary>
    private readonly struct Handler(GroupServer server, VcspAddress source, int size) : IVcspPacketHandler
    {
        public void OnJoinRequest(in JoinRequest packet)
        {
            if (server._closed)
            {
                server.Drop(DropReason.JoinRefused, source); // the group is shutting down
                return;
            }

            server._admission.OnJoinRequest(packet, source, size);
        }

        public void OnSyn(in Syn packet)
        {
            if (server.MemberOf(source, packet.Challenge, out var member))
            {
                server._receiver.OnSyn(member, packet);
            }
        }

        public void OnFin(in Fin packet) => server.OnFin(packet, source);

        public void OnPing(in Ping packet)
        {
            if (server.MemberOf(source, packet.Challenge, out var member))
            {
                server._receiver.OnPing(member, packet);
            }
        }

        public void OnResponse(in Response packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnReject(in Reject packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnMsg(in Msg packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnError(in Error packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnResendRequest(in ResendRequest packet)
        {
            if (server.MemberOf(source, packet.Challenge, out var member))
            {
                server._relay.OnResendRequest(member, packet);
            }
        }

        public void OnAck(in Ack packet) => server.OnAck(packet, source);

        public void OnDirectMessage(in DirectMessage packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnSilent(in Silent packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnKick(in Kick packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnCommand(in Command packet)
        {
            if (server.MemberOf(source, packet.Challenge, out var member))
            {
                server._commands.OnCommand(member, packet);
            }
        }

        public void OnCommandReply(in CommandReply packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnPong(in Pong packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnVoiceJoin(in VoiceJoin packet)
        {
            if (server.MemberOf(source, packet.Challenge, out var member))
            {
                server._call.OnVoiceJoin(member, packet);
            }
        }

        public void OnCodecReject(in CodecReject packet) => server.Drop(DropReason.UnexpectedKind, source);

        public void OnVoiceFin(in VoiceFin packet) => server._call.OnVoiceFin(packet, source);

        public void OnMedia(in Media packet) => server._call.OnMedia(packet, source);
    }
}
