using System;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Threading;
using VcspGen.Runtime;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace VcspGen.Fuzz;

/// <summary>
/// The MPEG-TS sender's packet finder (<see cref="TransportStreamSender.SendAsync"/>): the first input byte sets the
/// pipe's buffer size (so packets straddle reads), the rest is the stream. The member is not in a call, so every
/// packet found is refused and counted; nothing throws, and every byte is accounted for: 188 per packet found, the
/// rest discarded.
/// </summary>
internal static class TransportStreamTarget
{
    private static readonly ManualTime Time = new();
    private static readonly UdpHost Host = new(new IPEndPoint(IPAddress.Loopback, 0));
    private static readonly TransportStreamSender Sender = CreateSender();

    public static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var stream = new MemoryStream(input, 1, input.Length - 1, writable: false);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: input[0] + 1, minimumReadSize: 1));
        var result = Sender.SendAsync(reader, CancellationToken.None).GetAwaiter().GetResult();
        FuzzInvariantException.Check(result.PacketsSent == 0, $"{result.PacketsSent} packet(s) sent outside a call");
        var accounted = ((result.PacketsSent + result.PacketsRefused) * TransportStreamSender.PacketSize) + result.BytesDiscarded;
        FuzzInvariantException.Check(accounted == input.Length - 1, $"{accounted} of {input.Length - 1} bytes accounted for ({result})");
    }

    private static TransportStreamSender CreateSender()
    {
        var server = VcspAddress.IPv4([127, 0, 0, 1], 50429);
        var session = new ClientSession(new ClientOptions { Server = server, Name = "fuzz" }, NullSink.Instance, Time, NullEvents.Instance);
        var options = new CallOptions { SipEndPoint = new IPEndPoint(IPAddress.Loopback, 5060) };
        var call = new MemberCall(session, options, NullSink.Instance, NullSink.Instance, Time, NullEvents.Instance);
        return new TransportStreamSender(Host, call, Time, realTime: false);
    }
}

/// <summary>
/// The client's handling of its relay stream (<see cref="ClientSession.Receive"/> into the relay stream, PROTOCOL.md
/// §7.5, §8.5): a session joined at relay number 1000 takes a sequence of records from the input, each a 2-byte
/// big-endian length and that many bytes of a datagram from the server, or the length 0xFFFF and one byte, which
/// advances the clock by that many times 10 ms and polls (so repairs and give-ups run). Nothing throws.
/// </summary>
internal static class RelayTarget
{
    /// <summary>The challenge the server gives the fuzzed member (seeds carry it).</summary>
    public const ushort Challenge = 0x1234;

    /// <summary>The relay number the stream starts at (seeds count from it).</summary>
    public const uint RelayStart = 1000;

    private static readonly VcspAddress Server = VcspAddress.IPv4([127, 0, 0, 1], 50429);

    public static void Run(byte[] input)
    {
        var time = new ManualTime();
        var sink = new FirstJoinSink();
        var session = new ClientSession(new ClientOptions { Server = Server, Name = "alice" }, sink, time, NullEvents.Instance);
        Join(session, sink.JoinSequence(session));
        var rest = input.AsSpan();
        while (rest.Length >= 2)
        {
            var length = (rest[0] << 8) | rest[1];
            rest = rest[2..];
            if (length == 0xFFFF)
            {
                if (rest.IsEmpty)
                {
                    break;
                }

                time.Advance(TimeSpan.FromMilliseconds(rest[0] * 10));
                rest = rest[1..];
                session.Poll();
                continue;
            }

            var datagram = rest[..Math.Min(length, rest.Length)];
            rest = rest[datagram.Length..];
            session.Receive(datagram, Server);
        }

        session.Poll();
        _ = session.NextPollDelay();
    }

    private static void Join(ClientSession session, uint s0)
    {
        var buffer = new byte[VcspWire.TextDatagramLimit];
        var response = new Response { Challenge = Challenge, Sequence = s0, InReplyTo = ResponseTo.JoinRequest, Server = Server, GroupName = "lobby"u8 };
        FuzzInvariantException.Check(response.TryEncode(buffer, out var n) == VcspEncodeStatus.Ok, "the Response does not encode");
        session.Receive(buffer.AsSpan(0, n), Server);
        var ack = new Ack { Challenge = Challenge, Sequence = unchecked(s0 + 1), RelayNext = RelayStart, Window = 128 };
        FuzzInvariantException.Check(ack.TryEncode(buffer, out n) == VcspEncodeStatus.Ok, "the Ack does not encode");
        session.Receive(buffer.AsSpan(0, n), Server);
        FuzzInvariantException.Check(session.State == ClientState.Member, $"the join did not complete: {session.State}");
    }

    /// <summary>Drops what the session sends, after noting the sequence number of its JoinRequest.</summary>
    private sealed class FirstJoinSink : IDatagramSink
    {
        private uint? _join;

        public uint JoinSequence(ClientSession session)
        {
            session.Join();
            return _join ?? throw new FuzzInvariantException("the session sent no JoinRequest");
        }

        public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination)
        {
            if (_join is null && datagram.Length > 1 && datagram[1] == JoinRequest.Flag && JoinRequest.TryDecode(datagram, out var join) == VcspDecodeStatus.Ok)
            {
                _join = join.Sequence;
            }
        }
    }
}

/// <summary>A clock that moves only when told.</summary>
internal sealed class ManualTime : TimeProvider
{
    private long _ticks = TimeSpan.TicksPerDay;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public override DateTimeOffset GetUtcNow() => new(_ticks, TimeSpan.Zero);

    public void Advance(TimeSpan by) => _ticks += by.Ticks;
}

/// <summary>Sends nothing anywhere.</summary>
internal sealed class NullSink : IDatagramSink, ISipSink
{
    public static readonly NullSink Instance = new();

    public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination)
    {
    }

    public void Send(SipMessage message, SipPeer peer)
    {
    }
}

/// <summary>Hears every event and keeps none.</summary>
internal sealed class NullEvents : IClientEvents, ICallEvents
{
    public static readonly NullEvents Instance = new();

    public void OnJoined(ReadOnlySpan<byte> groupName)
    {
    }

    public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
    {
    }

    public void OnClosed(SessionEnd end)
    {
    }

    public void OnPong(TimeSpan roundTrip)
    {
    }

    public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
    {
    }

    public void OnRelayLost(long datagrams)
    {
    }

    public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence)
    {
    }

    public void OnRejoining(int attempt, TimeSpan delay)
    {
    }

    public void OnCallStarted(byte codec, ushort? callChallenge)
    {
    }

    public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs)
    {
    }

    public void OnCallEnded(CallEnd end)
    {
    }

    public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data)
    {
    }
}
