using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// A member that says something and leaves (or restarts) at once: everyone still gets what it said, whole, once and
/// in order, also when the member speaks again at once under the same name with a new sequence (PROTOCOL.md §7.5).
/// </summary>
public sealed class LeaveRightAfterSendingTests
{
    private static readonly string LongLine = string.Concat(Enumerable.Range(0, 30).Select(i => $"word{i} "));

    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 100)]
    [InlineData(true, 0)]
    [InlineData(true, 100)]
    public void MessagesSentJustBeforeAFinAreDelivered(bool restart, int relayQuietMs)
    {
        var lab = Lab(relayQuietMs);
        var alice = lab.AddMember("alice");
        var bob = lab.AddMember("bob");
        Assert.True(alice.Client.Group.TrySend("hello everyone"u8));
        Assert.True(alice.Client.Group.TrySend(System.Text.Encoding.UTF8.GetBytes(LongLine)));
        if (restart)
        {
            Assert.True(alice.Client.Restart());
        }
        else
        {
            alice.Client.Quit();
        }

        lab.Pump();
        Run(lab, TimeSpan.FromSeconds(2));
        if (restart)
        {
            Assert.Equal(ClientState.Member, alice.Client.Group.State);
            Assert.True(alice.Client.Group.TrySend("still here"u8));
            Run(lab, TimeSpan.FromSeconds(10));
        }

        string[] expected = restart ? ["hello everyone", LongLine, "still here"] : ["hello everyone", LongLine];
        Assert.Equal(expected, bob.Events.Messages.Select(m => m.Message));
        Assert.Equal(0, bob.Client.Group.AbandonedMessages);
    }

    /// <summary>
    /// The member restarts and speaks again at once, while a receiver is still busy with what it said before (here:
    /// the receiver hears nothing until the new stream's first message has been relayed too, as when its thread
    /// stalls). The receiver finishes the old stream first, then takes the new one; the old stream's late tail
    /// repeats are not taken for a third stream.
    /// </summary>
    [Theory]
    [InlineData(0, false)]
    [InlineData(100, false)]
    [InlineData(0, true)]
    [InlineData(100, true)]
    public void ARestartedSenderThatSpeaksAtOnceIsHeardInOrderAndOnce(int relayQuietMs, bool receiverStalls)
    {
        var lab = Lab(relayQuietMs);
        var alice = lab.AddMember("alice");
        var bob = lab.AddMember("bob");
        var held = new List<(byte[] Datagram, VcspAddress From)>();
        var holding = receiverStalls;
        lab.Network.Drop = (datagram, from, to) =>
        {
            if (holding && to == bob.Address)
            {
                held.Add((datagram, from));
                return true;
            }

            return false;
        };

        Assert.True(alice.Client.Group.TrySend("hello everyone"u8));
        Assert.True(alice.Client.Group.TrySend(System.Text.Encoding.UTF8.GetBytes(LongLine)));
        Assert.True(alice.Client.Restart());
        lab.Pump();
        Assert.Equal(ClientState.Member, alice.Client.Group.State);
        Assert.True(alice.Client.Group.TrySend("still here"u8));
        lab.Pump();
        lab.Advance(TimeSpan.FromMilliseconds(relayQuietMs + 10));

        if (receiverStalls)
        {
            // Both streams' first messages reach bob in one go, the old one first.
            holding = false;
            Assert.NotEmpty(held);
            foreach (var (datagram, from) in held)
            {
                bob.Client.Receive(datagram, from);
            }

            lab.Pump();
        }

        Assert.True(alice.Client.Group.TrySend("and again"u8));
        Run(lab, TimeSpan.FromSeconds(5));

        Assert.Equal(["hello everyone", LongLine, "still here", "and again"], bob.Events.Messages.Select(m => m.Message));
        Assert.Equal(0, bob.Client.Group.AbandonedMessages);
    }

    /// <summary>
    /// A receiver loses the last message a member sent before it restarted: the new membership's first message shows
    /// the hole in the receiver's one relay stream (PROTOCOL.md §7.5), so the old message is asked for and delivered
    /// once, before the new one, and the new membership's next messages still arrive, in the order they were sent.
    /// </summary>
    [Fact]
    public void AnOldMembershipsLostTailIsDeliveredOnceBeforeTheNewMembershipsMessages()
    {
        var lab = Lab(0);
        var alice = lab.AddMember("alice");
        var bob = lab.AddMember("bob");
        var lostOnce = false;
        lab.Network.Drop = (datagram, _, to) =>
        {
            if (!lostOnce && to == bob.Address && datagram[1] == VcspGen.Spec.Msg.Flag && datagram.AsSpan().EndsWith("hello everyone"u8))
            {
                lostOnce = true;
                return true;
            }

            return false;
        };

        Assert.True(alice.Client.Group.TrySend("hello everyone"u8));
        Assert.True(alice.Client.Restart());
        lab.Pump();
        Assert.True(lostOnce);
        Assert.True(alice.Client.Group.TrySend("still here"u8));
        lab.Pump();
        Assert.Equal(["hello everyone", "still here"], bob.Events.Messages.Select(m => m.Message)); // the hole asked for and filled at once

        Assert.True(alice.Client.Group.TrySend("and again"u8));
        Run(lab, TimeSpan.FromSeconds(5));

        Assert.Equal(["hello everyone", "still here", "and again"], bob.Events.Messages.Select(m => m.Message));
        Assert.Equal(0, bob.Client.Group.AbandonedMessages);
    }

    private static CallLab Lab(int relayQuietMs) =>
        new(new GroupOptions { Name = "lobby", Address = VcspAddress.IPv4([127, 0, 0, 1], 5000), RelayQuiet = TimeSpan.FromMilliseconds(relayQuietMs) });

    private static void Run(CallLab lab, TimeSpan time)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < time; elapsed += TimeSpan.FromMilliseconds(50))
        {
            lab.Advance(TimeSpan.FromMilliseconds(50));
        }
    }
}
