using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// The hosts of issue 11 over real sockets: a <see cref="VcspServerHost"/> whose groups share one SIP endpoint (each
/// SIP message finds its group), and a <see cref="VcspClientHost"/> whose events reach the application off its lock.
/// </summary>
public sealed class HostingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private static readonly byte[] Mp2t = [(byte)VcspCodec.Mp2t];

    [Fact]
    public async Task TwoGroupsShareOneSipEndpointAndEachCallFindsItsGroup()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var server = new VcspServerHost(IPAddress.Loopback, sipPort: 0, eventLoops: 2);
        var timers = new SipTimers { T1 = TimeSpan.FromMilliseconds(100) };
        var red = server.AddGroup(0, b => new GroupOptions { Name = "red", Address = b.Address, SipPort = b.SipPort, Codecs = Mp2t, SipTimers = timers });
        var blue = server.AddGroup(0, b => new GroupOptions { Name = "blue", Address = b.Address, SipPort = b.SipPort, Codecs = Mp2t, SipTimers = timers });
        var serving = server.RunAsync(stop.Token, TimeSpan.Zero);
        var members = new List<Member>();
        try
        {
            var alice = await JoinAsync(members, server, red, "alice", stop.Token);
            var carol = await JoinAsync(members, server, red, "carol", stop.Token);
            var bob = await JoinAsync(members, server, blue, "bob", stop.Token);
            foreach (var member in members)
            {
                Assert.True(member.Host.Invoke(c => c.Call!.Join()));
            }

            foreach (var member in members)
            {
                await member.Events.Started.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
            }

            Assert.Equal(2, red.Invoke(g => g.CallMemberCount));
            Assert.Equal(1, blue.Invoke(g => g.CallMemberCount));

            // Media stays in its group's call.
            Assert.True(alice.Host.Invoke(c => c.Call!.TrySendMedia("red media"u8, 90_000)));
            Assert.Equal("red media", await carol.Events.Media.Task.WaitAsync(Patience, TestContext.Current.CancellationToken));

            // bob's VC-LEAVE ends his leg with a BYE: its answer is routed to blue by the dialog's Call-ID.
            Assert.True(bob.Host.Invoke(c => c.Call!.Leave()));
            await UdpLab.WaitUntilAsync(() => blue.Invoke(g => g.CallMemberCount) == 0 && bob.Host.Invoke(c => c.Call!.State) == CallState.Idle, "bob out of blue's call");
            Assert.Equal(2, red.Invoke(g => g.CallMemberCount));
            Assert.False(bob.Events.Media.Task.IsCompleted);

            // A request that names no group (an unknown Call-ID, a Request-URI for nobody) is counted, not answered.
            using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var options = "OPTIONS sip:nobody@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\n"
                + "To: <sip:nobody@127.0.0.1>\r\nCall-ID: unknown@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
            stranger.SendTo(Encoding.ASCII.GetBytes(options), server.SipEndPoint!);
            await UdpLab.WaitUntilAsync(() => server.SipUnroutable == 1, "the unroutable OPTIONS to be counted");
            Assert.Null(await UdpLab.ReceiveAsync(stranger, TimeSpan.FromMilliseconds(300)));
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var member in members)
            {
                await member.Running;
                member.Host.Dispose();
            }

            await serving;
        }
    }

    [Fact]
    public async Task AClientsEventsRunOffItsLock()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var server = new VcspServerHost(IPAddress.Loopback, sipPort: null, eventLoops: 1);
        var lobby = server.AddGroup(0, b => new GroupOptions { Name = "lobby", Address = b.Address });
        var serving = server.RunAsync(stop.Token, TimeSpan.Zero);
        var events = new CallEventsLog { BlockJoined = true };
        using var client = new VcspClientHost(new ClientHostOptions { Client = new ClientOptions { Server = VcspAddress.FromEndPoint(lobby.LocalEndPoint), Name = "dana" } }, events, events);
        var running = client.RunAsync(stop.Token);
        try
        {
            client.Invoke(c => c.Join());
            await events.InJoined.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);

            // The handler is blocked inside OnJoined: the client is still reachable, so no lock is held around it.
            var state = await Task.Run(() => client.Invoke(c => c.Group.State), TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            Assert.Equal(ClientState.Member, state);
            events.Release.Set();
            await client.WhenEventsDeliveredAsync().WaitAsync(Patience, TestContext.Current.CancellationToken);
            Assert.Equal(0, client.EventsDropped);
        }
        finally
        {
            events.Release.Set();
            await stop.CancelAsync();
            await Task.WhenAll(running, serving);
        }
    }

    [Fact]
    public async Task EventsThatFindTheQueueFullAreCountedAndReported()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var server = new VcspServerHost(IPAddress.Loopback, sipPort: null, eventLoops: 1);
        var lobby = server.AddGroup(0, b => new GroupOptions { Name = "lobby", Address = b.Address, RelayQuiet = TimeSpan.Zero });
        var serving = server.RunAsync(stop.Token, TimeSpan.Zero);
        var address = VcspAddress.FromEndPoint(lobby.LocalEndPoint);
        var slow = new CallEventsLog { BlockMessages = true };
        var fast = new CallEventsLog();
        using var listener = new VcspClientHost(new ClientHostOptions { Client = new ClientOptions { Server = address, Name = "slow" }, EventCapacity = 2 }, slow, slow);
        using var talker = new VcspClientHost(new ClientHostOptions { Client = new ClientOptions { Server = address, Name = "talk" } }, fast, fast);
        var runs = new[] { listener.RunAsync(stop.Token), talker.RunAsync(stop.Token) };
        try
        {
            listener.Invoke(c => c.Join());
            talker.Invoke(c => c.Join());
            await slow.Joined.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
            await fast.Joined.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
            for (var i = 0; i < 10; i++)
            {
                var text = Encoding.UTF8.GetBytes("line " + i);
                Assert.True(talker.Invoke(c => c.Group.TrySend(text)));
            }

            // One message is in the blocked handler, two wait in the queue, the rest find it full. Every message is then
            // either delivered or counted as dropped, and the handler hears how many were.
            await UdpLab.WaitUntilAsync(() => listener.EventsDropped >= 5, $"the dropped events to be counted ({listener.EventsDropped})");
            await Task.Delay(200, TestContext.Current.CancellationToken);
            slow.Release.Set();
            await UdpLab.WaitUntilAsync(
                () => slow.Messages.Count + listener.EventsDropped == 10 && Interlocked.Read(ref slow.ReportedDrops) == listener.EventsDropped,
                $"every message delivered or counted ({slow.Messages.Count} delivered, {listener.EventsDropped} dropped, {Interlocked.Read(ref slow.ReportedDrops)} reported)");
            Assert.Equal("line 0", slow.Messages.TryPeek(out var first) ? first : null);
        }
        finally
        {
            slow.Release.Set();
            await stop.CancelAsync();
            await Task.WhenAll(runs);
            await serving;
        }
    }

    [Fact]
    public async Task AClientHostDisposedTwiceDoesNothingTheSecondTime()
    {
        var events = new CallEventsLog();
        var host = new VcspClientHost(new ClientHostOptions { Client = new ClientOptions { Server = VcspAddress.FromEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9)), Name = "erin" } }, events, events);
        var running = host.RunAsync(TestContext.Current.CancellationToken);
        host.Dispose();
        host.Dispose(); // a using block after an explicit Dispose, say: used to throw ObjectDisposedException
        await running.WaitAsync(Patience, TestContext.Current.CancellationToken);
    }

    private static async Task<Member> JoinAsync(List<Member> members, VcspServerHost server, HostedGroup group, string name, CancellationToken stop)
    {
        var events = new CallEventsLog();
        var host = new VcspClientHost(
            new ClientHostOptions
            {
                Client = new ClientOptions { Server = VcspAddress.FromEndPoint(group.LocalEndPoint), Name = name },
                SipPort = 0,
                Call = b => new CallOptions
                {
                    SipEndPoint = b.Sip!,
                    ServerSipEndPoint = server.SipEndPoint,
                    MediaPort = b.Local.Port,
                    Codecs = Mp2t,
                    Timers = new SipTimers { T1 = TimeSpan.FromMilliseconds(100) },
                },
            },
            events,
            events,
            events);
        var member = new Member(host, events, host.RunAsync(stop));
        members.Add(member);
        host.Invoke(c => c.Join());
        await events.Joined.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        return member;
    }

    private sealed record Member(VcspClientHost Host, CallEventsLog Events, Task Running);

    /// <summary>What a hosted client reports, from the host's dispatcher; can hold the dispatcher to show it runs off the lock.</summary>
    private sealed class CallEventsLog : IClientEvents, IDirectMessageEvents, ICallEvents, IClientEventsLag
    {
        public long ReportedDrops;

        public bool BlockJoined { get; init; }

        public bool BlockMessages { get; init; }

        public ManualResetEventSlim Release { get; } = new();

        public TaskCompletionSource InJoined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> Media { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<string> Messages { get; } = new();

        public ConcurrentQueue<string> Reports { get; } = new();

        public void OnJoined(ReadOnlySpan<byte> groupName)
        {
            InJoined.TrySetResult();
            if (BlockJoined)
            {
                Release.Wait(Patience);
            }

            Joined.TrySetResult();
        }

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
        {
            if (BlockMessages)
            {
                Release.Wait(Patience);
            }

            Messages.Enqueue(Encoding.UTF8.GetString(message));
        }

        public void OnClosed(SessionEnd end)
        {
        }

        public void OnPong(TimeSpan roundTrip)
        {
        }

        public void OnRejoining(int attempt, TimeSpan delay) => Reports.Enqueue($"rejoining {attempt} in {delay.TotalSeconds} s");

        public void OnRelayLost(long datagrams) => Reports.Enqueue($"lost {datagrams}");

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) =>
            Reports.Enqueue($"undelivered to {Encoding.UTF8.GetString(member)}: {firstSequence}..{endSequence}");

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
        {
        }

        public void OnCallStarted(byte codec, ushort? callChallenge) => Started.TrySetResult();

        public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs) => Started.TrySetException(new InvalidOperationException("rejected: " + reason));

        public void OnCallEnded(CallEnd end)
        {
        }

        public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data) => Media.TrySetResult(Encoding.UTF8.GetString(data));

        public void OnEventsDropped(long count) => Interlocked.Add(ref ReportedDrops, count);
    }
}
