using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using VcspGen.Runtime;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>
/// Group-message relay throughput over real UDP on loopback (issue 4): one sender, <see cref="Members"/> receiving
/// members, and a relay between them, either the VCSP <see cref="GroupServer"/> on a <see cref="UdpHost"/> or the
/// raw baseline, one thread that receives each datagram and sends it on to every member with the
/// <see cref="SocketAddress"/> overloads and does nothing else.
/// </summary>
/// <remarks>
/// <para>
/// An invocation sends <see cref="MessagesPerInvoke"/> whole SYN datagrams with consecutive sequence numbers and
/// ends when every member has received all of them, so the reported time is per message (one datagram in, and
/// <see cref="Members"/> datagrams out, per message). Sending and receiving share the benchmark's thread, so on a
/// 2-core machine the relay has the other core.
/// </para>
/// <para>
/// The VCSP members follow the group delivery of PROTOCOL.md §7.5 and §7.6 (issue 12). In <c>[GlobalSetup]</c> each
/// joins with a JoinRequest padded to <see cref="JoinRequest.PaddedSize"/> bytes, reads its Response, confirms with
/// <c>Ack { Sequence = s0 + 1, Flags = ReplyRequested }</c> (§8.1 step 6) and reads the server's Ack, whose
/// <see cref="Ack.RelayNext"/> is where its own relay stream starts and whose <see cref="Ack.Window"/> is the sender's
/// first window. In the measured loop each receiver counts the Msgs it takes in order by its own relay number (a Msg's
/// Sequence is the receiver's, not the sender's), and after every <see cref="AckEvery"/> it sends the server an Ack
/// (its next group sequence, the next relay number it expects, Window 256, no ReplyRequested), which releases the
/// relay log: that is part of what the protocol costs, so it is measured. The sender never sends a Syn at or past
/// <c>Sequence + Window</c> of the newest Ack the server sent it; it reads those Acks whenever the window holds it
/// back, and at the end of every invocation. An Ack to the sender is normal; an Error is not, and throws.
/// </para>
/// <para>
/// The raw relay knows no protocol: its members count the sender's own sequence numbers and send nothing, and its
/// sender has no window but the one below. Otherwise the sender, the members and the flow control are the same code
/// for both relays.
/// </para>
/// <para>
/// Flow control, for both: message <c>i</c> is sent only once every member has received message
/// <c>i - <see cref="Window"/></c>, on top of the server's window for VCSP. No socket ever holds more than
/// <see cref="Window"/> datagrams, which keeps loopback from dropping, and the relay log (4,096 datagrams) never fills,
/// so no member is ever skipped. If a datagram is lost anyway, the receiver that sees the gap throws, and an invocation
/// without progress for <see cref="Patience"/> throws with the server's counters rather than hang or report a wrong
/// number; so does a member that gets more datagrams than were sent, or anything but a Msg or an Ack.
/// </para>
/// <para>
/// The group's <see cref="GroupOptions.RelayQuiet"/> is zero: the suite measures what relaying costs, not the
/// protocol's deliberate 100 ms of sender silence, which would otherwise add about 100 ms to the end of every
/// invocation. With no quiet window a whole message is relayed straight from the receive path.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(RelayThroughputConfig))]
public class RelayThroughput
{
    /// <summary>Messages one invocation sends.</summary>
    public const int MessagesPerInvoke = 8192;

    /// <summary>How many messages may be on their way (sent, not yet received by every member).</summary>
    public const int Window = 128;

    /// <summary>After how many Msgs taken a VCSP member acknowledges its relay stream (PROTOCOL.md §7.6).</summary>
    public const int AckEvery = 32;

    /// <summary>What a member's Ack says it can hold past its RelayNext (informative, PROTOCOL.md §8.20).</summary>
    private const ushort MemberWindow = 256;

    private const int PollMicroseconds = 100_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly byte[] Text = Encoding.UTF8.GetBytes(new string('m', 64));
    private static readonly byte[] JoinPadding = new byte[JoinRequest.PaddedSize];

    private readonly byte[] _datagram = new byte[VcspWire.TextDatagramLimit];
    private readonly byte[] _inbox = new byte[2048];
    private Socket? _sender;
    private SocketAddress? _relay;
    private Receiver[] _receivers = [];
    private ushort _challenge;
    private uint _sequence;
    private long _delivered;

