using System;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using VcspGen.Runtime;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>
/// The group call's Media relay over real UDP on loopback (issue 5): one sender, <see cref="Receivers"/> other call
/// members, and a relay between them, either the VCSP <see cref="GroupServer"/> on a <see cref="UdpHost"/> or the raw
/// baseline, one thread that receives each datagram and sends it on to every receiver with the
/// <see cref="SocketAddress"/> overloads and does nothing else. Each packet is one Media datagram carrying one
/// 188-byte MPEG-TS packet, codec 33 (MP2T).
/// </summary>
/// <remarks>
/// <para>
/// Two categories. <c>Throughput</c>: an invocation sends <see cref="PacketsPerInvoke"/> packets with at most
/// <see cref="Window"/> on their way (sent, not yet received by every receiver), as <see cref="RelayThroughput"/>
/// does, so the time is per packet. <c>Latency</c>: an invocation sends <see cref="LatencyPacketsPerInvoke"/>
/// packets one at a time (the next goes when every receiver has the last), so the relay is idle when each arrives;
/// every receiver records, per packet, the time from the sender's send (a <see cref="Stopwatch"/> timestamp written
/// into the payload just before the send) to its arrival, and <see cref="MediaRelayConfig"/> shows their p50 and p99.
/// </para>
/// <para>
/// In the VCSP runs the sender and the receivers are real <see cref="ChatClient"/>s that joined the group (INIT) and the
/// call (VC-INIT, then the server's SIP INVITE, 200 OK and ACK) in <c>[GlobalSetup]</c>. Joining is the client's own,
/// as issue 12 made it (PROTOCOL.md §8.1 steps 5 and 6): a JoinRequest padded to <see cref="JoinRequest.PaddedSize"/>
/// bytes, the Response, then the confirming Ack with ReplyRequested; a client is a member (and may join the call) only
/// once the server's Ack answers it, which is what the set-up waits for. SIP (set-up only, not
/// measured) goes through <see cref="SipRouter"/>, in memory; Media goes over UDP. The clients are not run by
/// <see cref="UdpHost"/>s: each has a plain socket, and the benchmark's thread sends and receives for all of them,
/// feeding each received datagram to its client, whose <see cref="ICallEvents.OnMedia"/> counts it. So 33 members
/// add no threads, and on a 2-core machine the relay has the other core. In the raw runs the same sockets and loop
/// decode each datagram with <see cref="Media.TryDecode"/> instead.
/// </para>
/// <para>
/// Nothing in the measured loop polls the clients, so they send no keepalive (PROTOCOL.md §7.6), and Media, which
/// carries the call challenge, does not count as hearing from a member: with the default
/// <see cref="GroupOptions.MemberTimeout"/> (60 s, §7.7) the server would remove every member in the middle of a
/// longer run, and end its call leg. The group's member timeout is therefore <see cref="MemberTimeout"/>; the server
/// checks it on every poll all the same, so the relay does the same work. The Media relay itself is unchanged by
/// issue 12.
/// </para>
/// <para>
/// Every receiver checks each packet's codec, length and counter (the Media timestamp carries a packet counter here;
/// the relay copies it whatever it holds). The window keeps loopback from dropping: <see cref="UdpHost"/>'s socket
/// has the default 208 KiB receive buffer, which holds 166 of these 200-byte datagrams on this kernel (measured),
/// and Linux gives back the space of datagrams already read in batches of up to a quarter of the buffer, so fewer
/// (about 124) are safe; with a window of 128 the VCSP runs did lose datagrams (<c>RcvbufErrors</c>). If a packet is lost anyway, the
/// receiver that sees the gap throws, and so does an invocation without progress for <see cref="Patience"/>.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(MediaRelayConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MediaRelay
{
    /// <summary>Packets one throughput invocation sends.</summary>
    public const int PacketsPerInvoke = 8192;

    /// <summary>Packets one latency invocation sends, one at a time.</summary>
    public const int LatencyPacketsPerInvoke = 1024;

    /// <summary>How many packets may be on their way in the throughput runs.</summary>
    public const int Window = 64;

    /// <summary>The media data of one packet: one MPEG-TS packet.</summary>
    public const int PayloadSize = 188;

    /// <summary>The category of the throughput runs.</summary>
    public const string Throughput = "Throughput";

    /// <summary>The category of the latency runs.</summary>
    public const string Latency = "Latency";

    /// <summary>The environment variable naming the folder where latency runs leave their percentiles for the summary.</summary>
    public const string LatencyFolderVariable = "VCSPGEN_MEDIA_RELAY_LATENCY";

    private const byte Codec = (byte)VcspCodec.Mp2t;
    private const int StampOffset = 4; // after the 4-byte TS header
    private const int PollMicroseconds = 100_000;
    private const int LatencySamples = 1 << 22;
    private const ushort RawChallenge = 0x4D45;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>The group's member timeout: longer than any run, since the members send no keepalive while measured.</summary>
    private static readonly TimeSpan MemberTimeout = TimeSpan.FromHours(1);
    private static readonly IPEndPoint ServerSip = new(IPAddress.Loopback, 5060);

    private readonly byte[] _payload = NewPayload();
    private readonly byte[] _datagram = new byte[VcspWire.MediaDatagramLimit];
    private readonly byte[] _inbox = new byte[2048];
    private Socket? _sender;
    private SocketAddress? _relay;
    private ChatClient? _senderClient;
    private Receiver[] _receivers = [];
    private uint _counter;
    private long _delivered;
    private LatencyRecorder? _latency;

    private Socket? _rawSocket;
    private Thread? _rawThread;

    private UdpHost? _host;
    private GroupServer? _server;
    private CancellationTokenSource? _stop;
    private Task? _hostRun;

    /// <summary>How many call members receive each packet (the sender is not counted).</summary>
    [Params(1, 8, 32)]
    public int Receivers { get; set; }

    /// <summary>Sockets and a fan-out thread for <see cref="RawFanOut"/>.</summary>
    [GlobalSetup(Target = nameof(RawFanOut))]
    public void SetUpRaw()
    {
        _sender = RawRelay.NewSocket();
        _receivers = new Receiver[Receivers];
        var targets = new SocketAddress[Receivers];
        for (var k = 0; k < Receivers; k++)
        {
            _receivers[k] = new Receiver(RawRelay.NewSocket());
            targets[k] = _receivers[k].Socket.LocalEndPoint!.Serialize();
        }

        var relay = RawRelay.NewSocket();
        _rawSocket = relay;
        _relay = relay.LocalEndPoint!.Serialize();
        _rawThread = new Thread(() => RawRelay.FanOut(relay, targets)) { IsBackground = true, Name = "raw fan-out" };
        _rawThread.Start();
        StartReceiving();
    }

    /// <summary>As <see cref="SetUpRaw"/>, recording latencies, for <see cref="RawLatency"/>.</summary>
    [GlobalSetup(Target = nameof(RawLatency))]
    public void SetUpRawLatency()
    {
        SetUpRaw();
        _latency = new LatencyRecorder(nameof(RawLatency), LatencySamples);
    }

    /// <summary>A group server on a UDP host, with the receivers and the sender in its call, for <see cref="VcspRelay"/>.</summary>
    [GlobalSetup(Target = nameof(VcspRelay))]
    public void SetUpVcsp()
    {
        var sip = new SipRouter();
        var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
        _host = host;
        _server = new GroupServer(
            new GroupOptions
            {
                Name = "bench",
                Address = host.LocalAddress,
                MaxMembers = Receivers + 1,
                MaxCallMembers = Receivers + 1,
                Codecs = [Codec],
                SipPort = ServerSip.Port,
                MemberTimeout = MemberTimeout,
            },
            host,
            TimeProvider.System,
            logger: null,
            sip.Attach(ServerSip, (message, peer) => host.Invoke(() => _server!.ReceiveSip(message, peer))));
        _stop = new CancellationTokenSource();
        _hostRun = host.RunAsync(_server, TimeProvider.System, _stop.Token);
        _relay = host.LocalEndPoint.Serialize();

        // Every member, the sender last; it is taken out of the receivers once the call is set up.
        _receivers = new Receiver[Receivers + 1];
        for (var k = 0; k <= Receivers; k++)
        {
            _receivers[k] = new Receiver(RawRelay.NewSocket());
            _receivers[k].Attach(k < Receivers ? "receiver" + k : "sender", host.LocalAddress, _relay, sip);
        }

        foreach (var member in _receivers)
        {
            member.Client!.Join();
        }

        // Member: the Response came and the server's Ack answered the confirmation (PROTOCOL.md §8.1 step 6).
        PumpUntil(
            sip,
            () => Array.TrueForAll(_receivers, r => r.Client!.Group.State == ClientState.Member) && ServerMembers() == Receivers + 1,
            "every member joined the group and was confirmed");
        foreach (var member in _receivers)
        {
            RawRelay.Check(member.Client!.Call!.Join(), "VC-INIT did not start");
        }

        PumpUntil(
            sip,
            () => Array.TrueForAll(_receivers, r => r.Client!.Call!.State == CallState.InCall) && ServerCallMembers() == Receivers + 1,
            "every member is in the call");

        _senderClient = _receivers[Receivers].Client;
        _sender = _receivers[Receivers].Socket;
        _receivers = _receivers[..Receivers];
        StartReceiving();
    }

    /// <summary>As <see cref="SetUpVcsp"/>, recording latencies, for <see cref="VcspLatency"/>.</summary>
    [GlobalSetup(Target = nameof(VcspLatency))]
    public void SetUpVcspLatency()
    {
        SetUpVcsp();
        _latency = new LatencyRecorder(nameof(VcspLatency), LatencySamples);
    }

    /// <summary>Stops the relay, closes every socket, and leaves the latency percentiles for the summary.</summary>
    [GlobalCleanup]
    public void CleanUp()
    {
        if (_latency is { } latency)
        {
            latency.Report(Receivers);
            latency.Dispose();
        }

        if (_stop is not null)
        {
            _stop.Cancel();
            _hostRun?.GetAwaiter().GetResult();
            _stop.Dispose();
        }

        _host?.Dispose();
        _rawSocket?.Dispose();
        _rawThread?.Join(TimeSpan.FromSeconds(5));
        _sender?.Dispose();
        foreach (var receiver in _receivers)
        {
            receiver.Socket.Dispose();
        }
    }

    /// <summary>The throughput baseline: one thread receives each datagram and sends it on to every receiver.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = PacketsPerInvoke)]
    [BenchmarkCategory(Throughput)]
    public void RawFanOut() => SendAndAwaitDelivery(PacketsPerInvoke, Window);

    /// <summary>The VCSP group server relays each Media datagram to every other call member.</summary>
    [Benchmark(OperationsPerInvoke = PacketsPerInvoke)]
    [BenchmarkCategory(Throughput)]
    public void VcspRelay() => SendAndAwaitDelivery(PacketsPerInvoke, Window);

    /// <summary>The latency baseline: the raw fan-out, one packet at a time.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = LatencyPacketsPerInvoke)]
    [BenchmarkCategory(Latency)]
    public void RawLatency() => SendAndAwaitDelivery(LatencyPacketsPerInvoke, 1);

    /// <summary>The VCSP relay, one packet at a time.</summary>
    [Benchmark(OperationsPerInvoke = LatencyPacketsPerInvoke)]
    [BenchmarkCategory(Latency)]
    public void VcspLatency() => SendAndAwaitDelivery(LatencyPacketsPerInvoke, 1);

    private static byte[] NewPayload()
    {
        // An MPEG-TS packet: sync byte, PID 0x0100, payload only; the send timestamp, then stuffing.
        var payload = new byte[PayloadSize];
        payload.AsSpan().Fill(0xFF);
        payload[0] = 0x47;
        payload[1] = 0x01;
        payload[2] = 0x00;
        payload[3] = 0x10;
        return payload;
    }

    private int ServerMembers()
    {
        var count = 0;
        _host!.Invoke(() => count = _server!.MemberCount);
        return count;
    }

    private int ServerCallMembers()
    {
        var count = 0;
        _host!.Invoke(() => count = _server!.CallMemberCount);
        return count;
    }

    /// <summary>
    /// Set-up only: delivers the members' datagrams and the SIP messages, and polls the clients (retransmissions),
    /// until <paramref name="done"/>.
    /// </summary>
    private void PumpUntil(SipRouter sip, Func<bool> done, string what)
    {
        var start = Stopwatch.GetTimestamp();
        foreach (var member in _receivers)
        {
            member.Socket.Blocking = false;
        }

        while (!done())
        {
            var busy = false;
            foreach (var member in _receivers)
            {
                busy |= member.DeliverSetUp(_inbox);
            }

            busy |= sip.Pump();
            foreach (var member in _receivers)
            {
                member.Client!.Poll();
            }

            if (Stopwatch.GetElapsedTime(start) > Patience)
            {
                throw new InvalidOperationException($"Set-up: not done after {Patience.TotalSeconds} s: {what}. {Diagnostics()}");
            }

            if (!busy)
            {
                Thread.Sleep(1);
            }
        }
    }

    private void StartReceiving()
    {
        _sender!.Blocking = false;
        foreach (var receiver in _receivers)
        {
            receiver.Socket.Blocking = false;
            receiver.Start(_counter, _senderClient is null);
        }
    }

    /// <summary>
    /// Sends <paramref name="packets"/> Media datagrams through the relay, at most <paramref name="window"/> ahead of the
    /// slowest receiver, and returns when every receiver has every one.
    /// </summary>
    private void SendAndAwaitDelivery(int packets, int window)
    {
        var sender = _sender!;
        var end = _delivered + packets;
        var sent = _delivered;
        var slowest = _delivered;
        var progressAt = Stopwatch.GetTimestamp();
        _latency?.Arm();
        while (true)
        {
            var limit = Math.Min(end, slowest + window);
            while (sent < limit)
            {
                Send();
                sent++;
            }

            var (now, behind) = Drain(sent);
            if (now == end)
            {
                break;
            }

            if (now > slowest)
            {
                slowest = now;
                progressAt = Stopwatch.GetTimestamp();
                continue;
            }

            // Nothing new: wait for the slowest receiver's socket, which has to move for the window to move.
            if (!behind.Socket.Poll(PollMicroseconds, SelectMode.SelectRead) && Stopwatch.GetElapsedTime(progressAt) > Patience)
            {
                throw new InvalidOperationException(
                    $"No progress for {Patience.TotalSeconds} s: the slowest of {Receivers} receivers has {now} of {end} packets; "
                    + $"a datagram was lost on loopback. {Diagnostics()}");
            }
        }

        _latency?.Disarm();

        // Media is never answered: anything at the sender (an Error NotInCall?) means the call is broken.
        if (sender.Available != 0)
        {
            throw new InvalidOperationException($"The sender got a datagram (an Error?). {Diagnostics()}");
        }

        _delivered = end;
    }

    /// <summary>Sends one Media datagram: the send time goes into the payload, the packet counter into the timestamp.</summary>
    private void Send()
    {
        BinaryPrimitives.WriteInt64LittleEndian(_payload.AsSpan(StampOffset), Stopwatch.GetTimestamp());
        if (_senderClient is { } client)
        {
            if (!client.Call!.TrySendMedia(_payload, _counter))
            {
                throw new InvalidOperationException($"The sender is not in the call ({client.Call.State}).");
            }
        }
        else
        {
            var media = new Media { Challenge = RawChallenge, Timestamp = _counter, Source = 0, Codec = Codec, Data = _payload };
            _ = media.TryEncode(_datagram, out var written); // checked once in set-up; the hot loop only sends
            _sender!.SendTo(_datagram.AsSpan(0, written), SocketFlags.None, _relay!);
        }

        _counter = unchecked(_counter + 1);
    }

    /// <summary>
    /// Receives what has arrived on every receiver's socket, reading none beyond <paramref name="sent"/>, and returns
    /// how many packets the slowest receiver has now, and that receiver.
    /// </summary>
    private (long Slowest, Receiver Behind) Drain(long sent)
    {
        var slowest = long.MaxValue;
        var behind = _receivers[0];
        foreach (var receiver in _receivers)
        {
            var count = receiver.Drain(sent, _inbox, _latency);
            if (count < slowest)
            {
                slowest = count;
                behind = receiver;
            }
        }

        return (slowest, behind);
    }

    private string Diagnostics() => _server is { } server
        ? $"Server: {_host!.DatagramsIn} in, {_host.DatagramsOut} out, {server.MemberCount} members ({server.TimedOutMembers} timed out), "
            + $"{server.MediaRelayed} Media relayed, {server.CallMemberCount} in the call, "
            + $"not in call {server.Dropped(DropReason.UnknownSender)}, wrong codec {server.Dropped(DropReason.Inconsistent)}, SIP dropped {server.SipDropped}."
        : "Raw fan-out.";

    /// <summary>
    /// A receiving call member: its socket (non-blocking once the run starts), and in the VCSP runs its
    /// <see cref="ChatClient"/>, which sees every datagram and reports Media here. Counts the sender's packets and
    /// checks that they come in order with nothing missing.
    /// </summary>
    private sealed class Receiver(Socket socket) : ICallEvents, IClientEvents, IDirectMessageEvents
    {
        private uint _expected;
        private bool _raw;
        private LatencyRecorder? _latency;
        private string? _ended;

        public Socket Socket { get; } = socket;

        public ChatClient? Client { get; private set; }

        public long Count { get; private set; }

        private VcspAddress Server { get; set; }

        /// <summary>Creates the member's client: group <paramref name="server"/>, SIP in memory through <paramref name="sip"/>.</summary>
        public void Attach(string name, VcspAddress server, SocketAddress serverSocket, SipRouter sip)
        {
            Server = server;
            var local = (IPEndPoint)Socket.LocalEndPoint!;

            // The member's SIP endpoint is in memory; it is named after the member's own socket, which is unique.
            var callOptions = new CallOptions
            {
                SipEndPoint = local,
                MediaPort = local.Port,
                ServerSipEndPoint = ServerSip,
                Codecs = [Codec],
            };
            Client = new ChatClient(
                new ClientOptions { Server = server, Name = name },
                new SocketSink(Socket, server, serverSocket),
                TimeProvider.System,
                this,
                this,
                callOptions,
                sip.Attach(local, (message, peer) => Client!.ReceiveSip(message, peer)),
                this);
        }

        /// <summary>Set-up only: hands every waiting datagram to the client; returns whether there was any.</summary>
        public bool DeliverSetUp(byte[] buffer)
        {
            var any = false;
            while (true)
            {
                var length = Socket.Receive(buffer, SocketFlags.None, out var error);
                if (error != SocketError.Success)
                {
                    return any;
                }

                any = true;
                Client!.Receive(buffer.AsSpan(0, length), Server);
            }
        }

        public void Start(uint counter, bool raw)
        {
            _expected = counter;
            _raw = raw;
        }

        /// <summary>Reads datagrams until none is waiting or <paramref name="sent"/> packets have been received.</summary>
        public long Drain(long sent, byte[] buffer, LatencyRecorder? latency)
        {
            _latency = latency;
            while (Count < sent)
            {
                var length = Socket.Receive(buffer, SocketFlags.None, out var error);
                if (error != SocketError.Success)
                {
                    if (error != SocketError.WouldBlock)
                    {
                        throw new InvalidOperationException($"A receiver's receive failed: {error}.");
                    }

                    break;
                }

                var datagram = buffer.AsSpan(0, length);
                var before = Count;
                if (_raw)
                {
                    if (Media.TryDecode(datagram, out var media) != VcspDecodeStatus.Ok)
                    {
                        throw new InvalidOperationException($"A receiver got a datagram of {length} bytes that is not Media.");
                    }

                    OnMedia(media.Source, media.Timestamp, media.Codec, media.Data);
                }
                else
                {
                    // The member's client: group address check, call datagram routing, call challenge check, OnMedia.
                    Client!.Receive(datagram, Server);
                }

                if (Count == before)
                {
                    throw new InvalidOperationException(
                        $"A receiver's datagram of {length} bytes (flag 0x{buffer[1]:X2}) was not Media for it{(_ended is null ? string.Empty : "; its call ended: " + _ended)}.");
                }
            }

            return Count;
        }

        public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data)
        {
            if (codec != Codec || data.Length != PayloadSize)
            {
                throw new InvalidOperationException($"A receiver got Media with codec {codec} and {data.Length} bytes.");
            }

            if (timestamp != _expected)
            {
                throw new InvalidOperationException($"A receiver got packet {timestamp} while expecting {_expected}: a datagram was lost on loopback.");
            }

            _latency?.Add(Stopwatch.GetTimestamp() - BinaryPrimitives.ReadInt64LittleEndian(data[StampOffset..]));
            _expected = unchecked(_expected + 1);
            Count++;
        }

        public void OnCallStarted(byte codec, ushort? callChallenge)
        {
        }

        public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs) =>
            throw new InvalidOperationException($"VC-INIT refused: {reason}.");

        public void OnCallEnded(CallEnd end) => _ended = end.ToString();

        public void OnJoined(ReadOnlySpan<byte> groupName)
        {
        }

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
        {
        }

        public void OnClosed(SessionEnd end) => throw new InvalidOperationException($"A member left the group: {end}.");

        public void OnPong(TimeSpan roundTrip)
        {
        }

        public void OnRejoining(int attempt, TimeSpan delay)
        {
        }

        public void OnRelayLost(long datagrams)
        {
        }

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence)
        {
        }

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
        {
        }
    }

    /// <summary>A member client's datagram sink: its own socket, and only ever the group as destination.</summary>
    private sealed class SocketSink(Socket socket, VcspAddress server, SocketAddress serverSocket) : IDatagramSink
    {
        public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination)
        {
            if (destination != server)
            {
                throw new InvalidOperationException($"A member sent to {destination}, not the group.");
            }

            socket.SendTo(datagram, SocketFlags.None, serverSocket);
        }
    }

    /// <summary>
    /// SIP in memory, for the call's set-up (as the runtime tests' <c>InMemorySip</c>): every message is encoded and
    /// parsed again, queued by whichever thread sends it (the server sends from its host's threads) and delivered by
    /// <see cref="Pump"/> on the benchmark's thread, to the server under its host's lock.
    /// </summary>
    private sealed class SipRouter
    {
        private readonly Dictionary<IPEndPoint, Action<SipMessage, SipPeer>> _endpoints = [];
        private readonly ConcurrentQueue<(byte[] Bytes, SipPeer From, IPEndPoint To)> _queue = new();

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
                RawRelay.Check(SipMessage.TryParse(item.Bytes, stream: false, out var message, out _) == SipParseStatus.Ok, "a SIP message did not parse");
                RawRelay.Check(_endpoints.TryGetValue(item.To, out var receive), $"SIP to {item.To}, which is nobody");
                receive!(message!, item.From);
            }

            return any;
        }

        private sealed class Sink(SipRouter router, IPEndPoint local) : ISipSink
        {
            public void Send(SipMessage message, SipPeer peer) =>
                router._queue.Enqueue((message.ToBytes(), new SipPeer(local, peer.Transport), peer.EndPoint));
        }
    }

    /// <summary>
    /// Per-receiver, per-packet latencies (in <see cref="Stopwatch"/> ticks) of the measured iterations only: it
    /// listens to BenchmarkDotNet's engine events and keeps samples between <c>WorkloadActualStart</c> and
    /// <c>WorkloadActualStop</c>, not those of the pilot and warm-up iterations. Preallocated; a ring that keeps the
    /// newest samples should there be more than it holds.
    /// </summary>
    private sealed class LatencyRecorder : EventListener
    {
        private readonly string _method;
        private readonly int[] _samples;
        private long _count;
        private bool _armed;
        private volatile bool _actual;

        public LatencyRecorder(string method, int capacity)
        {
            _method = method;
            _samples = new int[capacity];
        }

        public void Arm() => _armed = _actual;

        public void Disarm() => _armed = false;

        public void Add(long ticks)
        {
            if (_armed)
            {
                _samples[(int)(_count++ % _samples.Length)] = (int)Math.Min(ticks, int.MaxValue);
            }
        }

        /// <summary>Writes p50, p99, p99.9, max and the sample count (µs) to the console and the summary's folder.</summary>
        public void Report(int receivers)
        {
            var count = (int)Math.Min(_count, _samples.Length);
            var sorted = _samples.AsSpan(0, count);
            sorted.Sort();
            string line;
            if (count == 0)
            {
                line = "NA NA NA NA 0";
            }
            else
            {
                line = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Percentile(sorted, 0.50):F1} {Percentile(sorted, 0.99):F1} {Percentile(sorted, 0.999):F1} {Percentile(sorted, 1):F1} {count}");
            }

            Console.WriteLine($"// MediaRelay latency ({_method}, {receivers} receivers) p50 p99 p99.9 max (us), samples: {line}");
            if (Environment.GetEnvironmentVariable(LatencyFolderVariable) is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
                File.WriteAllText(MediaRelayConfig.LatencyFile(folder, _method, receivers), line);
            }
        }

        /// <summary>The nearest-rank percentile <paramref name="p"/> of <paramref name="sorted"/>, in µs.</summary>
        private static double Percentile(ReadOnlySpan<int> sorted, double p) =>
            sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)] * 1e6 / Stopwatch.Frequency;

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == EngineEventSource.SourceName)
            {
                EnableEvents(eventSource, EventLevel.Informational);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventId == EngineEventSource.WorkloadActualStartEventId)
            {
                _actual = true;
            }
            else if (eventData.EventId == EngineEventSource.WorkloadActualStopEventId)
            {
                _actual = false;
            }
        }
    }
}
