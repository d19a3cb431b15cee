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
/// <see cref="Members"/> datagrams out, per message). The sender, the members and the flow control are the same
/// code for both relays; only the relay differs. Sending and receiving share the benchmark's thread, so on a
/// 2-core machine the relay has the other core.
/// </para>
/// <para>
/// Flow control is a window: message <c>i</c> is sent only once every member has received message
/// <c>i - <see cref="Window"/></c>. No socket ever holds more than <see cref="Window"/> datagrams, which keeps
/// loopback from dropping (a lost SYN would make the server answer OutOfOrder and drop every later one). If a
/// datagram is lost anyway, the invocation throws after <see cref="Patience"/> without progress rather than hang
/// or report a wrong number; it also throws if a member gets more datagrams than were sent or the sender gets any.
/// </para>
/// <para>
/// The group's <see cref="GroupOptions.RelayQuiet"/> is zero: the suite measures what relaying costs, not the
/// protocol's deliberate 100 ms of sender silence, which would otherwise add about 100 ms to the end of every
/// invocation. With continuous sending, messages are relayed by the full-queue path
/// (<see cref="GroupOptions.MaxPendingPerMember"/>, 16) either way; the window is well above 16 so the sender
/// never waits on a queue that is only relayed when the host's poll loop next wakes.
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

    private const int PollMicroseconds = 100_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly byte[] Text = Encoding.UTF8.GetBytes(new string('m', 64));

    private readonly byte[] _datagram = new byte[VcspWire.TextDatagramLimit];
    private readonly byte[] _inbox = new byte[2048];
    private Socket? _sender;
    private SocketAddress? _relay;
    private Receiver[] _receivers = [];
    private ushort _challenge;
    private uint _sequence;
    private long _delivered;

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
            _receivers[k] = new Receiver(RawRelay.NewSocket(), Syn.Flag);
            targets[k] = _receivers[k].Socket.LocalEndPoint!.Serialize();
        }

        var relay = RawRelay.NewSocket();
        _rawSocket = relay;
        _relay = relay.LocalEndPoint!.Serialize();
        _rawThread = new Thread(() => RawRelay.FanOut(relay, targets)) { IsBackground = true, Name = "raw fan-out" };
        _rawThread.Start();
        StartReceiving();
    }

    /// <summary>A group server on a UDP host, with the members and the sender joined, for <see cref="VcspRelay"/>.</summary>
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
            _receivers[k] = new Receiver(RawRelay.NewSocket(), Msg.Flag);
            Join(_receivers[k].Socket, "member" + k);
        }

        _sender = RawRelay.NewSocket();
        (_challenge, _sequence) = Join(_sender, "sender");
        RawRelay.Check(_server.MemberCount == Members + 1, $"{_server.MemberCount} members joined, expected {Members + 1}");
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

    /// <summary>The VCSP group server relays each SYN as a MSG to every other member.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public void VcspRelay() => SendAndAwaitDelivery();

    private (ushort Challenge, uint NextSequence) Join(Socket socket, string name)
    {
        var first = (uint)Random.Shared.Next();
        var request = new JoinRequest
        {
            Challenge = VcspChallenge.FirstContact,
            Sequence = first,
            Server = _host!.LocalAddress,
            Name = Encoding.UTF8.GetBytes(name),
        };
        RawRelay.Check(request.TryEncode(_datagram, out var written) == VcspEncodeStatus.Ok, "a join request did not encode");
        socket.SendTo(_datagram.AsSpan(0, written), SocketFlags.None, _host.LocalEndPoint);

        socket.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        var received = socket.Receive(_inbox);
        RawRelay.Check(Response.TryDecode(_inbox.AsSpan(0, received), out var response) == VcspDecodeStatus.Ok, $"{name}'s join was not answered with a Response");
        RawRelay.Check(response.InReplyTo == ResponseTo.JoinRequest && response.Sequence == first, $"{name} got a Response to something else");
        return (response.Challenge, unchecked(first + 1));
    }

    private void StartReceiving()
    {
        _sender!.Blocking = false;
        foreach (var receiver in _receivers)
        {
            receiver.Socket.Blocking = false;
            receiver.ExpectFrom(_sequence);
        }
    }

    /// <summary>
    /// Sends <see cref="MessagesPerInvoke"/> messages through the relay, at most <see cref="Window"/> ahead of the
    /// slowest member, and returns when every member has received every one.
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
            while (sent < limit)
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

            // Nothing new: wait for the slowest member's socket, which has to move for the window to move.
            if (!behind.Socket.Poll(PollMicroseconds, SelectMode.SelectRead) && Stopwatch.GetElapsedTime(progressAt) > Patience)
            {
                throw new InvalidOperationException(
                    $"No progress for {Patience.TotalSeconds} s: the slowest of {Members} members has {now} of {end} datagrams; "
                    + $"a datagram was lost on loopback. {Diagnostics()}");
            }
        }

        // The server answers a member's Syn only when something is wrong (an Error).
        if (sender.Available != 0)
        {
            throw new InvalidOperationException($"The sender got a reply (an Error?). {Diagnostics()}");
        }
        _delivered = end;
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

    private string Diagnostics() => _server is { } server
        ? $"Server: {_host!.DatagramsIn} in, {_host.DatagramsOut} out, out of order {server.Dropped(DropReason.OutOfOrder)}, unknown sender {server.Dropped(DropReason.UnknownSender)}."
        : "Raw fan-out.";

    /// <summary>
    /// A member's socket (non-blocking once the run starts), how many of the sender's messages it has received, and
    /// the sequence number it expects next. A datagram with an older sequence number is a repeat (the server sends a
    /// burst's last datagram again after 250 and 750 ms of quiet, which happens between iterations) and is not
    /// counted; a newer one means a datagram was lost.
    /// </summary>
    private sealed class Receiver(Socket socket, byte flag)
    {
        private uint _expected;

        public Socket Socket { get; } = socket;

        public long Count { get; private set; }

        public long Repeats { get; private set; }

        public void ExpectFrom(uint sequence) => _expected = sequence;

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

                if (length < VcspWire.TextHeaderSize || buffer[VcspWire.FlagOffset] != flag)
                {
                    throw new InvalidOperationException($"A member got a datagram of {length} bytes with flag 0x{buffer[VcspWire.FlagOffset]:X2}.");
                }

                var sequence = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(VcspWire.TextSequenceOffset));

                if (sequence == _expected)
                {
                    _expected = unchecked(_expected + 1);
                    Count++;
                }
                else if (unchecked((int)(sequence - _expected)) < 0)
                {
                    Repeats++;
                }
                else
                {
                    throw new InvalidOperationException($"A member got sequence {sequence} while expecting {_expected}: a datagram was lost on loopback.");
                }
            }

            return Count;
        }
    }
}