    // The sender's window (VCSP only): one past the last Syn sequence the newest server Ack allows.
    private bool _windowed;
    private uint _windowEnd;
    private long _senderAcks;

    private Socket? _rawSocket;
    private Thread? _rawThread;

    private UdpHost? _host;
    private GroupServer? _server;
    private CancellationTokenSource? _stop;
    private Task? _hostRun;

    /// <summary>How many members receive each message (the sender is not counted).</summary>
    [Params(1, 8, 32)]
    public int Members { get; set; }

    /// <summary>Sockets and a fan-out thread for <see cref="RawFanOut"/>.</summary>
    [GlobalSetup(Target = nameof(RawFanOut))]
    public void SetUpRaw()
    {
        _sender = RawRelay.NewSocket();
        _receivers = new Receiver[Members];
        var targets = new SocketAddress[Members];
        for (var k = 0; k < Members; k++)
        {
            // The raw relay forwards the sender's Syn unchanged: its members count the sender's sequence numbers.
            _receivers[k] = Receiver.Raw(RawRelay.NewSocket(), _sequence);
            targets[k] = _receivers[k].Socket.LocalEndPoint!.Serialize();
        }

        var relay = RawRelay.NewSocket();
        _rawSocket = relay;
        _relay = relay.LocalEndPoint!.Serialize();
        _rawThread = new Thread(() => RawRelay.FanOut(relay, targets)) { IsBackground = true, Name = "raw fan-out" };
        _rawThread.Start();
        StartReceiving();
    }

    /// <summary>
    /// A group server on a UDP host, with the members and the sender joined and confirmed (each member knows where its
    /// relay stream starts, the sender has its first window), for <see cref="VcspRelay"/>.
    /// </summary>
    [GlobalSetup(Target = nameof(VcspRelay))]
    public void SetUpVcsp()
    {
        _host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
        _server = new GroupServer(
            new GroupOptions { Name = "bench", Address = _host.LocalAddress, RelayQuiet = TimeSpan.Zero, MaxMembers = Members + 1 },
            _host,
            TimeProvider.System);
        _stop = new CancellationTokenSource();
        _hostRun = _host.RunAsync(_server, TimeProvider.System, _stop.Token);
        _relay = _host.LocalEndPoint.Serialize();

        _receivers = new Receiver[Members];
        for (var k = 0; k < Members; k++)
        {
            var socket = RawRelay.NewSocket();
            var joined = Join(socket, "member" + k);
            _receivers[k] = Receiver.Member(socket, joined.Challenge, joined.NextSequence, joined.Confirmation.RelayNext, _relay);
        }

        _sender = RawRelay.NewSocket();
        var sender = Join(_sender, "sender");
        _challenge = sender.Challenge;
        _sequence = sender.NextSequence;
        _windowed = true;
        OnServerAck(sender.Confirmation);
        RawRelay.Check(_server.MemberCount == Members + 1, $"{_server.MemberCount} members joined, expected {Members + 1}");
        RawRelay.Check(InWindow(), $"the sender's first window is empty: {Diagnostics()}");
        StartReceiving();
    }

