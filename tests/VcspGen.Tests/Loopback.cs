using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>What the tests of real <c>vcsp</c> processes do on loopback: free ports, and a bare member that joins over a raw socket.</summary>
internal static class Loopback
{
    /// <summary>A UDP port free on 127.0.0.1 a moment ago.</summary>
    public static int FreeUdpPort() => FreePort(SocketType.Dgram, ProtocolType.Udp);

    /// <summary>A TCP port free on 127.0.0.1 a moment ago.</summary>
    public static int FreeTcpPort() => FreePort(SocketType.Stream, ProtocolType.Tcp);

    /// <summary>
    /// Joins the group at 127.0.0.1:<paramref name="port"/> as <paramref name="name"/> from a socket of its own: a
    /// padded JoinRequest, its Response, and the confirming Ack with its answer (PROTOCOL.md §8.1 steps 1 to 6).
    /// </summary>
    /// <returns>The member's socket (the caller disposes it) and the challenge the server gave it.</returns>
    public static async Task<(Socket Member, ushort Challenge)> JoinAsync(int port, string name, TimeSpan patience)
    {
        var member = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        member.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var group = new IPEndPoint(IPAddress.Loopback, port);
        var buffer = new byte[128];
        var request = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 70, Server = VcspAddress.FromEndPoint(group), Name = System.Text.Encoding.UTF8.GetBytes(name) };
        Assert.Equal(VcspEncodeStatus.Ok, request.TryEncode(buffer, out var n));
        request = request with { Padding = new byte[Math.Max(0, JoinRequest.PaddedSize - n)] }; // padded as a client pads it
        Assert.Equal(VcspEncodeStatus.Ok, request.TryEncode(buffer, out n));
        await member.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, group, TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(patience);
        var received = await member.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(VcspDecodeStatus.Ok, Response.TryDecode(buffer.AsSpan(0, received), out var response));
        var challenge = response.Challenge;
        var confirm = new Ack { Challenge = challenge, Sequence = 71, Flags = AckFlags.ReplyRequested };
        Assert.Equal(VcspEncodeStatus.Ok, confirm.TryEncode(buffer, out n));
        await member.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, group, TestContext.Current.CancellationToken);
        received = await member.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(VcspDecodeStatus.Ok, Ack.TryDecode(buffer.AsSpan(0, received), out _));
        return (member, challenge);
    }

    private static int FreePort(SocketType type, ProtocolType protocol)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, type, protocol);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
