using System;
using System.Collections.Generic;
using System.Net;
using System.Text;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// SIP between state machines in memory, for exact timer tests: every message is encoded to bytes and parsed again on
/// delivery (so the codec is in the loop), and a filter may drop messages. Only UDP-style delivery: the transport is
/// recorded on the peer but nothing is reliable.
/// </summary>
internal sealed class InMemorySip
{
    private readonly Dictionary<IPEndPoint, Action<SipMessage, SipPeer>> _endpoints = [];
    private readonly Queue<(byte[] Bytes, SipPeer From, IPEndPoint To)> _queue = new();

    /// <summary>Returns true to drop a message.</summary>
    public Func<SipMessage, IPEndPoint, IPEndPoint, bool> Drop { get; set; } = (_, _, _) => false;

    /// <summary>Every message sent, in order, as (from, to, message).</summary>
    public List<(IPEndPoint From, IPEndPoint To, SipMessage Message)> Log { get; } = [];

    public ISipSink Attach(IPEndPoint local, Action<SipMessage, SipPeer> receive)
    {
        _endpoints[local] = receive;
        return new Sink(this, local);
    }

    public bool Pump()
    {
        var any = false;
        while (_queue.TryDequeue(out var item))
        {
            any = true;
            Xunit.Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(item.Bytes, stream: false, out var message, out _));
            if (!Drop(message!, item.From.EndPoint, item.To) && _endpoints.TryGetValue(item.To, out var receive))
            {
                receive(message!, item.From);
            }
        }

        return any;
    }

    private sealed class Sink(InMemorySip network, IPEndPoint local) : ISipSink
    {
        public void Send(SipMessage message, SipPeer peer)
        {
            network.Log.Add((local, peer.EndPoint, message));
            network._queue.Enqueue((message.ToBytes(), new SipPeer(local, peer.Transport), peer.EndPoint));
        }
    }
}

/// <summary>Records what a member's call reports.</summary>
internal sealed class CallEvents : ICallEvents
{
    public List<string> Log { get; } = [];

    public List<(ushort Source, uint Timestamp, byte Codec, byte[] Data)> Media { get; } = [];

    public void OnCallStarted(byte codec, ushort? callChallenge) => Log.Add($"started codec {codec}" + (callChallenge is null ? " without challenge" : string.Empty));

    public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs) => Log.Add($"rejected {reason} [{string.Join(",", serverCodecs.ToArray())}]");

    public void OnCallEnded(CallEnd end) => Log.Add("ended: " + end);

    public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data) => Media.Add((source, timestamp, codec, data.ToArray()));
}

/// <summary>
/// A group server with its SIP endpoint, and members with theirs, all in memory on one manual clock. Addresses are
/// 127.0.0.1 ports (nothing is bound): group 5000, server SIP 5060, member i's VCSP socket 6000 + i and SIP 7000 + i.
/// </summary>
internal sealed class CallLab
{
    public static readonly IPEndPoint ServerSip = new(IPAddress.Loopback, 5060);

    public CallLab(GroupOptions? options = null, VcspMetrics? metrics = null, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        Group = VcspAddress.IPv4([127, 0, 0, 1], 5000);
        ServerSink = new RecordingSink { Forward = Network.Attach(Group, (d, s) => Server!.Receive(d, s)) };
        var sipSink = Sip.Attach(ServerSip, (m, p) => Server!.ReceiveSip(m, p));
        Options = options ?? new GroupOptions { Name = "lobby", Address = Group, RelayQuiet = TimeSpan.Zero };
        Server = new GroupServer(Options, ServerSink, Time, logger, sipSink, metrics);
    }

    public ManualTimeProvider Time { get; } = new();

    public InMemoryNetwork Network { get; } = new();

    public InMemorySip Sip { get; } = new();

    public VcspAddress Group { get; }

    public GroupOptions Options { get; }

    public GroupServer Server { get; }

    /// <summary>The server's datagram sink: it forwards to the network, or to another sink for allocation tests.</summary>
    public RecordingSink ServerSink { get; }

    public List<Member> Members { get; } = [];

    public static SipTimers Timers => new() { T1 = TimeSpan.FromMilliseconds(500), T2 = TimeSpan.FromSeconds(4) };

    public Member AddMember(string name, IReadOnlyList<byte>? codecs = null, IPEndPoint? serverSip = null)
    {
        var index = Members.Count + 1;
        var address = VcspAddress.IPv4([127, 0, 0, 1], (ushort)(6000 + index));
        var sipEndPoint = new IPEndPoint(IPAddress.Loopback, 7000 + index);
        Member? member = null;
        var sink = Network.Attach(address, (d, s) => member!.Client.Receive(d, s));
        var sip = Sip.Attach(sipEndPoint, (m, p) => member!.Client.ReceiveSip(m, p));
        var callOptions = new CallOptions
        {
            SipEndPoint = sipEndPoint,
            MediaPort = 6000 + index,
            ServerSipEndPoint = serverSip ?? ServerSip,
            Codecs = codecs ?? [(byte)VcspCodec.Opus, (byte)VcspCodec.Pcmu],
            Timers = Timers,
        };
        var events = new RecordingEvents();
        var calls = new CallEvents();
        var client = new ChatClient(new ClientOptions { Server = Group, Name = name }, sink, Time, events, new NoDirectMessages(), callOptions, sip, calls);
        member = new Member(client, address, sipEndPoint, events, calls);
        Members.Add(member);
        client.Join();
        Pump();
        Xunit.Assert.Equal(ClientState.Member, client.Group.State);
        return member;
    }

    /// <summary>Delivers datagrams and SIP messages until nothing is in flight.</summary>
    public void Pump()
    {
        do
        {
            Network.Pump();
        }
        while (Sip.Pump());
    }

    /// <summary>Moves the clock, then polls every machine and delivers what they send.</summary>
    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        Server.Poll();
        foreach (var member in Members)
        {
            member.Client.Poll();
        }

        Pump();
    }

    public Member JoinCall(string name, IReadOnlyList<byte>? codecs = null)
    {
        var member = AddMember(name, codecs);
        Xunit.Assert.True(member.Call.Join());
        Pump();
        Xunit.Assert.Equal(CallState.InCall, member.Call.State);
        return member;
    }

    internal sealed record Member(ChatClient Client, VcspAddress Address, IPEndPoint SipEndPoint, RecordingEvents Events, CallEvents Calls)
    {
        public MemberCall Call => Client.Call!;
    }

    private sealed class NoDirectMessages : IDirectMessageEvents
    {
        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact) =>
            throw new InvalidOperationException("no DM expected: " + Encoding.UTF8.GetString(message));
    }
}
