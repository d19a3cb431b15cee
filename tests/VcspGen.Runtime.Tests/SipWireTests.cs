using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Issue 14's SIP findings, over real sockets on 127.0.0.1, against a group server's SIP endpoint and a member's:
/// header names in any case (and compact forms) copied into every response, OPTIONS answered 200 with Allow, 505 for
/// another SIP version, 400 for RFC 4475's multi01 and mcl01, the same response to a retransmission, Timer G, a
/// re-INVITE and CANCEL in the member's dialog, no answer longer than its request to an unknown UDP peer, and TCP: the
/// answer to a message written before a bad stream closes, idle connections that lock no member out, and a
/// first-message timeout.
/// </summary>
public sealed class SipWireTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    private static readonly string Sdp0 = "v=0\r\no=vcsp 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

    public static string Mixed(int port) =>
        "OPTIONS sip:lobby@127.0.0.1 SIP/2.0\r\n"
        + $"via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKlc1\r\n"
        + "VIA: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKlc2\r\n"
        + "v: SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKlc3\r\n"
        + "max-forwards: 70\r\n"
        + "f: <sip:x@127.0.0.1>;tag=a1\r\n"
        + "TO: <sip:lobby@127.0.0.1>\r\n"
        + "call-ID: lower@127.0.0.1\r\n"
        + "cSeq: 7 OPTIONS\r\n"
        + "user-agent: a user agent that names itself at some length, so that the answer is not longer\r\n"
        + "l: 0\r\n\r\n";

    [Fact]
    public async Task HeaderNamesInAnyCaseAndCompactFormsAreCopiedIntoTheServersAndTheClientsOptions200()
    {
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu]);
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu]);
        using var peer = Bound();
        foreach (var target in new[] { lab.ServerSip!.LocalEndPoint, member.Sip.LocalEndPoint })
        {
            var request = Mixed(Port(peer));
            var answer = await ExchangeAsync(peer, target, request);
            Assert.NotNull(answer);
            Assert.StartsWith("SIP/2.0 200 OK\r\n", answer, StringComparison.Ordinal);
            Assert.True(SipMessage.TryParse(Encoding.UTF8.GetBytes(answer), false, out var parsed, out _) == SipParseStatus.Ok);
            Assert.Equal(
                [$"SIP/2.0/UDP 127.0.0.1:{Port(peer)};branch=z9hG4bKlc1", "SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKlc2", "SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKlc3"],
                parsed!.Headers.Where(h => h.Key == "Via").Select(h => h.Value));
            Assert.Equal("<sip:x@127.0.0.1>;tag=a1", parsed.Get("From"));
            Assert.StartsWith("<sip:lobby@127.0.0.1>;tag=", parsed.Get("To"), StringComparison.Ordinal);
            Assert.Equal("lower@127.0.0.1", parsed.Get("Call-ID"));
            Assert.Equal("7 OPTIONS", parsed.Get("CSeq"));
            Assert.Contains("CANCEL", parsed.Get("Allow"), StringComparison.Ordinal);
            Assert.True(answer.Length <= request.Length);

            // The same request again is a retransmission: the same answer, the same To tag (RFC 3261 §17.2.2).
            Assert.Equal(answer, await ExchangeAsync(peer, target, request));
        }
    }

    [Fact]
    public async Task AnotherSipVersionIsAnswered505AndMulti01AndMcl01400ByBothRoles()
    {
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu]);
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu]);
        using var peer = Bound();
        foreach (var target in new[] { lab.ServerSip!.LocalEndPoint, member.Sip.LocalEndPoint })
        {
            var badvers = Mixed(Port(peer)).Replace("SIP/2.0\r\n", "SIP/7.0\r\n", StringComparison.Ordinal).Replace("lc1", "bv1", StringComparison.Ordinal);
            Assert.StartsWith("SIP/2.0 505 ", await ExchangeAsync(peer, target, badvers), StringComparison.Ordinal);
            foreach (var name in new[] { "multi01", "mcl01", "mismatch01", "mismatch02", "scalar02" })
            {
                var text = Rfc4475.Text(name).Replace("192.0.2.25", $"127.0.0.1:{Port(peer)}", StringComparison.Ordinal);
                var answer = await ExchangeAsync(peer, target, text);
                Assert.True(answer is null || answer.StartsWith("SIP/2.0 400 ", StringComparison.Ordinal), name + ": " + answer);
                Assert.True(answer is null || answer.Length <= text.Length, name);
            }
        }
    }

    [Fact]
    public async Task NoAnswerToAnUnknownUdpPeerIsLongerThanItsRequest()
    {
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu]);
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu]);
        using var peer = Bound();
        // Issue 14's: a 15-byte request once got a 46-byte 400; a request without headers at all.
        var requests = new List<string> { "OPTIONS x SIP/2.0\r\n\r\n", "BYE sip:a SIP/2.0\r\n\r\n", "INVITE sip:a SIP/2.0\r\n\r\n" };
        var n = 0;
        foreach (var method in new[] { "OPTIONS", "BYE", "CANCEL", "REGISTER", "INFO", "ACK" })
        {
            foreach (var version in new[] { "SIP/2.0", "SIP/3.0" })
            {
                foreach (var padding in new[] { string.Empty, "Subject: some words\r\n", "Subject: " + new string('x', 60) + "\r\n" })
                {
                    n++;
                    requests.Add($"{method} sip:lobby@127.0.0.1 {version}\r\nv: SIP/2.0/UDP 127.0.0.1:{Port(peer)};branch=z9hG4bKr{n}\r\nf: <sip:x@a>;tag=1\r\n"
                        + $"t: <sip:y@b>\r\ni: r{n}\r\nCSeq: 1 {method}\r\n{padding}\r\n");
                }
            }
        }

        long sent = 0, answered = 0, answers = 0;
        foreach (var target in new[] { lab.ServerSip!.LocalEndPoint, member.Sip.LocalEndPoint })
        {
            foreach (var request in requests)
            {
                var answer = await ExchangeAsync(peer, target, request, Quiet / 4);
                sent += request.Length;
                if (answer is not null)
                {
                    answers++;
                    answered += answer.Length;
                    Assert.True(answer.Length <= request.Length, $"{answer.Length} > {request.Length}: {request}");
                }
            }
        }

        // Stray answers (say a late retransmission) would come now.
        while (await UdpLab.ReceiveAsync(peer, Quiet) is { } late)
        {
            answered += late.Length;
        }

        Assert.True(answers > 0, "the long requests are answered");
        Assert.True(answered <= sent, $"{answered} bytes out for {sent} in");
    }

    [Fact]
    public async Task TheClientResendsItsRefusalOnTimerGAnswersAReInviteAndACancelInItsDialog()
    {
        using var server = Bound();
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu], withSip: false);
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu], serverSip: (IPEndPoint)server.LocalEndPoint!);
        member.Do(c => c.Call!.Join());
        var to = member.Sip.LocalEndPoint;

        // An offer with a codec the member did not list: 488, resent on Timer G (T1 100 ms here) until the ACK.
        var refused = Invite(server, to, "g-call", "g1", 1, Sdp0.Replace("RTP/AVP 0", "RTP/AVP 8", StringComparison.Ordinal), toTag: null);
        var first = await ExchangeAsync(server, to, refused.Text);
        Assert.StartsWith("SIP/2.0 488 ", first, StringComparison.Ordinal);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(first, await ReceiveAsync(server, UdpLab.Patience));
        }

        Send(server, to, Ack(refused.Message, ParseText(first!), "g1"));
        await Drain(server);

        // A good offer: 200 OK, ACK, and the call starts.
        var invite = Invite(server, to, "r-call", "i1", 1, Sdp0, toTag: null);
        var okText = await ExchangeAsync(server, to, invite.Text);
        Assert.StartsWith("SIP/2.0 200 OK", okText, StringComparison.Ordinal);
        var ok = ParseText(okText!);
        var tag = SipHeaders.Parameter(ok.Get("To"), "tag")!;
        Send(server, to, Ack(invite.Message, ok, "a1"));
        await member.Calls.WaitForPrefixAsync("started");
        await Drain(server);

        // A re-INVITE that refreshes the session: 200 OK with the same SDP answer; its retransmission the same 200.
        var refresh = Invite(server, to, "r-call", "i2", 2, Sdp0, toTag: tag);
        var refreshed = await ExchangeAsync(server, to, refresh.Text);
        Assert.StartsWith("SIP/2.0 200 OK", refreshed, StringComparison.Ordinal);
        Assert.Equal(ok.Body.ToArray(), ParseText(refreshed!).Body.ToArray());
        Assert.Equal(refreshed, await ExchangeAsync(server, to, refresh.Text));

        // A CANCEL of it (answered already): 200, no effect; a CANCEL that matches nothing: 481.
        var cancel = Cancel(refresh.Message);
        Assert.StartsWith("SIP/2.0 200 OK", await ExchangeAsync(server, to, cancel), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 481 ", await ExchangeAsync(server, to, cancel.Replace("z9hG4bKi2", "z9hG4bKnone", StringComparison.Ordinal)), StringComparison.Ordinal);
        Send(server, to, Ack(refresh.Message, ParseText(refreshed!), "a2"));

        // A re-INVITE that changes the codec: 488, and the call goes on.
        var change = Invite(server, to, "r-call", "i3", 3, Sdp0.Replace("RTP/AVP 0", "RTP/AVP 8", StringComparison.Ordinal), toTag: tag);
        Assert.StartsWith("SIP/2.0 488 ", await ExchangeAsync(server, to, change.Text), StringComparison.Ordinal);
        Assert.Equal(CallState.InCall, member.Get(c => c.Call!.State));
    }

    [Fact]
    public async Task OverTcpTheAnswerToAMessageIsWrittenBeforeTheBadBytesAfterItCloseTheConnection()
    {
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu]);
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(lab.ServerSip!.LocalEndPoint, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        var bytes = Encoding.ASCII.GetBytes(Mixed(5060).Replace("SIP/2.0/UDP 127.0.0.1:5060", "SIP/2.0/TCP 127.0.0.1:5060", StringComparison.Ordinal) + "THIS IS NOT SIP\r\n\r\n");
        await stream.WriteAsync(bytes, TestContext.Current.CancellationToken);
        var received = await ReadToEndAsync(stream);
        Assert.StartsWith("SIP/2.0 200 OK\r\n", received, StringComparison.Ordinal);
        Assert.Equal(1, lab.ServerSip.Malformed);
    }

    [Fact]
    public async Task IdleTcpConnectionsAtTheLimitLockNoTcpMemberOutOfItsCall()
    {
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu]);
        var idle = new List<TcpClient>();
        try
        {
            for (var i = 0; i < SipEndpoint.MaxConnections; i++)
            {
                var client = new TcpClient(AddressFamily.InterNetwork);
                idle.Add(client);
                await client.ConnectAsync(lab.ServerSip!.LocalEndPoint, TestContext.Current.CancellationToken);
            }

            // One more that speaks: it gets in, in place of the oldest silent one, and is answered.
            using var speaking = new TcpClient(AddressFamily.InterNetwork);
            await speaking.ConnectAsync(lab.ServerSip!.LocalEndPoint, TestContext.Current.CancellationToken);
            await speaking.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Mixed(5060)), TestContext.Current.CancellationToken);
            var buffer = new byte[4096];
            var n = await speaking.GetStream().ReadAsync(buffer, TestContext.Current.CancellationToken);
            Assert.StartsWith("SIP/2.0 200 OK", Encoding.ASCII.GetString(buffer, 0, n), StringComparison.Ordinal);
            Assert.Equal((0L, 1L), (lab.ServerSip.RefusedConnections, lab.ServerSip.EvictedConnections));
            Assert.Equal(string.Empty, await ReadToEndAsync(idle[0].GetStream())); // the oldest silent one was closed

            // The server's INVITE goes out on a connection of its own to the member's SIP endpoint.
            var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu], SipTransport.Tcp);
            member.Do(c => c.Call!.Join());
            await member.Calls.WaitForPrefixAsync("started");
            await UdpLab.WaitUntilAsync(() => lab.OnServer(s => s.CallMemberCount) == 1, "the member to be in the call");
        }
        finally
        {
            foreach (var client in idle)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task AnAcceptedConnectionSilentPastTheFirstMessageTimeoutIsClosedAndOneThatSpokeIsNot()
    {
        using var endpoint = new SipEndpoint(new IPEndPoint(IPAddress.Loopback, 0)) { FirstMessageTimeout = TimeSpan.FromMilliseconds(200) };
        var delivered = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = endpoint.RunAsync((_, _) => Interlocked.Increment(ref delivered), stop.Token);
        try
        {
            using var silent = new TcpClient(AddressFamily.InterNetwork);
            await silent.ConnectAsync(endpoint.LocalEndPoint, TestContext.Current.CancellationToken);
            using var speaking = new TcpClient(AddressFamily.InterNetwork);
            await speaking.ConnectAsync(endpoint.LocalEndPoint, TestContext.Current.CancellationToken);
            var options = Encoding.ASCII.GetBytes(Mixed(5060));
            await speaking.GetStream().WriteAsync(options, TestContext.Current.CancellationToken);
            Assert.Equal(string.Empty, await ReadToEndAsync(silent.GetStream())); // closed by the endpoint

            // Long after the timeout the speaking connection still delivers.
            await speaking.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Mixed(5060).Replace("lc1", "lc9", StringComparison.Ordinal)), TestContext.Current.CancellationToken);
            await UdpLab.WaitUntilAsync(() => Volatile.Read(ref delivered) == 2, "the second message on the connection that spoke");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    private static (string Text, SipMessage Message) Invite(Socket from, IPEndPoint to, string callId, string branch, int cseq, string sdp, string? toTag)
    {
        var local = (IPEndPoint)from.LocalEndPoint!;
        var message = SipMessage.Request("INVITE", $"sip:alice@{to}")
            .With("Via", $"SIP/2.0/UDP {local};branch=z9hG4bK{branch}")
            .With("Max-Forwards", "70")
            .With("From", $"\"lobby\" <sip:vcsp@{local}>;tag=srv")
            .With("To", $"<sip:alice@{to}>" + (toTag is null ? string.Empty : ";tag=" + toTag))
            .With("Call-ID", callId)
            .With("CSeq", $"{cseq} INVITE")
            .With("Contact", $"<sip:vcsp@{local}>")
            .WithBody("application/sdp", Encoding.ASCII.GetBytes(sdp));
        return (Encoding.ASCII.GetString(message.ToBytes()), message);
    }

    private static string Ack(SipMessage invite, SipMessage response, string branch)
    {
        var ack = SipMessage.Request("ACK", invite.RequestUri!);
        foreach (var (name, value) in invite.Headers)
        {
            switch (name)
            {
                case "Via" when response.StatusCode == 200:
                    ack.With(name, value[..(value.IndexOf("branch=", StringComparison.Ordinal) + 7)] + "z9hG4bK" + branch);
                    break;
                case "To":
                    ack.With(name, response.Get("To")!);
                    break;
                case "CSeq":
                    ack.With(name, value.Split(' ')[0] + " ACK");
                    break;
                case "Content-Type" or "Contact":
                    break;
                default:
                    ack.With(name, value);
                    break;
            }
        }

        return Encoding.ASCII.GetString(ack.ToBytes());
    }

    private static string Cancel(SipMessage invite)
    {
        var cancel = SipMessage.Request("CANCEL", invite.RequestUri!);
        foreach (var (name, value) in invite.Headers)
        {
            if (name is "Via" or "From" or "To" or "Call-ID" or "Max-Forwards")
            {
                cancel.With(name, value);
            }
            else if (name == "CSeq")
            {
                cancel.With(name, value.Split(' ')[0] + " CANCEL");
            }
        }

        return Encoding.ASCII.GetString(cancel.ToBytes());
    }

    private static SipMessage ParseText(string text)
    {
        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(Encoding.UTF8.GetBytes(text), false, out var message, out _));
        return message!;
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    private static void Send(Socket socket, IPEndPoint to, string text) => socket.SendTo(Encoding.ASCII.GetBytes(text), to);

    private static async Task<string?> ExchangeAsync(Socket socket, IPEndPoint to, string text, TimeSpan? wait = null)
    {
        Send(socket, to, text);
        return await ReceiveAsync(socket, wait ?? UdpLab.Patience);
    }

    private static async Task<string?> ReceiveAsync(Socket socket, TimeSpan wait)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(wait);
        var buffer = new byte[65536];
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task Drain(Socket socket)
    {
        while (await ReceiveAsync(socket, Quiet) is not null)
        {
        }
    }

    private static async Task<string> ReadToEndAsync(NetworkStream stream)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(UdpLab.Patience);
        var all = new List<byte>();
        var buffer = new byte[4096];
        int n;
        try
        {
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                all.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
        catch (System.IO.IOException)
        {
            // a reset also ends the stream
        }

        return Encoding.ASCII.GetString([.. all]);
    }
}
