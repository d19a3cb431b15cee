using System.Collections.Generic;
using System.Net;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>The settings of a member's call: its SIP user agent and the codecs it offers.</summary>
public sealed class CallOptions
{
    /// <summary>Where this member's SIP user agent listens: its port goes in the VoiceJoin, its address in Contact and the SDP answer.</summary>
    public required IPEndPoint SipEndPoint { get; init; }

    /// <summary>The transport the user agent takes INVITEs on (the VoiceJoin's SipTransport). Defaults to UDP.</summary>
    public SipTransport SipTransport { get; init; } = SipTransport.Udp;

    /// <summary>
    /// The server's SIP endpoint, when it is to be fixed: INVITEs from any other IP address (over UDP, any other port)
    /// are dropped without an answer (PROTOCOL.md §12.4). Null (the default): the endpoint is learned from each INVITE,
    /// which must come from the group's IP address and name that address and its source port (over UDP) in its Via,
    /// Contact and From.
    /// </summary>
    public IPEndPoint? ServerSipEndPoint { get; init; }

    /// <summary>The port of this member's VCSP socket, named in the SDP answer (informational, PROTOCOL.md §12.4).</summary>
    public int MediaPort { get; init; }

    /// <summary>The codecs VC-INIT lists, most preferred first (1 to 32). Defaults to Opus, PCMU, PCMA, G.722, H.264 and MPEG-2 TS.</summary>
    public IReadOnlyList<byte> Codecs { get; init; } = GroupOptions.DefaultCodecs;

    /// <summary>The SIP timers of the user agent (200 OK retransmission, BYE). Defaults to T1 = 500 ms, T2 = 4 s.</summary>
    public SipTimers Timers { get; init; } = new();
}
