using System.Net;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Chat through a UDP forwarder on loopback that listens on another port (issue 12, item 5): the group advertises the
/// forwarder's address, and a real chat client that reaches the group only through it joins and chats with a member
/// that joined directly, both ways.
/// </summary>
public sealed class AdvertisedChatTests
{
    [Fact]
    public async Task AClientBehindAForwarderJoinsAndChatsWithADirectMember()
    {
        await using var relay = new ImpairingRelay(IPAddress.Loopback, new Impairment(0, 0, 0), seed: 1);
        await using var lab = new UdpLab("127.0.0.1", address => new GroupOptions { Name = "lobby", Address = address, Advertise = [relay.Address] });
        relay.Start(lab.ServerHost.LocalEndPoint);

        var direct = await lab.JoinAsync("alice");
        var forwarded = lab.Client("bob", server: relay.Address); // names the forwarder's address in its JoinRequest
        forwarded.Do(c => c.Join());
        await forwarded.Events.WaitForAsync("joined lobby");

        Assert.True(forwarded.Get(c => c.Group.TrySend("hello through the forwarder"u8)));
        await direct.Events.WaitForAsync("<bob> hello through the forwarder");
        Assert.True(direct.Get(c => c.Group.TrySend("and back to you"u8)));
        await forwarded.Events.WaitForAsync("<alice> and back to you");
        Assert.True(relay.Forwarded > 0);
        Assert.Equal(2, lab.OnServer(s => s.MemberCount));
    }
}
