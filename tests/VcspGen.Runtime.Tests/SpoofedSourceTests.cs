using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Spoofed sources on loopback, forged with raw sockets against a real server host (issue 12, item 4): a JoinRequest
/// that names a victim's address makes it neither a member nor a receiver of group traffic and gets it at most one
/// answer no larger than the request; a flood from thousands of forged sources is answered at a bounded rate, fills
/// nothing, and a real client still joins and chats.
/// </summary>
public sealed class SpoofedSourceTests
{
    [Fact]
    public async Task AJoinSpoofedWithAVictimsAddressNeverSubscribesTheVictim()
    {
        await using var lab = new UdpLab("127.0.0.1");
        using var victim = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        victim.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        var victimAddress = (IPEndPoint)victim.LocalEndPoint!;
        var join = Datagrams.Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 7, Server = lab.ServerHost.LocalAddress, Name = "victim"u8 });
        using var raw = ForgedUdp.Open();
        ForgedUdp.Send(raw, victimAddress, lab.ServerHost.LocalEndPoint, join);

        // The victim gets one Response, no larger than the 64-byte request, and never confirms it.
        var answer = await UdpLab.ReceiveAsync(victim, UdpLab.Patience);
        Assert.NotNull(answer);
        Assert.Equal(Response.Flag, answer![1]);
        Assert.True(answer.Length <= join.Length, $"{answer.Length} > {join.Length}");

        var alice = await lab.JoinAsync("alice");
        var bob = await lab.JoinAsync("bob");
        for (var i = 0; i < 5; i++)
        {
            Assert.True(alice.Get(c => c.Group.TrySend("for members only"u8)));
        }

        await bob.Events.WaitForAsync("<alice> for members only");
        Assert.Null(await UdpLab.ReceiveAsync(victim, TimeSpan.FromMilliseconds(500))); // no Msg, nothing
        Assert.Equal(2, lab.OnServer(s => s.MemberCount));
    }

    [Fact]
    public async Task AFloodOfSpoofedJoinsIsAnsweredAtABoundedRateAndARealClientStillJoins()
    {
        await using var lab = new UdpLab("127.0.0.1", address => new GroupOptions { Name = "lobby", Address = address, MaxMembers = 8 });
        using var raw = ForgedUdp.Open();
        var random = new Random(12);
        var flood = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3000; i++)
        {
            // 3,000 forged sources in 127.1.0.0/16: each a would-be member the spoofer never hears from.
            var source = new IPEndPoint(new IPAddress([127, 1, (byte)random.Next(256), (byte)random.Next(1, 255)]), random.Next(1024, 65535));
            var join = Datagrams.Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = (uint)i, Server = lab.ServerHost.LocalAddress, Name = System.Text.Encoding.UTF8.GetBytes("ghost" + i) });
            ForgedUdp.Send(raw, source, lab.ServerHost.LocalEndPoint, join);
        }

        // What reached the server (the kernel may drop some of such a burst) is either answered, at most the group's
        // burst of 1,000 and its rate for the flood's duration, or dropped unanswered and counted; nobody became a member.
        long received;
        do
        {
            received = lab.ServerHost.DatagramsIn;
            await Task.Delay(300, TestContext.Current.CancellationToken);
        }
        while (lab.ServerHost.DatagramsIn != received);

        var answered = lab.ServerHost.DatagramsOut;
        var bound = 1000 + (500 * flood.Elapsed.TotalSeconds); // the burst, and the rate (500/s) for as long as it lasted
        var limited = lab.OnServer(s => s.Dropped(DropReason.RateLimited));
        Assert.True(received > 1000, $"only {received} of the forged datagrams reached the server");
        Assert.InRange(answered, 1, bound);
        Assert.Equal(received, answered + limited);
        Assert.Equal(0, lab.OnServer(s => s.MemberCount));

        // The cap (8) is not filled by the ghosts: real clients join and chat.
        var alice = await lab.JoinAsync("alice");
        var bob = await lab.JoinAsync("bob");
        Assert.True(alice.Get(c => c.Group.TrySend("the ghosts took no seat"u8)));
        await bob.Events.WaitForAsync("<alice> the ghosts took no seat");
        Assert.Equal(2, lab.OnServer(s => s.MemberCount));
        Assert.Equal(0, lab.ServerHost.HandlerFailures);
    }
}
