using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Datagrams from sources a reply cannot be sent to (issue 11 §6). A join request from UDP port 0 is answered, and
/// the answer's sendto fails (EINVAL): once, that stopped the group's receive loop for good. Now the failure is counted
/// and the group goes on. The datagrams are forged with raw sockets (the tests run as root, as CI does).
/// </summary>
public sealed class UnreachableSourceTests
{
    public static TheoryData<string, string> Sources => new()
    {
        { "127.0.0.1", "port 0" },
        { "::1", "port 0" },
        { "127.0.0.1", "broadcast 127.255.255.255" },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task AGroupAnswersAnUnreachableSourceAndThenChatsOn(string loopback, string kind)
    {
        await using var lab = new UdpLab(loopback);
        var server = lab.ServerHost.LocalEndPoint;
        var join = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 7, Server = lab.ServerHost.LocalAddress, Name = "ghost"u8 };
        var datagram = new byte[JoinRequest.MaxDatagramSize];
        Assert.Equal(VcspEncodeStatus.Ok, join.TryEncode(datagram, out var length));

        // Several, to be sure the loop has met the failure more than once before the real members come.
        for (var i = 0; i < 5; i++)
        {
            SendForged(server, datagram.AsSpan(0, length), kind);
        }

        if (kind == "port 0")
        {
            // Never answered: a UDP source port 0 is always forged, and no reply could reach it.
            await UdpLab.WaitUntilAsync(() => lab.OnServer(s => s.Dropped(DropReason.UnreachableSource)) == 5, "five drops of the port-0 joins");
            Assert.Equal(0, lab.ServerHost.SendFailures);
        }
        else
        {
            // Answered (the server cannot know the address is a broadcast one), and the kernel refuses the send.
            await UdpLab.WaitUntilAsync(() => lab.ServerHost.SendFailures >= 5, $"five failed sends (to {kind})");
        }

        Assert.Equal(0, lab.ServerHost.HandlerFailures);

        var alice = await lab.JoinAsync("alice");
        var bob = await lab.JoinAsync("bob");
        Assert.True(alice.Get(c => c.Group.TrySend("still listening"u8)));
        await bob.Events.WaitForAsync("<alice> still listening");
        Assert.Equal(2, lab.OnServer(s => s.MemberCount)); // a forged source never confirms its join, so it is never a member (PROTOCOL.md §8.1 step 6)
    }

    [Fact]
    public async Task AMachineThatThrowsIsCountedAndTheHostGoesOn()
    {
        using var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
        var machine = new Fragile();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = host.RunAsync(machine, TimeProvider.System, stop.Token);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sender.SendTo("boom"u8, host.LocalEndPoint);
        sender.SendTo("fine"u8, host.LocalEndPoint);
        await UdpLab.WaitUntilAsync(() => Volatile.Read(ref machine.Fine) == 1 && Volatile.Read(ref machine.Polls) > 3, "the datagram after the failure, and polls");
        Assert.Equal(1, host.HandlerFailures);
        await stop.CancelAsync();
        await running;
    }

    /// <summary>Throws on a datagram that says "boom"; counts the others and its polls.</summary>
    private sealed class Fragile : IVcspStateMachine
    {
        public int Fine;
        public int Polls;

        public void Receive(ReadOnlySpan<byte> datagram, in VcspAddress source)
        {
            if (datagram.SequenceEqual("boom"u8))
            {
                throw new InvalidOperationException("a bug in a state machine");
            }

            Interlocked.Increment(ref Fine);
        }

        public void Poll() => Interlocked.Increment(ref Polls);

        public TimeSpan? NextPollDelay() => TimeSpan.FromMilliseconds(1);
    }

    /// <summary>Sends <paramref name="payload"/> to <paramref name="destination"/> in a UDP datagram with a forged source.</summary>
    private static void SendForged(IPEndPoint destination, ReadOnlySpan<byte> payload, string kind)
    {
        var udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 0); // source port 0
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), (ushort)destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        payload.CopyTo(udp.AsSpan(8));
        if (destination.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // The kernel fills in the checksum IPv6 requires (IPV6_CHECKSUM at offset 6 of what we write).
            using var raw6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.Udp);
            raw6.SetRawSocketOption(41, 7, BitConverter.GetBytes(6));
            raw6.SendTo(udp, new IPEndPoint(destination.Address, 0));
            return;
        }

        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Udp);
        if (kind == "port 0")
        {
            raw.SendTo(udp, new IPEndPoint(destination.Address, 0)); // IPv4 allows a zero checksum: none
            return;
        }

        // A source the server may not send to without SO_BROADCAST: the whole IP header is ours (IP_HDRINCL).
        using var forging = ForgedUdp.Open();
        ForgedUdp.Send(forging, new IPEndPoint(IPAddress.Parse("127.255.255.255"), 40000), destination, payload);
    }
}
