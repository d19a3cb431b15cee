using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// The SIP port with a spoofed source, forged with a raw socket against a real server host (issue 12, item 4): a
/// request that would get a refusal longer than itself is not answered, so the victim named as its source gets nothing;
/// a request long enough gets its refusal, no longer than the request.
/// </summary>
public sealed class SpoofedSipTests
{
    [Fact]
    public async Task NoSipRefusalToASpoofedSourceIsLongerThanTheRequest()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var server = new VcspServerHost(IPAddress.Loopback, sipPort: 0, eventLoops: 1);
        server.AddGroup(0, b => new GroupOptions { Name = "lobby", Address = b.Address, SipPort = b.SipPort });
        var serving = server.RunAsync(stop.Token);
        try
        {
            using var victim = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            victim.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0));
            var source = (IPEndPoint)victim.LocalEndPoint!;
            using var raw = ForgedUdp.Open();
            string Options(string branch, string extra) =>
                $"REGISTER sip:lobby@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {source};branch=z9hG4bK{branch}\r\nFrom: <sip:x@127.0.0.3>;tag=1\r\n"
                + $"To: <sip:lobby@127.0.0.1>\r\nCall-ID: spoof@127.0.0.3\r\nCSeq: 1 REGISTER\r\n{extra}\r\n";

            // Short: its 405 (a To tag and an Allow header added) would be longer, so nothing goes to the victim.
            var shortRequest = Encoding.ASCII.GetBytes(Options("x", string.Empty));
            ForgedUdp.Send(raw, source, server.SipEndPoint!, shortRequest);
            Assert.Null(await UdpLab.ReceiveAsync(victim, TimeSpan.FromMilliseconds(500)));

            // Long enough: answered, and the answer is no longer than the request.
            var longRequest = Encoding.ASCII.GetBytes(Options("y", "User-Agent: a user agent that describes itself at some length\r\nMax-Forwards: 70\r\n"));
            ForgedUdp.Send(raw, source, server.SipEndPoint!, longRequest);
            var answer = await UdpLab.ReceiveAsync(victim, UdpLab.Patience);
            Assert.NotNull(answer);
            Assert.StartsWith("SIP/2.0 405", Encoding.ASCII.GetString(answer!), StringComparison.Ordinal);
            Assert.True(answer!.Length <= longRequest.Length, $"{answer.Length} > {longRequest.Length}");
        }
        finally
        {
            await stop.CancelAsync();
            await serving;
        }
    }
}