    /// <summary>Stops the relay and closes every socket.</summary>
    [GlobalCleanup]
    public void CleanUp()
    {
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

    /// <summary>The baseline: one thread receives each datagram and sends it on to every member.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = MessagesPerInvoke)]
    public void RawFanOut() => SendAndAwaitDelivery();

    /// <summary>
    /// The VCSP group server relays each SYN as a MSG to every other member; the members acknowledge every
    /// <see cref="AckEvery"/> Msgs and the sender keeps within the server's window.
    /// </summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public void VcspRelay() => SendAndAwaitDelivery();

    /// <summary>
    /// Joins as <paramref name="name"/> (PROTOCOL.md §8.1): a padded JoinRequest, its Response, then the confirmation
    /// Ack with ReplyRequested and the server's Ack that makes it a member.
    /// </summary>
    /// <returns>Its challenge, the Sequence of its first Syn, and the server's answer to its confirmation.</returns>
    private (ushort Challenge, uint NextSequence, Ack Confirmation) Join(Socket socket, string name)
    {
        var first = (uint)Random.Shared.Next();
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var server = _host!.LocalAddress;
        var unpadded = VcspWire.TextHeaderSize + server.EncodedSize + 1 + nameBytes.Length;
        var request = new JoinRequest
        {
            Challenge = VcspChallenge.FirstContact,
            Sequence = first,
            Server = server,
            Name = nameBytes,
            Padding = JoinPadding.AsSpan(0, Math.Max(0, JoinRequest.PaddedSize - unpadded)),
        };
        RawRelay.Check(request.TryEncode(_datagram, out var written) == VcspEncodeStatus.Ok, "a join request did not encode");
        RawRelay.Check(written >= JoinRequest.PaddedSize, $"{name}'s join request is {written} bytes, not padded to {JoinRequest.PaddedSize}");
        socket.SendTo(_datagram.AsSpan(0, written), SocketFlags.None, _host.LocalEndPoint);

        socket.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        var received = socket.Receive(_inbox);
        RawRelay.Check(Response.TryDecode(_inbox.AsSpan(0, received), out var response) == VcspDecodeStatus.Ok, $"{name}'s join was not answered with a Response (flag 0x{_inbox[VcspWire.FlagOffset]:X2})");
        RawRelay.Check(response.InReplyTo == ResponseTo.JoinRequest && response.Sequence == first, $"{name} got a Response to something else");
        var challenge = response.Challenge;
        var next = unchecked(first + 1);

        // Confirmation (address validation): only now does the client become a member and get a relay stream.
        var confirm = new Ack { Challenge = challenge, Sequence = next, RelayNext = 0, Window = MemberWindow, Flags = AckFlags.ReplyRequested };
        RawRelay.Check(confirm.TryEncode(_datagram, out written) == VcspEncodeStatus.Ok, "a confirmation did not encode");
        socket.SendTo(_datagram.AsSpan(0, written), SocketFlags.None, _host.LocalEndPoint);
        received = socket.Receive(_inbox);
        RawRelay.Check(Ack.TryDecode(_inbox.AsSpan(0, received), out var answer) == VcspDecodeStatus.Ok, $"{name}'s confirmation was not answered with an Ack (flag 0x{_inbox[VcspWire.FlagOffset]:X2})");
        RawRelay.Check(answer.Challenge == challenge && answer.Sequence == next, $"{name}'s confirmation was answered with Ack Sequence {answer.Sequence}, expected {next}");
        return (challenge, next, answer);
    }

    private void StartReceiving()
    {
        _sender!.Blocking = false;
        foreach (var receiver in _receivers)
        {
            receiver.Socket.Blocking = false;
        }
    }

    /// <summary>Whether the server's window allows the sender's next Syn (always, for the raw relay).</summary>
    private bool InWindow() => !_windowed || unchecked((int)(_windowEnd - _sequence)) > 0;

    /// <summary>An Ack from the server to the sender: its window is now <c>Sequence + Window</c> (PROTOCOL.md §7.6).</summary>
    private void OnServerAck(in Ack ack)
    {
        _windowEnd = unchecked(ack.Sequence + ack.Window);
        _senderAcks++;
    }

    /// <summary>
    /// Sends <see cref="MessagesPerInvoke"/> messages through the relay, at most <see cref="Window"/> ahead of the
    /// slowest member and, for VCSP, within the server's window, and returns when every member has received every one.
    /// </summary>
    private void SendAndAwaitDelivery()
    {
        var sender = _sender!;
        var relay = _relay!;
        var end = _delivered + MessagesPerInvoke;
        var sent = _delivered;
        var slowest = _delivered;
        var progressAt = Stopwatch.GetTimestamp();
        while (true)
        {
            var limit = Math.Min(end, slowest + Window);
            if (sent < limit && !InWindow())
            {
                ReadSender(); // the window is used up: the Acks that move it may be waiting
            }

            while (sent < limit && InWindow())
            {
                var syn = new Syn { Challenge = _challenge, Sequence = _sequence, FragmentOffset = VcspWire.WholeMessage, Data = Text };
                _ = syn.TryEncode(_datagram, out var written); // always Ok: a fixed short text
                sender.SendTo(_datagram.AsSpan(0, written), SocketFlags.None, relay);
                _sequence = unchecked(_sequence + 1);
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

            // Nothing new. Every member has everything sent: the server's window holds the sender back, and its next
            // Ack comes to the sender's socket. Otherwise the slowest member's socket has to move for the window to move.
            var waitOn = now == sent ? sender : behind.Socket;
            if (!waitOn.Poll(PollMicroseconds, SelectMode.SelectRead) && Stopwatch.GetElapsedTime(progressAt) > Patience)
            {
                throw new InvalidOperationException(
                    $"No progress for {Patience.TotalSeconds} s: the slowest of {Members} members has {now} of {end} datagrams, {sent} were sent; "
                    + $"a datagram was lost on loopback, or the window did not open. {Diagnostics()}");
            }
        }

        // Acks are what the server sends the sender now; anything else (an Error) means the run went wrong.
        ReadSender();
        _delivered = end;
    }

    /// <summary>Reads what the server sent the sender: Acks move its window; anything else throws.</summary>
    private void ReadSender()
    {
        var sender = _sender!;
        while (true)
        {
            var length = sender.Receive(_inbox, SocketFlags.None, out var error);
            if (error != SocketError.Success)
            {
                if (error != SocketError.WouldBlock)
                {
                    throw new InvalidOperationException($"The sender's receive failed: {error}.");
                }

                return;
            }

            var datagram = _inbox.AsSpan(0, length);
            if (_windowed && Ack.TryDecode(datagram, out var ack) == VcspDecodeStatus.Ok && ack.Challenge == _challenge)
            {
                OnServerAck(ack);
                continue;
            }

            if (Error.TryDecode(datagram, out var failure) == VcspDecodeStatus.Ok)
            {
                throw new InvalidOperationException(
                    $"The sender got Error {failure.Code} (Sequence {failure.Sequence}, Expected {failure.Expected}). {Diagnostics()}");
            }

            throw new InvalidOperationException($"The sender got a datagram of {length} bytes with flag 0x{_inbox[VcspWire.FlagOffset]:X2}. {Diagnostics()}");
        }
    }

    /// <summary>
    /// Receives what has arrived on every member's socket, reading none beyond <paramref name="sent"/>, and returns
    /// how many datagrams the slowest member has now, and that member.
    /// </summary>
    private (long Slowest, Receiver Behind) Drain(long sent)
    {
        var slowest = long.MaxValue;
        var behind = _receivers[0];
        foreach (var receiver in _receivers)
        {
            var count = receiver.Drain(sent, _inbox);
            if (count < slowest)
            {
                slowest = count;
                behind = receiver;
            }
        }

        return (slowest, behind);
    }

    private string Diagnostics()
    {
        if (_server is not { } server)
        {
            return "Raw fan-out.";
        }

        var slowest = _receivers[0];
        foreach (var receiver in _receivers)
        {
            slowest = receiver.Count < slowest.Count ? receiver : slowest;
        }

        return $"Server: {_host!.DatagramsIn} in, {_host.DatagramsOut} out, {server.MemberCount} members, relay log {server.RelayLogCount}, "
            + $"skipped {server.SkippedDatagrams}, timed out {server.TimedOutMembers}, out of order {server.Dropped(DropReason.OutOfOrder)}, "
            + $"duplicates {server.Dropped(DropReason.Duplicate)}, unknown sender {server.Dropped(DropReason.UnknownSender)}. "
            + $"Sender: next Syn {_sequence}, window ends at {_windowEnd}, {_senderAcks} Acks received. "
            + $"Slowest member: {slowest.Count} taken, expects relay number {slowest.Expected}, {slowest.AcksSent} Acks sent, {slowest.Repeats} repeats.";
    }

    /// <summary>
    /// A member's socket (non-blocking once the run starts), how many of the sender's messages it has received, and the
    /// number it expects next: for VCSP its own relay number, which starts where the server's answer to its confirmation
    /// said; for the raw relay the sender's sequence number. A datagram with an older number is a repeat (the server
    /// sends a lost tail again when an Ack shows one, PROTOCOL.md §7.6, which a clean run never does) and is not
    /// counted; a newer one means a datagram was lost, and throws.
    /// </summary>
    private sealed class Receiver
    {
        private readonly byte _flag;
        private readonly SocketAddress? _relay;
        private readonly byte[] _ack = new byte[VcspWire.TextDatagramLimit];
        private readonly ushort _challenge;
        private readonly uint _nextSequence;
        private int _sinceAck;

        private Receiver(Socket socket, byte flag, uint expected, SocketAddress? relay, ushort challenge, uint nextSequence)
        {
            Socket = socket;
            _flag = flag;
            Expected = expected;
            _relay = relay;
            _challenge = challenge;
            _nextSequence = nextSequence;
        }

        public Socket Socket { get; }

        public long Count { get; private set; }

        public long Repeats { get; private set; }

        /// <summary>The number of the next datagram it takes.</summary>
        public uint Expected { get; private set; }

        public long AcksSent { get; private set; }

        /// <summary>A member of the raw relay: Syns, numbered from the sender's <paramref name="first"/>; never answers.</summary>
        public static Receiver Raw(Socket socket, uint first) => new(socket, Syn.Flag, first, relay: null, challenge: 0, nextSequence: 0);

        /// <summary>
        /// A confirmed VCSP member: Msgs, numbered in its relay stream from <paramref name="relayStart"/>; it acknowledges
        /// every <see cref="AckEvery"/> to <paramref name="relay"/> with its <paramref name="challenge"/> and next group
        /// sequence (it sends no Syn, so that stays <paramref name="nextSequence"/>).
        /// </summary>
        public static Receiver Member(Socket socket, ushort challenge, uint nextSequence, uint relayStart, SocketAddress relay) =>
            new(socket, Msg.Flag, relayStart, relay, challenge, nextSequence);

        /// <summary>Reads datagrams until none is waiting or <paramref name="sent"/> messages have been received.</summary>
        public long Drain(long sent, byte[] buffer)
        {
            while (Count < sent)
            {
                var length = Socket.Receive(buffer, SocketFlags.None, out var error);
                if (error != SocketError.Success)
                {
                    if (error != SocketError.WouldBlock)
                    {
                        throw new InvalidOperationException($"A member's receive failed: {error}.");
                    }

                    break;
                }

                if (length < VcspWire.TextHeaderSize || buffer[VcspWire.FlagOffset] != _flag)
                {
                    Other(buffer.AsSpan(0, length));
                    continue;
                }

                var sequence = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(VcspWire.TextSequenceOffset));
                if (sequence == Expected)
                {
                    Expected = unchecked(Expected + 1);
                    Count++;
                    if (_relay is not null && ++_sinceAck == AckEvery)
                    {
                        SendAck();
                    }
                }
                else if (unchecked((int)(sequence - Expected)) < 0)
                {
                    Repeats++;
                }
                else
                {
                    throw new InvalidOperationException($"A member got relay number {sequence} while expecting {Expected}: a datagram was lost on loopback.");
                }
            }

            return Count;
        }

        /// <summary>Acknowledges the relay stream up to <see cref="Expected"/> (PROTOCOL.md §7.6, item 2 of "From a member").</summary>
        private void SendAck()
        {
            _sinceAck = 0;
            var ack = new Ack { Challenge = _challenge, Sequence = _nextSequence, RelayNext = Expected, Window = MemberWindow, Flags = AckFlags.None };
            _ = ack.TryEncode(_ack, out var written); // always Ok: fixed size
            Socket.SendTo(_ack.AsSpan(0, written), SocketFlags.None, _relay!);
            AcksSent++;
        }

        /// <summary>A datagram that is not the relayed kind: an Ack from the server is allowed (VCSP only); anything else throws.</summary>
        private void Other(ReadOnlySpan<byte> datagram)
        {
            if (_relay is not null && Ack.TryDecode(datagram, out var ack) == VcspDecodeStatus.Ok && ack.Challenge == _challenge)
            {
                return; // a window offer: a member that sends no Syn has no use for it
            }

            if (_relay is not null && Error.TryDecode(datagram, out var failure) == VcspDecodeStatus.Ok)
            {
                throw new InvalidOperationException($"A member got Error {failure.Code} (Sequence {failure.Sequence}, Expected {failure.Expected}).");
            }

            throw new InvalidOperationException(
                $"A member got a datagram of {datagram.Length} bytes with flag 0x{(datagram.Length > VcspWire.FlagOffset ? datagram[VcspWire.FlagOffset] : 0):X2}.");
        }
    }
}
