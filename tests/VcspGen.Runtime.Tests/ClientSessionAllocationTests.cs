using System;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>A member's steady state (send, resend, receive relayed messages, flush Ping and Pong) allocates nothing.</summary>
public sealed class ClientSessionAllocationTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50433);

    [Fact]
    public void SendingReceivingAndFlushingInSteadyStateAllocatesNothing()
    {
        var time = new ManualTimeProvider();
        var sink = new LastDatagramSink();
        var session = new ClientSession(new ClientOptions { Server = Group, Name = "alice" }, sink, time, new SilentEvents());
        session.Join();
        Assert.Equal(VcspDecodeStatus.Ok, JoinRequest.TryDecode(sink.Last, out var join));
        const ushort Challenge = 0x1234;
        session.Receive(Encode(new Response { Challenge = Challenge, Sequence = join.Sequence, InReplyTo = ResponseTo.JoinRequest, Server = Group, GroupName = "lobby"u8 }), Group);
        Assert.Equal(ClientState.Member, session.State);

        // Bob's relayed messages, pre-encoded; the first is probed (where does Bob's stream begin?) and answered.
        const int Rounds = 200;
        const uint BobFirst = 7000;
        var msgs = new byte[Rounds][];
        for (var r = 0; r < Rounds; r++)
        {
            msgs[r] = Encode(new Msg { Challenge = VcspChallenge.None, Sequence = BobFirst + (uint)r, Sender = "bob"u8, Data = "steady state"u8 });
        }

        session.Receive(msgs[0], Group);
        session.Receive(Encode(new Error { Challenge = Challenge, Sequence = BobFirst - 1, Code = ErrorCode.StreamStart, Expected = BobFirst, Text = default }), Group);
        session.Receive(msgs[0], Group);

        var pong = new byte[Pong.MaxDatagramSize];
        var resend = new byte[ResendRequest.MaxDatagramSize];
        var delivered = 0L;
        void RunRound(int r)
        {
            Sent(session.TrySend("a message of mine, long enough to take two Syn datagrams of a hundred and sixteen bytes each, or so it is hoped here"u8));
            Decoded(Syn.TryDecode(sink.Last, out var syn));
            Encoded(new ResendRequest { Challenge = Challenge, Sequence = syn.Sequence - 1, Count = 2 }.TryEncode(resend, out var resendLength));
            session.Receive(resend.AsSpan(0, resendLength), Group);
            session.Receive(msgs[r], Group);
            time.Advance(TimeSpan.FromMilliseconds(150));
            _ = session.NextPollDelay();
            session.Poll(); // the flush Ping
            Decoded(Ping.TryDecode(sink.Last, out var ping));
            Encoded(new Pong { Challenge = Challenge, Sequence = ping.Sequence, Timestamp = ping.Timestamp }.TryEncode(pong, out var pongLength));
            session.Receive(pong.AsSpan(0, pongLength), Group);
            _ = session.NextPollDelay();
            delivered = SilentEvents.Messages;
        }

        for (var r = 1; r < 20; r++)
        {
            RunRound(r); // warm-up: JIT, dictionary
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 20; r < Rounds; r++)
        {
            RunRound(r);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(Rounds, delivered);
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

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }
    }
}
