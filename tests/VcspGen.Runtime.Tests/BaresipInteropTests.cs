using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Interop with a real SIP user agent, baresip 1.0.0 (Debian's <c>baresip-core</c>; scripts/test.sh installs it), on
/// 127.0.0.1 (issue 14). First as a member's user agent: a member's VoiceJoin names baresip's SIP port, baresip answers
/// the server's INVITE (180, 200), the server's ACK makes it a call member, and a BYE from either side ends the call
/// leg. Then as the SIP peer that stands in for the server when it calls a client (PROTOCOL.md §12.4, §14): the
/// client, configured with baresip as its server's SIP endpoint and with a VoiceJoin outstanding, answers baresip's
/// INVITE, and drops one that comes while it has no VoiceJoin outstanding, without any answer.
/// </summary>
public sealed class BaresipInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // Wireshark's expert severities (epan/proto.h): chat 0x00200000, note 0x00400000, warn 0x00600000, error 0x00800000.
    private const long ExpertWarning = 0x00600000;

    [Fact]
    public async Task BaresipAnswersTheServersInviteAndTheCallLegEndsWithAByeFromEitherSide()
    {
        await using var baresip = await BaresipAgent.StartAsync("member");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var server = new VcspServerHost(IPAddress.Loopback, sipPort: 0, eventLoops: 1);
        var lobby = server.AddGroup(0, b => new GroupOptions
        {
            Name = "lobby",
            Address = b.Address,
            SipPort = b.SipPort,
            Codecs = [(byte)VcspCodec.Opus, (byte)VcspCodec.Pcmu], // the member lists only PCMU, which baresip's g711 has
        });
        var serving = server.RunAsync(stop.Token, TimeSpan.Zero);
        var serverSip = $"127.0.0.1:{server.SipEndPoint!.Port}";
        var baresipSip = $"127.0.0.1:{baresip.SipPort}";
        try
        {
            // The member is a bare VCSP socket; its SIP user agent is baresip, whose account is "member".
            var (member, challenge) = await RawMember.JoinAsync(lobby.LocalEndPoint, "member");
            using var _ = member;

            // Call 1: VC-INIT; the server INVITEs baresip, baresip rings and answers, the server ACKs.
            RawMember.SendVoiceJoin(member, lobby.LocalEndPoint, challenge, baresip.SipPort);
            await baresip.WaitForEventAsync("CALL_ESTABLISHED", 1);
            await baresip.WaitUntilAsync(() => lobby.Invoke(g => g.CallMemberCount) == 1, "the server to count baresip's leg as a call member");
            // Under load a request or response may be retransmitted (Timers A, E, and the 2xx's): messages are counted as
            // at least once in their dialog.
            await SentAsync(baresip, serverSip, baresipSip, "INVITE ", "INVITE");
            var invite = baresip.Trace.First(m => m.From == serverSip && m.To == baresipSip && m.StartLine.StartsWith("INVITE ", StringComparison.Ordinal));
            Assert.StartsWith($"INVITE sip:member@{baresipSip} SIP/2.0", invite.StartLine, StringComparison.Ordinal);
            Assert.Contains($"m=audio {lobby.LocalEndPoint.Port} RTP/AVP 0\r\n", invite.Text, StringComparison.Ordinal);
            var callChallenge = ushort.Parse(Regex.Match(invite.Text, @"a=vcsp-challenge:(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            await SentAsync(baresip, baresipSip, serverSip, "SIP/2.0 180 ", "INVITE");
            await SentAsync(baresip, baresipSip, serverSip, "SIP/2.0 200 ", "INVITE");
            await baresip.WaitUntilAsync(() => Count(baresip, serverSip, baresipSip, "ACK ", "ACK") >= 1, "the server's ACK at baresip");
            Assert.Contains(baresip.Events, e => e.Type == "CALL_ESTABLISHED" && e.Direction == "incoming" && e.Peer == $"sip:vcsp@{serverSip}");

            // VC-LEAVE: the server answers the VoiceFin and ends the leg with its BYE, which baresip answers 200 OK.
            RawMember.Send(member, lobby.LocalEndPoint, new VoiceFin { Challenge = callChallenge });
            await RawMember.ReceiveVoiceFinAsync(member, callChallenge, Patience);
            await baresip.WaitForEventAsync("CALL_CLOSED", 1);
            await baresip.WaitUntilAsync(() => Count(baresip, baresipSip, serverSip, "SIP/2.0 200 ", "BYE") >= 1, "baresip's 200 OK to the server's BYE");
            await SentAsync(baresip, serverSip, baresipSip, "BYE sip:", "BYE");
            await baresip.WaitUntilAsync(() => lobby.Invoke(g => g.CallMemberCount) == 0, "the leg to leave the server's call");

            // Call 2, the same member again: this time baresip hangs up, and the server answers its BYE 200 OK.
            RawMember.SendVoiceJoin(member, lobby.LocalEndPoint, challenge, baresip.SipPort);
            await baresip.WaitForEventAsync("CALL_ESTABLISHED", 2);
            await baresip.WaitUntilAsync(() => lobby.Invoke(g => g.CallMemberCount) == 1, "the second call leg");
            await baresip.WaitUntilAsync(() => Dialogs(baresip, serverSip, baresipSip, "ACK ") == 2, "the server's ACK of the second call");
            await baresip.CommandAsync("hangup");
            await baresip.WaitUntilAsync(() => Count(baresip, serverSip, baresipSip, "SIP/2.0 200 ", "BYE") >= 1, "the server's 200 OK to baresip's BYE");
            await SentAsync(baresip, baresipSip, serverSip, "BYE sip:", "BYE");
            await baresip.WaitForEventAsync("CALL_CLOSED", 2);
            await baresip.WaitUntilAsync(() => lobby.Invoke(g => g.CallMemberCount) == 0, "baresip's BYE to end the leg on the server");

            // The member is still in the group, and the server sent no BYE of its own for the second call (§12.5).
            Assert.Equal(1, lobby.Invoke(g => g.MemberCount));
            Assert.All(baresip.Trace.Where(m => m.From == serverSip && m.StartLine.StartsWith("BYE ", StringComparison.Ordinal)), m => Assert.Equal(invite.CallId, m.CallId));
            Assert.DoesNotContain(baresip.Trace, m => m.IsResponse && !m.StartLine.StartsWith("SIP/2.0 1", StringComparison.Ordinal) && !m.StartLine.StartsWith("SIP/2.0 200 ", StringComparison.Ordinal));

            // Wireshark's SIP and SDP dissectors read every message of both calls, ours and baresip's, as sent.
            await AssertTsharkDecodesAsync(baresip.Trace);
        }
        finally
        {
            await stop.CancelAsync();
            await serving;
        }
    }

    [Fact]
    public async Task BaresipStandingInForTheServerCallsTheClientWhileItsVoiceJoinIsOutstandingAndOnlyThen()
    {
        await using var baresip = await BaresipAgent.StartAsync("vcsp");

        // A group without a SIP endpoint of its own never answers VC-INIT, so the client's VoiceJoin stays outstanding;
        // the client, a VcspClientHost set up as vcsp client sets it up, expects its server's SIP endpoint where
        // baresip is (vcsp client --server-sip).
        await using var member = await ClientOfAGroupWithoutSip.StartAsync("alice", baresip.SipEndPoint);
        var clientSip = $"127.0.0.1:{member.SipPort}";
        var baresipSip = $"127.0.0.1:{baresip.SipPort}";
        var target = $"sip:alice@{clientSip}";

        // Call 1: VC-INIT, then baresip's INVITE (its SDP has no a=vcsp-challenge): 200 OK, baresip's ACK, then baresip hangs up.
        Assert.True(member.Get(c => c.Join()));
        await baresip.CommandAsync("dial", target);
        await baresip.WaitForEventAsync("CALL_ESTABLISHED", 1);
        await baresip.WaitUntilAsync(() => member.Get(c => c.State) == CallState.InCall, "baresip's ACK to put the client in the call");
        await member.WhenCallLogHoldsAsync(1); // the host delivers events off its lock, a moment later
        Assert.Equal(["started codec 0 without challenge"], member.Calls.Log);
        await SentAsync(baresip, clientSip, baresipSip, "SIP/2.0 200 ", "INVITE");
        await SentAsync(baresip, baresipSip, clientSip, "ACK ", "ACK");
        await baresip.CommandAsync("hangup");
        await baresip.WaitUntilAsync(() => member.Get(c => c.State) == CallState.Idle, "baresip's BYE to end the client's call");
        await baresip.WaitUntilAsync(() => Count(baresip, clientSip, baresipSip, "SIP/2.0 200 ", "BYE") >= 1, "the client's 200 OK to baresip's BYE");
        await baresip.WaitForEventAsync("CALL_CLOSED", 1);
        await member.WhenCallLogHoldsAsync(2);
        Assert.Equal(["started codec 0 without challenge", "ended: ended by the server (BYE)"], member.Calls.Log);

        // Call 2: the same, but the client hangs up (a call without a call challenge is left with a BYE, §12.5).
        Assert.True(member.Get(c => c.Join()));
        await baresip.CommandAsync("dial", target);
        await baresip.WaitForEventAsync("CALL_ESTABLISHED", 2);
        await baresip.WaitUntilAsync(() => member.Get(c => c.State) == CallState.InCall, "baresip's second ACK");
        Assert.True(member.Get(c => c.Leave()));
        await baresip.WaitForEventAsync("CALL_CLOSED", 2);
        await baresip.WaitUntilAsync(() => Count(baresip, baresipSip, clientSip, "SIP/2.0 200 ", "BYE") >= 1, "baresip's 200 OK to the client's BYE");
        await SentAsync(baresip, clientSip, baresipSip, "BYE sip:", "BYE");
        Assert.Equal(CallState.Idle, member.Get(c => c.State));
        await member.WhenCallLogHoldsAsync(4);
        Assert.Equal("started codec 0 without challenge", member.Calls.Log[2]);
        Assert.StartsWith("ended: ", member.Calls.Log[3], StringComparison.Ordinal);

        // Call 3: no VoiceJoin outstanding now, so the client drops baresip's INVITE without any answer and counts
        // it (§12.4). baresip, hearing nothing, retransmits it (Timer A): each copy is dropped and counted too.
        var dropped = member.Get(c => c.Dropped);
        var earlier = baresip.Trace.Select(m => m.CallId).ToHashSet();
        await baresip.CommandAsync("dial", target);
        await baresip.WaitUntilAsync(() => member.Get(c => c.Dropped) >= dropped + 3, "the INVITE and two of its retransmissions to be dropped");
        TracedSip[] Third() => [.. baresip.Trace.Where(m => !earlier.Contains(m.CallId))];
        await baresip.WaitUntilAsync(() => Third().Count(m => m.From == baresipSip && m.StartLine.StartsWith("INVITE ", StringComparison.Ordinal)) >= 3, "baresip's trace of its INVITE and two retransmissions");
        Assert.DoesNotContain(Third(), m => m.From == clientSip);
        Assert.Equal(CallState.Idle, member.Get(c => c.State));
        Assert.Equal(4, member.Calls.Log.Length);
        Assert.Equal(2, baresip.Events.Count(e => e.Type == "CALL_ESTABLISHED"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AClientThatLearnsItsServersSipEndpointTakesBaresipsInviteOnlyWhenItsFromNamesTheViasPort(bool fromWithPort)
    {
        await using var baresip = await BaresipAgent.StartAsync("vcsp", addressWithPort: fromWithPort);

        // No configured server SIP endpoint: the INVITE must come from the group's IP address, and its top Via, Contact
        // and From must name one port, its source port (§12.4). baresip's Via and Contact name its SIP port; its From
        // is its account's address, which names that port only when the account is written with it.
        await using var member = await ClientOfAGroupWithoutSip.StartAsync("alice", serverSip: null);
        var clientSip = $"127.0.0.1:{member.SipPort}";
        Assert.True(member.Get(c => c.Join()));
        await baresip.CommandAsync("dial", $"sip:alice@{clientSip}");
        if (fromWithPort)
        {
            await baresip.WaitForEventAsync("CALL_ESTABLISHED");
            await baresip.WaitUntilAsync(() => member.Get(c => c.State) == CallState.InCall, "baresip's ACK");
            Assert.Equal(baresip.SipEndPoint, member.Get(c => c.ServerSipEndPoint));
            Assert.True(member.Get(c => c.Leave()));
            await baresip.WaitForEventAsync("CALL_CLOSED");
            Assert.Equal(CallState.Idle, member.Get(c => c.State));
        }
        else
        {
            // The From names no port (so 5060): dropped without an answer, and so is each retransmission.
            await baresip.WaitUntilAsync(() => member.Get(c => c.Dropped) >= 3, "the INVITE and two of its retransmissions to be dropped");
            Assert.DoesNotContain(baresip.Trace, m => m.From == clientSip);
            Assert.Equal(CallState.Joining, member.Get(c => c.State));
            Assert.Empty(member.Calls.Log);
        }
    }

    /// <summary>
    /// Writes the messages, byte for byte as baresip's trace shows them, into a capture with text2pcap, and has tshark
    /// decode each: the method or status and the CSeq must be the ones sent, with no malformed-packet mark and no
    /// expert note of warning or error severity.
    /// </summary>
    private static async Task AssertTsharkDecodesAsync(IReadOnlyList<TracedSip> messages)
    {
        using var folder = new TempFolder();
        var dump = new StringBuilder();
        foreach (var message in messages)
        {
            var bytes = Encoding.UTF8.GetBytes(message.Text);
            for (var i = 0; i < bytes.Length; i += 16)
            {
                dump.Append(i.ToString("x6", CultureInfo.InvariantCulture)).Append(' ')
                    .AppendJoin(' ', bytes.Skip(i).Take(16).Select(b => b.ToString("x2", CultureInfo.InvariantCulture))).Append('\n');
            }
        }

        await File.WriteAllTextAsync(Path.Combine(folder.Path, "sip.txt"), dump.ToString(), TestContext.Current.CancellationToken);
        var (made, madeOutput) = await Programs.RunAsync("text2pcap", ["-q", "-u", "5060,5060", "sip.txt", "sip.pcap"], folder.Path, TimeSpan.FromSeconds(20));
        Assert.True(made == 0, "text2pcap: " + madeOutput);
        var (code, output) = await Programs.RunAsync(
            "tshark",
            ["-r", "sip.pcap", "-T", "fields", "-E", "separator=|", "-E", "aggregator=,", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.CSeq.method", "-e", "_ws.malformed", "-e", "_ws.expert.severity"],
            folder.Path,
            TimeSpan.FromSeconds(20));
        Assert.True(code == 0, "tshark: " + output);
        var rows = output.Split('\n').Where(l => l.Contains('|', StringComparison.Ordinal)).Select(l => l.TrimEnd('\r').Split('|')).ToArray();
        Assert.Equal(messages.Count, rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            var (message, row) = (messages[i], rows[i]);
            var what = $"message {i} ({message}): tshark read {string.Join("|", row)}";
            Assert.True(message.StartLine.StartsWith(message.IsResponse ? "SIP/2.0 " + row[1] + " " : row[0] + " ", StringComparison.Ordinal) && row[0].Length + row[1].Length > 0, what);
            Assert.True(row[2] == message.CSeqMethod, what);
            Assert.True(row[3].Length == 0, what); // no malformed-packet mark
            var severities = row[4].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => long.Parse(v, CultureInfo.InvariantCulture));
            Assert.True(severities.All(v => v < ExpertWarning), what);
        }
    }

    private static int Count(BaresipAgent baresip, string from, string to, string startLine, string cseqMethod) =>
        baresip.Trace.Count(m => m.From == from && m.To == to && m.StartLine.StartsWith(startLine, StringComparison.Ordinal) && m.CSeqMethod == cseqMethod);

    /// <summary>In how many dialogs (Call-IDs) such a request was sent.</summary>
    private static int Dialogs(BaresipAgent baresip, string from, string to, string startLine) =>
        baresip.Trace.Where(m => m.From == from && m.To == to && m.StartLine.StartsWith(startLine, StringComparison.Ordinal)).Select(m => m.CallId).Distinct().Count();

    /// <summary>
    /// Waits until baresip's trace has such a message, once or more (a retransmission repeats it). The trace comes on
    /// baresip's stdout, and its events on the control socket, so the one may lag the other a little.
    /// </summary>
    private static Task SentAsync(BaresipAgent baresip, string from, string to, string startLine, string cseqMethod) =>
        baresip.WaitUntilAsync(() => Count(baresip, from, to, startLine, cseqMethod) >= 1, $"{from} -> {to} '{startLine}...' (CSeq {cseqMethod}) in baresip's trace");
}

/// <summary>A group member on a bare UDP socket, speaking VCSP directly (its SIP user agent is another program).</summary>
internal static class RawMember
{
    /// <summary>Joins as <paramref name="name"/>: a padded JoinRequest, its Response, and the confirming Ack with its answer (PROTOCOL.md §8.1).</summary>
    public static async Task<(Socket Member, ushort Challenge)> JoinAsync(IPEndPoint group, string name)
    {
        var member = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        member.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var buffer = new byte[128];
        var request = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 70, Server = VcspAddress.FromEndPoint(group), Name = System.Text.Encoding.UTF8.GetBytes(name) };
        Assert.Equal(VcspEncodeStatus.Ok, request.TryEncode(buffer, out var n));
        request = request with { Padding = new byte[Math.Max(0, JoinRequest.PaddedSize - n)] };
        Assert.Equal(VcspEncodeStatus.Ok, request.TryEncode(buffer, out n));
        member.SendTo(buffer.AsSpan(0, n), group);
        var answer = await UdpLab.ReceiveAsync(member, TimeSpan.FromSeconds(10));
        Assert.NotNull(answer);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(answer, out var response));
        var challenge = response.Challenge;
        var confirm = new Ack { Challenge = challenge, Sequence = 71, Flags = AckFlags.ReplyRequested };
        Assert.Equal(VcspEncodeStatus.Ok, confirm.TryEncode(buffer, out n));
        member.SendTo(buffer.AsSpan(0, n), group);
        answer = await UdpLab.ReceiveAsync(member, TimeSpan.FromSeconds(10));
        Assert.NotNull(answer);
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(answer, out _));
        return (member, challenge);
    }

    /// <summary>VC-INIT naming another program's SIP user agent on 127.0.0.1, over UDP, with PCMU only. Sent once.</summary>
    public static void SendVoiceJoin(Socket member, IPEndPoint group, ushort challenge, int sipPort)
    {
        var buffer = new byte[128];
        var join = new VoiceJoin { Challenge = challenge, SipPort = (ushort)sipPort, SipTransport = SipTransport.Udp, Codecs = [(byte)VcspCodec.Pcmu] };
        Assert.Equal(VcspEncodeStatus.Ok, join.TryEncode(buffer, out var n));
        member.SendTo(buffer.AsSpan(0, n), group);
    }

    public static void Send(Socket member, IPEndPoint group, VoiceFin packet)
    {
        var buffer = new byte[128];
        Assert.Equal(VcspEncodeStatus.Ok, packet.TryEncode(buffer, out var n));
        member.SendTo(buffer.AsSpan(0, n), group);
    }

    /// <summary>Waits for the server's VoiceFin answer (other datagrams, such as Media or Pings, are skipped).</summary>
    public static async Task ReceiveVoiceFinAsync(Socket member, ushort callChallenge, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline)
        {
            var datagram = await UdpLab.ReceiveAsync(member, deadline - DateTime.UtcNow);
            if (datagram is not null && VoiceFin.TryDecode(datagram, out var fin) == VcspDecodeStatus.Ok)
            {
                Assert.Equal(callChallenge, fin.Challenge);
                return;
            }
        }

        Assert.Fail("the server did not answer the VoiceFin");
    }
}

/// <summary>
/// A group without a SIP endpoint (a <see cref="VcspServerHost"/> on 127.0.0.1; it has no call and drops VoiceJoin,
/// so a client's VoiceJoin stays outstanding), and one client of it joined to the group: a <see cref="VcspClientHost"/>
/// set up as <c>vcsp client --codecs pcmu [--server-sip ...]</c> sets it up (its SIP user agent on a free UDP port of
/// 127.0.0.1, RFC 3261's default timers).
/// </summary>
internal sealed class ClientOfAGroupWithoutSip : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly VcspServerHost _server;
    private readonly VcspClientHost _client;
    private readonly Task _runs;

    private ClientOfAGroupWithoutSip(CancellationTokenSource stop, VcspServerHost server, VcspClientHost client, ConcurrentCallEvents calls, Task runs)
    {
        _stop = stop;
        _server = server;
        _client = client;
        Calls = calls;
        _runs = runs;
    }

    /// <summary>What the client's call reported.</summary>
    public ConcurrentCallEvents Calls { get; }

    /// <summary>The client's SIP port (UDP, 127.0.0.1).</summary>
    public int SipPort => _client.SipEndPoint!.Port;

    /// <param name="name">The client's member name.</param>
    /// <param name="serverSip">Its configured server SIP endpoint (<c>--server-sip</c>), or null to learn it from each INVITE.</param>
    public static async Task<ClientOfAGroupWithoutSip> StartAsync(string name, IPEndPoint? serverSip)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var server = new VcspServerHost(IPAddress.Loopback, sipPort: null, eventLoops: 1);
        var lobby = server.AddGroup(0, b => new GroupOptions { Name = "lobby", Address = b.Address });
        var events = new LabEvents();
        var calls = new ConcurrentCallEvents();
        var client = new VcspClientHost(
            new ClientHostOptions
            {
                Client = new ClientOptions { Server = VcspAddress.FromEndPoint(lobby.LocalEndPoint), Name = name },
                Bind = IPAddress.Loopback,
                SipPort = 0,
                Call = b => new CallOptions
                {
                    SipEndPoint = b.Sip!,
                    SipTransport = SipTransport.Udp,
                    ServerSipEndPoint = serverSip,
                    MediaPort = b.Local.Port,
                    Codecs = [(byte)VcspCodec.Pcmu],
                },
            },
            events,
            events,
            calls);
        var runs = Task.WhenAll(server.RunAsync(stop.Token, TimeSpan.Zero), client.RunAsync(stop.Token));
        var lab = new ClientOfAGroupWithoutSip(stop, server, client, calls, runs);
        try
        {
            client.Invoke(c => c.Join());
            await events.WaitForAsync("joined lobby");
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the call has reported <paramref name="count"/> events (they come on the host's dispatcher).</summary>
    public Task WhenCallLogHoldsAsync(int count) =>
        UdpLab.WaitUntilAsync(() => Calls.Log.Length >= count, $"{count} call events (call log: {string.Join(" | ", Calls.Log)})");

    /// <summary>Reads or acts on the client's call under its lock.</summary>
    public T Get<T>(Func<MemberCall, T> read) => _client.Invoke(c => read(c.Call!));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _runs;
        _client.Dispose();
        _server.Dispose();
        _stop.Dispose();
    }
}
