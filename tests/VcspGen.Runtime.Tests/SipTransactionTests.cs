using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// The server transaction layer (RFC 3261 §17.2) on a manual clock: Timer G resends an INVITE's refusal over UDP,
/// T1 doubling to T2, until the ACK or Timer H; a retransmitted request gets the very same response; a CANCEL finds its
/// INVITE (200, and 487 for an INVITE still without a final response) or gets 481; and the table stays bounded.
/// </summary>
public sealed class SipTransactionTests
{
    private static readonly SipPeer Udp = new(new IPEndPoint(IPAddress.Loopback, 7001), SipTransport.Udp);
    private static readonly SipPeer Tcp = new(new IPEndPoint(IPAddress.Loopback, 7001), SipTransport.Tcp);
    private static readonly SipTimers Timers = new(); // T1 500 ms, T2 4 s, Timer H 32 s

    [Fact]
    public void TimerGResendsAnInvitesRefusalOverUdpDoublingToT2UntilTimerH()
    {
        var (clock, sink, layer) = Layer();
        var invite = Request("INVITE", "g1");
        layer.Send(invite, Udp, 488, "Not Acceptable Here", trusted: true);
        var sendTimes = new List<double> { 0 };
        for (var ms = 0; ms <= 40_000; ms += 50)
        {
            clock.Advance(TimeSpan.FromMilliseconds(50));
            var before = sink.Count;
            layer.Poll();
            if (sink.Count > before)
            {
                sendTimes.Add((ms + 50) / 1000.0);
            }
        }

        // 0, 0.5, 1.5, 3.5, 7.5, then every 4 s (T2) up to 31.5; Timer H (32 s) ends it.
        Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5], sendTimes);
        Assert.All(sink, s => Assert.Equal(sink[0].Message.ToBytes(), s.Message.ToBytes()));
        Assert.Null(layer.Delay());
    }

    [Fact]
    public void TheAckStopsTimerGAndIsAbsorbed()
    {
        var (clock, sink, layer) = Layer();
        var invite = Request("INVITE", "g2");
        layer.Send(invite, Udp, 488, "Not Acceptable Here", trusted: true);
        clock.Advance(TimeSpan.FromMilliseconds(600));
        layer.Poll();
        Assert.Equal(2, sink.Count);
        Assert.True(layer.Absorb(Request("ACK", "g2")));
        clock.Advance(TimeSpan.FromSeconds(10));
        layer.Poll();
        Assert.Equal(2, sink.Count);

        // A retransmitted INVITE after the ACK is absorbed without an answer (Confirmed, §17.2.1).
        Assert.True(layer.Absorb(invite));
        Assert.Equal(2, sink.Count);
    }

    [Fact]
    public void ARefusalToAPeerNotKnownIsSentOnceWithoutTimerG()
    {
        var (clock, sink, layer) = Layer();
        var invite = Request("INVITE", "g4");
        layer.Send(invite, Udp, 403, "Forbidden", trusted: false);
        clock.Advance(TimeSpan.FromSeconds(40));
        layer.Poll();
        Assert.Single(sink);
    }

    [Fact]
    public void OverTcpARefusalIsSentOnce()
    {
        var (clock, sink, layer) = Layer();
        layer.Send(Request("INVITE", "g3"), Tcp, 486, "Busy Here", trusted: true);
        clock.Advance(TimeSpan.FromSeconds(40));
        layer.Poll();
        Assert.Single(sink);
    }

    [Fact]
    public void ARetransmittedRequestGetsTheSameResponseWithTheSameToTag()
    {
        var (_, sink, layer) = Layer();
        var bye = Request("BYE", "r1");
        Assert.False(layer.Absorb(bye));
        layer.Send(bye, Udp, 481, "Call/Transaction Does Not Exist", trusted: true);
        Assert.True(layer.Absorb(Request("BYE", "r1")));
        Assert.Equal(2, sink.Count);
        Assert.Equal(sink[0].Message.ToBytes(), sink[1].Message.ToBytes());
        Assert.NotNull(SipHeaders.Parameter(sink[0].Message.Get("To"), "tag"));

        // Another branch is another transaction; the same branch from another sent-by too (§17.2.3).
        Assert.False(layer.Absorb(Request("BYE", "r2")));
        Assert.False(layer.Absorb(Request("BYE", "r1", sentBy: "127.0.0.1:7002")));
    }

    [Fact]
    public void ACancelOfAnInviteWithoutAFinalResponseEndsIt487AndIsAnswered200()
    {
        var (_, sink, layer) = Layer();
        var invite = Request("INVITE", "c1");
        layer.Begin(invite, Udp);
        Assert.True(layer.Cancel(Request("CANCEL", "c1"), Udp, trusted: true));
        Assert.Equal([487, 200], sink.Select(s => s.Message.StatusCode));
        Assert.Equal("1 INVITE", sink[0].Message.Get("CSeq"));
        Assert.Equal("1 CANCEL", sink[1].Message.Get("CSeq"));
        Assert.Equal(SipHeaders.Parameter(sink[0].Message.Get("To"), "tag"), SipHeaders.Parameter(sink[1].Message.Get("To"), "tag"));
    }

    [Fact]
    public void ACancelOfAnAnsweredInviteIsAnswered200AndChangesNothingAndOneOfNoneGets481()
    {
        var (_, sink, layer) = Layer();
        var invite = Request("INVITE", "c2");
        layer.Respond(invite, Udp, SipResponses.Build(invite, 200, "OK", "abc"));
        Assert.True(layer.Cancel(Request("CANCEL", "c2"), Udp, trusted: true));
        Assert.Equal([200, 200], sink.Select(s => s.Message.StatusCode));
        Assert.Equal("abc", SipHeaders.Parameter(sink[1].Message.Get("To"), "tag"));

        Assert.False(layer.Cancel(Request("CANCEL", "nothing"), Udp, trusted: true));
        Assert.Equal(481, sink.Last().Message.StatusCode);
    }

    [Fact]
    public void TheTableIsBoundedAndForgetsTransactionsAfter64T1()
    {
        var clock = new ManualTimeProvider();
        var sink = new ListSink();
        var layer = new SipServerTransactions(sink, clock, Timers, capacity: 4);
        for (var i = 0; i < 10; i++)
        {
            layer.Send(Request("INVITE", "b" + i), Udp, 488, "Not Acceptable Here", trusted: true);
        }

        Assert.Equal(4, layer.Count);
        Assert.False(layer.Absorb(Request("INVITE", "b0"))); // the oldest went first
        Assert.True(layer.Absorb(Request("INVITE", "b9")));
        clock.Advance(Timers.GiveUp);
        layer.Poll();
        Assert.Equal(0, layer.Count);
        Assert.Null(layer.Delay());
    }

    private static (ManualTimeProvider Clock, ListSink Sink, SipServerTransactions Layer) Layer()
    {
        var clock = new ManualTimeProvider();
        var sink = new ListSink();
        return (clock, sink, new SipServerTransactions(sink, clock, Timers));
    }

    private static SipMessage Request(string method, string branch, string sentBy = "127.0.0.1:7001") =>
        SipMessage.Request(method, "sip:alice@127.0.0.1:7000")
            .With("Via", $"SIP/2.0/UDP {sentBy};branch=z9hG4bK{branch}")
            .With("Max-Forwards", "70")
            .With("From", "<sip:vcsp@127.0.0.1:7001>;tag=srv")
            .With("To", "<sip:alice@127.0.0.1:7000>")
            .With("Call-ID", "call-" + branch)
            .With("CSeq", "1 " + method);

    private sealed class ListSink : List<(SipMessage Message, SipPeer Peer)>, ISipSink
    {
        public void Send(SipMessage message, SipPeer peer) => Add((message, peer));
    }
}
