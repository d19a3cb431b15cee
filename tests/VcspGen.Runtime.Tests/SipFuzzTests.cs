using System;
using System.Linq;
using System.Net;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Bad SIP never breaks a call: thousands of mutated copies of a real dialog's messages (INVITE, 200 OK, ACK, BYE), from
/// the right peers and from others, go to the server and to a member. None may throw, and afterwards the call still
/// works: media flows between the members in it, and a new member joins it.
/// </summary>
public sealed class SipFuzzTests
{
    [Fact]
    public void MutatedSipNeverThrowsAndTheCallGoesOn()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var bob = lab.AddMember("bob");
        Assert.True(bob.Call.Join());
        lab.Pump();
        var seeds = lab.Sip.Log.Select(m => m.Message.ToBytes()).ToArray();
        var peers = new[]
        {
            new SipPeer(CallLab.ServerSip, SipTransport.Udp),
            new SipPeer(alice.SipEndPoint, SipTransport.Udp),
            new SipPeer(bob.SipEndPoint, SipTransport.Tcp),
            new SipPeer(new IPEndPoint(IPAddress.Loopback, 9999), SipTransport.Udp),
        };

        // What the fuzz may legitimately do (a BYE with the right dialog ends a leg) is not the point: only that nothing
        // throws and the machines stay usable. Outgoing answers are dropped so the fuzz does not feed itself.
        lab.Sip.Drop = (_, _, _) => true;
        var random = new Random(20261125);
        var parsed = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])seeds[random.Next(seeds.Length)].Clone();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                switch (random.Next(4))
                {
                    case 0:
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                        break;
                    case 1:
                        bytes[random.Next(bytes.Length)] = (byte)"\r\n:; <>@=0123456789"[random.Next(19)];
                        break;
                    case 2:
                        bytes = bytes[..random.Next(1, bytes.Length)];
                        break;
                    default:
                        var at = random.Next(bytes.Length);
                        bytes = [.. bytes[..at], .. bytes[random.Next(bytes.Length)..]];
                        break;
                }
            }

            if (SipMessage.TryParse(bytes, stream: false, out var message, out _) != SipParseStatus.Ok)
            {
                continue;
            }

            parsed++;
            var peer = peers[random.Next(peers.Length)];
            lab.Server.ReceiveSip(message!, peer);
            alice.Client.ReceiveSip(message!, peer);
            bob.Client.ReceiveSip(message!, peer);
            if (i % 1000 == 0)
            {
                lab.Advance(TimeSpan.FromSeconds(1));
            }
        }

        Assert.True(parsed > 5_000, $"only {parsed} mutations parsed");
        lab.Sip.Drop = (_, _, _) => false;
        for (var step = 0; step < 60; step++)
        {
            lab.Advance(TimeSpan.FromSeconds(5)); // every transaction the fuzz left behind times out; the members' keepalives go on
        }

        Assert.True((lab.Server.NextPollDelay() ?? TimeSpan.MaxValue) > TimeSpan.FromSeconds(30)); // only the members' timeouts are left

        // The call still works: whoever is still in it can be joined and hears a new member's media.
        var carol = lab.JoinCall("carol");
        foreach (var member in new[] { alice, bob }.Where(m => m.Call.State == CallState.Idle))
        {
            Assert.True(member.Call.Join());
            lab.Pump();
            Assert.Equal(CallState.InCall, member.Call.State);
        }

        Assert.True(carol.Call.TrySendMedia([1, 2, 3], 0));
        lab.Pump();
        Assert.Contains(alice.Calls.Media, m => m.Data.SequenceEqual(new byte[] { 1, 2, 3 }));
        Assert.Contains(bob.Calls.Media, m => m.Data.SequenceEqual(new byte[] { 1, 2, 3 }));
    }
}
