using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// The SIP transport edge over real sockets on loopback: UDP and TCP round trips, TCP framing by Content-Length,
/// malformed input counted and survived, send failures counted, and stopping.
/// </summary>
public sealed class SipEndpointTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static readonly byte[] Sdp = Encoding.UTF8.GetBytes(
        "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n");

    public static TheoryData<string> Loopbacks => new() { "127.0.0.1", "::1" };

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task AnInviteAndItsAnswerMakeAUdpRoundTrip(string loopback)
    {
        await using var a = Node.Start(loopback);
        await using var b = Node.Start(loopback);

        var invite = Invite(b.LocalEndPoint, a.LocalEndPoint, "UDP", "udp-call");
        a.Endpoint.Send(invite, new SipPeer(b.LocalEndPoint, SipTransport.Udp));

        var (received, from) = await b.NextAsync();
        AssertSame(invite, received);
        Assert.Equal(new SipPeer(a.LocalEndPoint, SipTransport.Udp), from);

        b.Endpoint.Send(Ok(received), from);
        var (answer, answerFrom) = await a.NextAsync();
        Assert.Equal((200, "OK"), (answer.StatusCode, answer.ReasonPhrase));
        Assert.Equal("udp-call", answer.Get("Call-ID"));
        Assert.Equal(new SipPeer(b.LocalEndPoint, SipTransport.Udp), answerFrom);
        Assert.Equal((1, 1, 0, 0), (a.Endpoint.Received, b.Endpoint.Received, a.Endpoint.SendFailures, b.Endpoint.SendFailures));
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task AnInviteAndItsAnswerMakeATcpRoundTripOnOneConnectionThatStaysOpen(string loopback)
    {
        await using var a = Node.Start(loopback);
        await using var b = Node.Start(loopback);

        var invite = Invite(b.LocalEndPoint, a.LocalEndPoint, "TCP", "tcp-call");
        a.Endpoint.Send(invite, new SipPeer(b.LocalEndPoint, SipTransport.Tcp));

        var (received, from) = await b.NextAsync();
        AssertSame(invite, received);
        Assert.Equal(SipTransport.Tcp, from.Transport);
        Assert.Equal(a.LocalEndPoint.Address, from.EndPoint.Address); // the connection's remote end: A's outgoing port

        // The reply goes back on the accepted connection; A reads it on the connection it opened, keyed by B.
        b.Endpoint.Send(Ok(received), from);
        var (answer, answerFrom) = await a.NextAsync();
        Assert.Equal(200, answer.StatusCode);
        Assert.Equal(new SipPeer(b.LocalEndPoint, SipTransport.Tcp), answerFrom);

        // A second transaction reuses the same connection both ways: the connection outlived the first one.
        var bye = SipMessage.Request("BYE", $"sip:bob@{b.LocalEndPoint}")
            .With("Via", $"SIP/2.0/TCP {a.LocalEndPoint};branch=z9hG4bK-bye")
            .With("Call-ID", "tcp-call")
            .With("CSeq", "2 BYE");
        a.Endpoint.Send(bye, answerFrom);
        var (byeReceived, byeFrom) = await b.NextAsync();
        Assert.Equal("BYE", byeReceived.Method);
        Assert.Equal(from, byeFrom);
        b.Endpoint.Send(Ok(byeReceived), byeFrom);
        Assert.Equal(new SipPeer(b.LocalEndPoint, SipTransport.Tcp), (await a.NextAsync()).Peer);
        Assert.Equal((2, 2, 0, 0), (a.Endpoint.Received, b.Endpoint.Received, a.Endpoint.SendFailures, b.Endpoint.SendFailures));
    }

    [Fact]
    public async Task TcpMessagesAreFramedByContentLengthWhateverTheWritesAndKeepAlives()
    {
        await using var b = Node.Start("127.0.0.1");
        using var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        await client.ConnectAsync(b.LocalEndPoint, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        var messages = Enumerable.Range(1, 4).Select(i => Invite(b.LocalEndPoint, b.LocalEndPoint, "TCP", $"framed-{i}")).ToArray();
        var bytes = messages.Select(m => m.ToBytes()).ToArray();
        var token = TestContext.Current.CancellationToken;

        // Two messages in one write, with keep-alives before and between.
        await stream.WriteAsync(Concat("\r\n\r\n"u8.ToArray(), bytes[0], "\r\n"u8.ToArray(), bytes[1]), token);

        // One message a byte at a time, then keep-alives, then one in three writes.
        foreach (var single in bytes[2])
        {
            await stream.WriteAsync(new[] { single }, token);
        }

        await stream.WriteAsync("\r\n\r\n"u8.ToArray(), token);
        var third = bytes[3].Length / 3;
        await stream.WriteAsync(bytes[3].AsMemory(0, third), token);
        await Task.Delay(20, token);
        await stream.WriteAsync(bytes[3].AsMemory(third, third), token);
        await Task.Delay(20, token);
        await stream.WriteAsync(bytes[3].AsMemory(2 * third), token);

        var clientEnd = (IPEndPoint)client.Client.LocalEndPoint!;
        foreach (var expected in messages)
        {
            var (message, peer) = await b.NextAsync();
            AssertSame(expected, message);
            Assert.Equal(new SipPeer(clientEnd, SipTransport.Tcp), peer);
        }

        Assert.Equal((4, 0), (b.Endpoint.Received, b.Endpoint.Malformed));
    }

    [Fact]
    public async Task AConnectionOpenedBeforeRunAsyncIsReadOnceItStarts()
    {
        await using var b = Node.Start("127.0.0.1");
        using var a = new SipEndpoint(new IPEndPoint(IPAddress.Loopback, 0));
        a.Send(Invite(b.LocalEndPoint, a.LocalEndPoint, "TCP", "early"), new SipPeer(b.LocalEndPoint, SipTransport.Tcp));
        var (invite, from) = await b.NextAsync();
        b.Endpoint.Send(Ok(invite), from);

        var answered = new TaskCompletionSource<(SipMessage Message, SipPeer Peer)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = a.RunAsync((message, peer) => answered.TrySetResult((message, peer)), stop.Token);
        var (answer, answerFrom) = await answered.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(("early", new SipPeer(b.LocalEndPoint, SipTransport.Tcp)), (answer.Get("Call-ID"), answerFrom));

        await stop.CancelAsync();
        await running.WaitAsync(Patience, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task APeerThatClosesItsSideStillGetsTheAnswersToItsLastMessages()
    {
        await using var b = Node.Start("127.0.0.1", (endpoint, message, peer) => endpoint.Send(Ok(message), peer));
        using var client = await ConnectAsync(b.LocalEndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync(Invite(b.LocalEndPoint, b.LocalEndPoint, "TCP", "last-words").ToBytes(), TestContext.Current.CancellationToken);
        client.Client.Shutdown(SocketShutdown.Send);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        var received = new MemoryStream();
        await stream.CopyToAsync(received, timeout.Token); // to the end of the stream: the endpoint closes after writing
        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(received.ToArray(), stream: true, out var answer, out var consumed));
        Assert.Equal((200, "last-words", (int)received.Length), (answer!.StatusCode, answer.Get("Call-ID"), consumed));
        Assert.Equal(0, b.Endpoint.SendFailures);
    }

    [Fact]
    public async Task AMalformedDatagramIsCountedAndDroppedAndAKeepAliveIgnored()
    {
        await using var b = Node.Start("127.0.0.1");
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        raw.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var token = TestContext.Current.CancellationToken;

        await raw.SendToAsync("\r\n\r\n"u8.ToArray(), SocketFlags.None, b.LocalEndPoint, token);
        await raw.SendToAsync("this is not SIP\r\n\r\n"u8.ToArray(), SocketFlags.None, b.LocalEndPoint, token);
        await raw.SendToAsync(Invite(b.LocalEndPoint, b.LocalEndPoint, "UDP", "after-garbage").ToBytes(), SocketFlags.None, b.LocalEndPoint, token);

        var (message, peer) = await b.NextAsync();
        Assert.Equal("after-garbage", message.Get("Call-ID"));
        Assert.Equal(new SipPeer((IPEndPoint)raw.LocalEndPoint!, SipTransport.Udp), peer);
        Assert.Equal((1, 1), (b.Endpoint.Received, b.Endpoint.Malformed));
    }

    [Fact]
    public async Task AMalformedTcpStreamIsCountedAndClosedAndTheEndpointGoesOn()
    {
        await using var b = Node.Start("127.0.0.1");
        using (var garbage = await ConnectAsync(b.LocalEndPoint))
        {
            await garbage.GetStream().WriteAsync("GARBAGE\r\n\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await AssertClosedAsync(garbage);
        }

        Assert.Equal(1, b.Endpoint.Malformed);

        // A stream without Content-Length cannot be framed: refused as well.
        using (var unframed = await ConnectAsync(b.LocalEndPoint))
        {
            await unframed.GetStream().WriteAsync("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nCall-ID: x\r\n\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await AssertClosedAsync(unframed);
        }

        Assert.Equal(2, b.Endpoint.Malformed);

        using var good = await ConnectAsync(b.LocalEndPoint);
        await good.GetStream().WriteAsync(Invite(b.LocalEndPoint, b.LocalEndPoint, "TCP", "after-garbage").ToBytes(), TestContext.Current.CancellationToken);
        Assert.Equal("after-garbage", (await b.NextAsync()).Message.Get("Call-ID"));
        Assert.Equal((1, 2), (b.Endpoint.Received, b.Endpoint.Malformed));
    }

    [Fact]
    public async Task ATcpStreamBeyondMaxSizeWithoutAWholeHeaderBlockIsCountedAndClosed()
    {
        await using var b = Node.Start("127.0.0.1");
        using var client = await ConnectAsync(b.LocalEndPoint);
        var huge = Concat("INVITE sip:bob@127.0.0.1 SIP/2.0\r\nX-Padding: "u8.ToArray(), Enumerable.Repeat((byte)'a', SipMessage.MaxSize + 1024).ToArray());
        try
        {
            await client.GetStream().WriteAsync(huge, TestContext.Current.CancellationToken);
        }
        catch (IOException)
        {
            // The endpoint may close the connection before all of it is written.
        }

        await AssertClosedAsync(client);
        Assert.Equal((0, 1), (b.Endpoint.Received, b.Endpoint.Malformed));
    }

    [Fact]
    public async Task ConnectionsBeyondTheLimitAreRefused()
    {
        await using var b = Node.Start("127.0.0.1");
        var clients = new TcpClient[SipEndpoint.MaxConnections];
        try
        {
            for (var i = 0; i < clients.Length; i++)
            {
                // A message delivered proves the connection was accepted and registered.
                clients[i] = await ConnectAsync(b.LocalEndPoint);
                await clients[i].GetStream().WriteAsync(Invite(b.LocalEndPoint, b.LocalEndPoint, "TCP", $"c{i}").ToBytes(), TestContext.Current.CancellationToken);
                Assert.Equal($"c{i}", (await b.NextAsync()).Message.Get("Call-ID"));
            }

            using var extra = await ConnectAsync(b.LocalEndPoint);
            await AssertClosedAsync(extra);
            Assert.Equal(1, b.Endpoint.RefusedConnections);
        }
        finally
        {
            foreach (var client in clients)
            {
                client?.Dispose();
            }
        }
    }

    [Fact]
    public async Task ASendToATcpPortWhereNothingListensIsCountedNotThrown()
    {
        await using var a = Node.Start("127.0.0.1");

        // A port held by a socket that does not listen: a connect to it is refused.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var nowhere = new SipPeer((IPEndPoint)closed.LocalEndPoint!, SipTransport.Tcp);

        a.Endpoint.Send(Invite(nowhere.EndPoint, a.LocalEndPoint, "TCP", "nowhere"), nowhere);
        await UdpLab.WaitUntilAsync(() => a.Endpoint.SendFailures == 1, "the failed connect to be counted");

        // The failed connection is forgotten: the next send tries again, and fails again.
        a.Endpoint.Send(Invite(nowhere.EndPoint, a.LocalEndPoint, "TCP", "nowhere-again"), nowhere);
        await UdpLab.WaitUntilAsync(() => a.Endpoint.SendFailures == 2, "the second failed connect to be counted");
    }

    [Fact]
    public async Task RunAsyncEndsWhenCancelledAndClosesItsConnections()
    {
        await using var a = Node.Start("127.0.0.1");
        var b = Node.Start("127.0.0.1");
        await using (b)
        {
            // B has an accepted connection (from a plain client) and one it opened (to A).
            using var client = await ConnectAsync(b.LocalEndPoint);
            await client.GetStream().WriteAsync(Invite(b.LocalEndPoint, b.LocalEndPoint, "TCP", "open").ToBytes(), TestContext.Current.CancellationToken);
            await b.NextAsync();
            b.Endpoint.Send(Invite(a.LocalEndPoint, b.LocalEndPoint, "TCP", "to-a"), new SipPeer(a.LocalEndPoint, SipTransport.Tcp));
            await a.NextAsync();

            await b.Stop.CancelAsync();
            await b.Run.WaitAsync(Patience, TestContext.Current.CancellationToken);
            await AssertClosedAsync(client);
        }
    }

    [Fact]
    public async Task RunAsyncEndsWhenDisposedAndLaterSendsAreCountedNotThrown()
    {
        var b = Node.Start("127.0.0.1");
        await using (b)
        {
            b.Endpoint.Dispose();
            await b.Run.WaitAsync(Patience, TestContext.Current.CancellationToken);

            var peer = new IPEndPoint(IPAddress.Loopback, 9);
            b.Endpoint.Send(Invite(peer, b.LocalEndPoint, "UDP", "late"), new SipPeer(peer, SipTransport.Udp));
            b.Endpoint.Send(Invite(peer, b.LocalEndPoint, "TCP", "late"), new SipPeer(peer, SipTransport.Tcp));
            Assert.Equal(2, b.Endpoint.SendFailures);
            await Assert.ThrowsAsync<ObjectDisposedException>(() => b.Endpoint.RunAsync((_, _) => { }, TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task AnEndpointRunsOnce()
    {
        await using var a = Node.Start("127.0.0.1");
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.Endpoint.RunAsync((_, _) => { }, TestContext.Current.CancellationToken));
    }

    private static SipMessage Invite(IPEndPoint to, IPEndPoint from, string transport, string callId) =>
        SipMessage.Request("INVITE", $"sip:bob@{to}")
            .With("Via", $"SIP/2.0/{transport} {from};branch=z9hG4bK-{callId}")
            .With("Max-Forwards", "70")
            .With("From", $"<sip:alice@{from}>;tag=alice-1")
            .With("To", $"<sip:bob@{to}>")
            .With("Call-ID", callId)
            .With("CSeq", "1 INVITE")
            .With("Contact", $"<sip:alice@{from}>")
            .WithBody("application/sdp", Sdp);

    private static SipMessage Ok(SipMessage request) =>
        SipMessage.Response(200, "OK")
            .With("Via", request.Get("Via")!)
            .With("From", request.Get("From")!)
            .With("To", request.Get("To") + ";tag=bob-1")
            .With("Call-ID", request.Get("Call-ID")!)
            .With("CSeq", request.Get("CSeq")!);

    private static void AssertSame(SipMessage expected, SipMessage actual)
    {
        Assert.Equal((expected.Method, expected.RequestUri, expected.StatusCode), (actual.Method, actual.RequestUri, actual.StatusCode));
        Assert.Equal(expected.Headers, actual.Headers);
        Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static async Task<TcpClient> ConnectAsync(IPEndPoint endPoint)
    {
        var client = new TcpClient(endPoint.AddressFamily) { NoDelay = true };
        await client.ConnectAsync(endPoint, TestContext.Current.CancellationToken);
        return client;
    }

    /// <summary>Waits for the endpoint to close <paramref name="client"/>'s connection: end of stream or a reset.</summary>
    private static async Task AssertClosedAsync(TcpClient client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        var buffer = new byte[4096];
        try
        {
            while (await client.GetStream().ReadAsync(buffer, timeout.Token) > 0)
            {
                // Nothing is expected, but whatever comes before the end does not matter.
            }
        }
        catch (IOException)
        {
            // Reset: closed with our bytes unread.
        }
    }

    /// <summary>An endpoint, running, with the messages it received in a queue.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly Channel<(SipMessage Message, SipPeer Peer)> _inbox = Channel.CreateUnbounded<(SipMessage, SipPeer)>();

        private Node(string loopback, Action<SipEndpoint, SipMessage, SipPeer>? respond)
        {
            Endpoint = new SipEndpoint(new IPEndPoint(IPAddress.Parse(loopback), 0));
            Stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            Run = Endpoint.RunAsync(
                (message, peer) =>
                {
                    respond?.Invoke(Endpoint, message, peer);
                    _inbox.Writer.TryWrite((message, peer));
                },
                Stop.Token);
        }

        public SipEndpoint Endpoint { get; }

        public CancellationTokenSource Stop { get; }

        public Task Run { get; }

        public IPEndPoint LocalEndPoint => Endpoint.LocalEndPoint;

        /// <summary>Starts an endpoint; <paramref name="respond"/>, if given, answers from inside the callback.</summary>
        public static Node Start(string loopback, Action<SipEndpoint, SipMessage, SipPeer>? respond = null) => new(loopback, respond);

        public async Task<(SipMessage Message, SipPeer Peer)> NextAsync()
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(Patience);
            return await _inbox.Reader.ReadAsync(timeout.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await Stop.CancelAsync();
            await Run.WaitAsync(Patience, TestContext.Current.CancellationToken);
            Endpoint.Dispose();
            Stop.Dispose();
        }
    }
}
