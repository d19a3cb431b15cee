using System;
using System.Collections.Generic;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>The settings of one group (one UDP port) on a server.</summary>
public sealed class GroupOptions
{
    /// <summary>The group's name, sent in every Response: UTF-8, 1 to 32 bytes.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// The group's own address and port, as clients must address it in their join requests. When the address is a
    /// wildcard (0.0.0.0 or ::, a server bound to all interfaces), a request naming this port and any of
    /// <see cref="HostAddresses"/> is accepted.
    /// </summary>
    public required VcspAddress Address { get; init; }

    /// <summary>The host's own addresses, used when <see cref="Address"/> is a wildcard. Defaults to none.</summary>
    public IReadOnlyCollection<System.Net.IPAddress> HostAddresses { get; init; } = [];

    /// <summary>
    /// The addresses and ports the group may also be reached at, besides <see cref="Address"/>: a public address and port
    /// in front of NAT, a port forward or a UDP proxy (PROTOCOL.md §8.1 step 3). A join request naming one of them is
    /// accepted, and that member is told the address it used: in the Response, INFO's <c>address=</c>, and its call's
    /// INVITE and SDP offer (the advertised port as the media port, the advertised IP address with <see cref="SipPort"/>
    /// for SIP). Defaults to none.
    /// </summary>
    public IReadOnlyList<VcspAddress> Advertise { get; init; } = [];

    /// <summary>The administrator's member name (VCSP Commands); empty for none.</summary>
    public string Owner { get; init; } = string.Empty;

    /// <summary>What to do with a join request that fails a check (version, address, name, room). Defaults to <see cref="JoinPolicy.Reject"/>.</summary>
    public JoinPolicy Policy { get; init; } = JoinPolicy.Reject;

    /// <summary>The most members at once. Defaults to 256.</summary>
    public int MaxMembers { get; init; } = 256;

    /// <summary>How long a sender must be quiet before its messages are relayed (memo §5.3: about 100 ms); zero relays each message as it completes.</summary>
    public TimeSpan RelayQuiet { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest a message waits for its sender to fall quiet (PROTOCOL.md: 1 second).</summary>
    public TimeSpan RelayCap { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a fragmented message may go without a new fragment before it is abandoned (PROTOCOL.md §7.4: 10 s).</summary>
    public TimeSpan ReassemblyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many relayed Msg datagrams the group's relay log holds (PROTOCOL.md §7.5): each is kept until every member
    /// it went to acknowledged it, and while the log is full nothing more is relayed and the senders' windows close.
    /// Defaults to 4096 (512 KiB, allocated when the group first relays).
    /// </summary>
    public int RelayLogSize { get; init; } = 4096;

    /// <summary>The largest window the server grants a sender, in Syn datagrams (PROTOCOL.md §7.6: 128; at most 255).</summary>
    public int MaxWindow { get; init; } = 128;

    /// <summary>
    /// How long a member that holds back a full relay log may go without acknowledging anything before it is skipped: the
    /// datagrams it misses are reported to it and to their senders (PROTOCOL.md §7.6). Defaults to 2 s.
    /// </summary>
    public TimeSpan LagLimit { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a member may send nothing at all before it is removed (PROTOCOL.md §7.7: 60 s).</summary>
    public TimeSpan MemberTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many join requests from one source address are answered per second, in bursts of twice that (PROTOCOL.md §13.3). Defaults to 20 (clients behind one NAT share it).</summary>
    public double JoinRatePerSource { get; init; } = 20;

    /// <summary>How many join requests from all sources together are answered per second, in bursts of twice that (PROTOCOL.md §13.3). Defaults to 500.</summary>
    public double JoinRate { get; init; } = 500;

    /// <summary>How long a join that was answered but not confirmed is kept (PROTOCOL.md §7.7: 10 s).</summary>
    public TimeSpan UnconfirmedTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many complete messages one member may have waiting for relay; a full queue is relayed at once when the relay
    /// log has room, and a message that finds it full and the log full is not accepted (the sender sends it again).
    /// Defaults to 16.
    /// </summary>
    public int MaxPendingPerMember { get; init; } = 16;

    /// <summary>
    /// The codecs of the group's call, most preferred first (PROTOCOL.md §12.1, §12.2): the server picks the first of
    /// these that a VoiceJoin lists, and a CodecReject lists them all (at most 32). Defaults to Opus, PCMU, PCMA, G.722,
    /// H.264 and MPEG-2 TS.
    /// </summary>
    public IReadOnlyList<byte> Codecs { get; init; } = DefaultCodecs;

    /// <summary>Every codec of PROTOCOL.md §12.1, in the default order of preference: Opus, PCMU, PCMA, G.722, H.264, MPEG-2 TS.</summary>
    public static IReadOnlyList<byte> DefaultCodecs { get; } = [(byte)VcspCodec.Opus, (byte)VcspCodec.Pcmu, (byte)VcspCodec.Pcma, (byte)VcspCodec.G722, (byte)VcspCodec.H264, (byte)VcspCodec.Mp2t];

    /// <summary>
    /// The port of the group's SIP endpoint (PROTOCOL.md §12.2: 5060 by default), named in the server's Via, From and
    /// Contact headers and in the SDP offer's origin. The host binds its <see cref="Sip.SipEndpoint"/> there.
    /// </summary>
    public int SipPort { get; init; } = 5060;

    /// <summary>The most members in the call at once (set-ups in progress included); beyond it, CodecReject(CallFull). Defaults to 32.</summary>
    public int MaxCallMembers { get; init; } = 32;

    /// <summary>The SIP timers of the server's INVITE and BYE transactions (RFC 3261 §17). Defaults to T1 = 500 ms, T2 = 4 s.</summary>
    public Sip.SipTimers SipTimers { get; init; } = new();
}
