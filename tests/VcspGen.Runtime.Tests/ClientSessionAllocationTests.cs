using System;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// A member's steady state allocates nothing: sending (held, windowed), resending, receiving the relay stream in order
/// and out of order (held ahead of a hole, asked for, taken), a fragmented relayed message, the Ack every 32 datagrams,
/// the server's Acks, the keepalive, and a PING with its Pong.
/// </summary>
public sealed class ClientSessionAllocationTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50433);

    [Fact]
    public void SendingReceivingAndAcknowledgingInSteadyStateAllocatesNothing()
    {
        var time = new ManualTimeProvider();
        var sink = new LastDatagramSink();
        var session = new ClientSession(new ClientOptions { Server = Group, Name = "alice" }, sink, time, new SilentEvents());
        session.Join();
        Assert.Equal(VcspDecodeStatus.Ok, JoinRequest.TryDecode(sink.Last, out var join));
        const ushort Challenge = 0x1234;
        const uint RelayStart = 7000;
        session.Receive(Encode(new Response { Challenge = Challenge, Sequence = join.Sequence, InReplyTo = ResponseTo.JoinRequest, Server = Group, GroupName = "lobby"u8 }), Group);
        session.Receive(Encode(new Ack { Challenge = Challenge, Sequence = join.Sequence + 1, RelayNext = RelayStart, Window = 128 }), Group);
        Assert.Equal(ClientState.Member, session.State);

        // Each round's relayed datagrams, pre-encoded: a whole message, then a two-fragment one, then a whole one that
        // comes before the fragments (held ahead of the hole, which is asked for).
        const int Rounds = 200;
        const int PerRound = 4;
        var msgs = new byte[Rounds * PerRound][];
        for (var r = 0; r < Rounds; r++)
        {
            var n = RelayStart + (uint)(r * PerRound);
            msgs[r * PerRound] = Encode(new Msg { Challenge = VcspChallenge.None, Sequence = n, Sender = "bob"u8, Data = "steady state"u8 });
            msgs[(r * PerRound) + 1] = Encode(new Msg { Challenge = VcspChallenge.None, Sequence = n + 3, Sender = "bob"u8, Data = "ahead"u8 });
            msgs[(r * PerRound) + 2] = Encode(new Msg { Challenge = VcspChallenge.None, Sequence = n + 1, FragmentOffset = 1, Sender = "bob"u8, Data = "two "u8 });
            msgs[(r * PerRound) + 3] = Encode(new Msg { Challenge = VcspChallenge.None, Sequence = n + 2, FragmentOffset = VcspWire.FinalFragment, Sender = "bob"u8, Data = "pieces"u8 });
        }

        var ack = new byte[Ack.MaxDatagramSize];
        var pong = new byte[Pong.MaxDatagramSize];
        var resend = new byte[ResendRequest.MaxDatagramSize];
        var delivered = 0L;
        void RunRound(int r)
        {
            Sent(session.TrySend("a message of mine, long enough to take two Syn datagrams of a hundred and sixteen bytes each, or so it is hoped here"u8));
            Decoded(Syn.TryDecode(sink.Last, out var syn));
            Encoded(new ResendRequest { Challenge = Challenge, Sequence = syn.Sequence - 1, Count = 2 }.TryEncode(resend, out var resendLength));
            session.Receive(resend.AsSpan(0, resendLength), Group);
            Encoded(new Ack { Challenge = Challenge, Sequence = syn.Sequence + 1, RelayNext = RelayStart, Window = 128 }.TryEncode(ack, out var ackLength));
            session.Receive(ack.AsSpan(0, ackLength), Group); // the server acknowledges both Syn datagrams
            for (var i = 0; i < PerRound; i++)
            {
                session.Receive(msgs[(r * PerRound) + i], Group);
            }

            if (r % 10 == 0)
            {
                session.Ping();
                Decoded(Ping.TryDecode(sink.Last, out var ping));
                Encoded(new Pong { Challenge = Challenge, Sequence = ping.Sequence, Timestamp = ping.Timestamp }.TryEncode(pong, out var pongLength));
                session.Receive(pong.AsSpan(0, pongLength), Group);
            }

            time.Advance(TimeSpan.FromSeconds(4)); // a keepalive every few rounds
            _ = session.NextPollDelay();
            session.Poll();
            _ = session.NextPollDelay();
            delivered = SilentEvents.Messages;
        }

        for (var r = 0; r < 20; r++)
        {
            RunRound(r); // warm-up: JIT, pools
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 20; r < Rounds; r++)
        {
            RunRound(r);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(Rounds * 3, delivered);
        Assert.Equal(0, session.LostDatagrams);
        Assert.Equal(0, session.AbandonedMessages);
        Assert.Equal(ClientState.Member, session.State);
    }

    // Checks that allocate nothing, for the measured loop.
    private static void Sent(bool sent)
    {
        if (!sent)
        {
            throw new InvalidOperationException("TrySend refused the message.");
        }
    }

    private static void Decoded(VcspDecodeStatus status)
    {
        if (status != VcspDecodeStatus.Ok)
        {
            throw new InvalidOperationException("The session sent something else.");
        }
    }

    private static void Encoded(VcspEncodeStatus status)
    {
        if (status != VcspEncodeStatus.Ok)
        {
            throw new InvalidOperationException("The test's packet did not encode.");
        }
    }

    /// <summary>Keeps a copy of the last datagram sent, in one buffer.</summary>
    private sealed class LastDatagramSink : IDatagramSink
    {
        private readonly byte[] _last = new byte[VcspWire.TextDatagramLimit];
        private int _length;

        public ReadOnlySpan<byte> Last => _last.AsSpan(0, _length);

        public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination)
        {
            datagram.CopyTo(_last);
            _length = datagram.Length;
        }
    }

    /// <summary>Counts what a session reports, allocating nothing.</summary>
    private sealed class SilentEvents : IClientEvents
    {
        [ThreadStatic]
        private static long s_messages;

        public static long Messages => s_messages;

        public void OnJoined(ReadOnlySpan<byte> groupName)
        {
        }

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) => s_messages++;

        public void OnClosed(SessionEnd end) => throw new InvalidOperationException("closed: " + end);

        public void OnPong(TimeSpan roundTrip)
        {
        }

        public void OnRejoining(int attempt, TimeSpan delay) => throw new InvalidOperationException("rejoining");

        public void OnRelayLost(long datagrams) => throw new InvalidOperationException("lost " + datagrams);

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) => throw new InvalidOperationException("undelivered");

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }
    }
}
