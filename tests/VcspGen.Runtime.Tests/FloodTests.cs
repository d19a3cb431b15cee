using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>A server under a flood of junk over real UDP: nothing crashes, every datagram is a counted drop, and chat goes on.</summary>
public sealed class FloodTests
{
    private const int FloodSize = 100_000;
    private const int Burst = 100; // small enough that the socket's receive buffer never overflows

    [Fact]
    public async Task AHundredThousandRandomAndMutatedDatagramsAreAllCountedAsDropsAndChatGoesOn()
    {
        await using var lab = new UdpLab("127.0.0.1");
        var flooders = Enumerable.Range(0, 4).Select(_ => lab.RawSocket()).ToArray();
        try
        {
            var random = new Random(4242);
            var templates = Templates(lab.ServerHost.LocalAddress);
            var datagram = new byte[300];
            var kinds = new int[3];
            for (var sent = 0; sent < FloodSize;)
            {
                for (var b = 0; b < Burst; b++, sent++)
                {
                    var length = Junk(random, templates, datagram, kinds);
                    flooders[sent % flooders.Length].SendTo(datagram.AsSpan(0, length), SocketFlags.None, lab.ServerHost.LocalEndPoint);
                }

                var expected = sent;
                await UdpLab.WaitUntilAsync(() => lab.OnServer(_ => lab.ServerHost.DatagramsIn) >= expected, $"the server to receive {expected} datagrams");
            }

            Assert.All(kinds, k => Assert.True(k > FloodSize / 5, "each kind of junk is well represented"));
            var (received, drops, members) = lab.OnServer(s => (lab.ServerHost.DatagramsIn, Enum.GetValues<DropReason>().Sum(r => s.Dropped(r)), s.MemberCount));
            Assert.Equal(FloodSize, received);
            Assert.Equal(FloodSize, drops);
            Assert.Equal(0, members);
            Assert.True(lab.OnServer(s => s.Dropped(DropReason.Malformed)) > 0);
            Assert.True(lab.OnServer(s => s.Dropped(DropReason.UnknownSender)) > 0);

            var alice = await lab.JoinAsync("alice");
            var bob = await lab.JoinAsync("bob");
            Assert.True(alice.Get(c => c.Group.TrySend("still standing"u8)));
            await bob.Events.WaitForAsync("<alice> still standing");
        }
        finally
        {
            foreach (var flooder in flooders)
            {
                flooder.Dispose();
            }
        }
    }

    /// <summary>One datagram of junk: pure noise, a noisy datagram with a real header, or a real packet with bits flipped.</summary>
    private static int Junk(Random random, byte[][] templates, byte[] datagram, int[] kinds)
    {
        var kind = random.Next(3);
        kinds[kind]++;
        switch (kind)
        {
            case 0:
                var noise = random.Next(0, datagram.Length);
                random.NextBytes(datagram.AsSpan(0, noise));
                return noise;
            case 1:
                var length = random.Next(2, 140);
                random.NextBytes(datagram.AsSpan(0, length));
                datagram[0] = VcspWire.Version;
                datagram[1] = templates[random.Next(templates.Length)][1];
                return length;
            default:
                var template = templates[random.Next(templates.Length)];
                template.CopyTo(datagram, 0);
                for (var f = random.Next(0, 4); f > 0; f--)
                {
                    datagram[random.Next(template.Length)] ^= (byte)(1 << random.Next(8));
                }

                return template.Length;
        }
    }

    /// <summary>One well-formed datagram of every kind a client might send, from senders that never joined.</summary>
    private static byte[][] Templates(VcspAddress server) =>
    [
        Encode(new Syn { Challenge = 0x1234, Sequence = 7, Data = "hello"u8 }),
        Encode(new Syn { Challenge = 0x1234, Sequence = 8, FragmentOffset = 1, Data = new byte[112] }),
        Encode(new Fin { Challenge = 0x1234, Sequence = 7 }),
        Encode(new Ping { Challenge = 0x1234, Sequence = 7, Timestamp = 99 }),
        Encode(new Command { Challenge = 0x1234, Sequence = 7, Code = CommandCode.List }),
        Encode(new Command { Challenge = 0x1234, Sequence = 7, Code = CommandCode.Kick, Argument = "alice"u8 }),
        Encode(new ResendRequest { Challenge = 0x1234, Sequence = 7, Count = 3 }),
        Encode(new Msg { Challenge = VcspChallenge.None, Sequence = 7, Sender = "eve"u8, Data = "hi"u8 }),
        Encode(new DirectMessage { Challenge = VcspChallenge.None, Sequence = 7, Sender = "eve"u8, Data = "hi"u8 }),
        Encode(new VoiceJoin { Challenge = 0x1234, Sequence = 7, SipPort = 5060, Codecs = [0, 8] }),
        Encode(new Media { Challenge = 0x1234, Timestamp = 1, Codec = 33, Data = new byte[188] }),
        // A join request for another address, far enough from the group's own that three bit flips cannot reach it
        // (a value in the request only: nothing is sent there): refused and counted.
        Encode(new JoinRequest
        {
            Challenge = VcspChallenge.FirstContact,
            Sequence = 7,
            Server = VcspAddress.IPv4([192, 0, 2, 1], (ushort)(server.Port ^ 0x5A5A)),
            Name = "eve"u8,
        }),
    ];
}
