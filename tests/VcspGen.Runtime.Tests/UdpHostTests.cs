using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>A group served over real UDP sockets on loopback, IPv4 and IPv6.</summary>
public sealed class UdpHostTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public static TheoryData<string> Loopbacks => new() { "127.0.0.1", "::1" };

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task MembersJoinAndAGroupMessageIsRelayedOverRealSockets(string loopback)
    {
        var ip = IPAddress.Parse(loopback);
        using var host = new UdpHost(new IPEndPoint(ip, 0));
        var server = new GroupServer(new GroupOptions { Name = "lobby", Address = host.LocalAddress }, host, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = host.RunAsync(server, TimeProvider.System, stop.Token);

        using var alice = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var bob = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        alice.Bind(new IPEndPoint(ip, 0));
        bob.Bind(new IPEndPoint(ip, 0));

        var aliceChallenge = await JoinAsync(alice, host, "alice", 500);
        await JoinAsync(bob, host, "bob", 900);

        var syn = new Syn { Challenge = aliceChallenge, Sequence = 501, Data = "hello over UDP"u8 };
        var buffer = new byte[128];
        Assert.Equal(VcspEncodeStatus.Ok, syn.TryEncode(buffer, out var n));
        await alice.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, host.LocalEndPoint, TestContext.Current.CancellationToken);

        var received = await ReceiveAsync(bob);
        Assert.Equal(VcspDecodeStatus.Ok, Msg.TryDecode(received, out var msg));
        Assert.Equal("alice", Encoding.UTF8.GetString(msg.Sender));
        Assert.Equal("hello over UDP", Encoding.UTF8.GetString(msg.Data));
        Assert.Equal(Starts["bob"], msg.Sequence); // the first of bob's relay stream
        Assert.Equal(2, server.MemberCount);

        await stop.CancelAsync();
        await running;
        Assert.True(host.DatagramsIn >= 3);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, uint> Starts = new();

    private static ushort ChallengeOf(byte[] reply, uint s0)
    {
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(reply, out var response));
        Assert.Equal(s0, response.Sequence);
        return response.Challenge;
    }

    private static async Task<ushort> JoinAsync(Socket client, UdpHost host, string name, uint s0)
    {
        var request = Datagrams.Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = s0, Server = host.LocalAddress, Name = Encoding.UTF8.GetBytes(name) });
        await client.SendToAsync(request, SocketFlags.None, host.LocalEndPoint, TestContext.Current.CancellationToken);
        var reply = await ReceiveAsync(client);
        var challenge = ChallengeOf(reply, s0);

        // Confirmed from the address it claims (PROTOCOL.md §8.1 step 6).
        var confirm = Datagrams.Encode(new Ack { Challenge = challenge, Sequence = s0 + 1, Flags = AckFlags.ReplyRequested });
        await client.SendToAsync(confirm, SocketFlags.None, host.LocalEndPoint, TestContext.Current.CancellationToken);
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(await ReceiveAsync(client), out var ack));
        Starts[name] = ack.RelayNext;
        return challenge;
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        var buffer = new byte[2048];
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return buffer[..n];
    }

    [Fact]
    public void AHostAsksForALargerSocketBufferThanTheSystemDefault()
    {
        using var plain = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0), socketBufferSize: 0);
        using var large = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.True(large.ReceiveBufferSize > plain.ReceiveBufferSize, $"{large.ReceiveBufferSize} <= {plain.ReceiveBufferSize}");
    }
}
