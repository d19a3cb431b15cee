using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// 100 members on real loopback UDP, 10 of them sending 100 messages each at once, as fast as their windows take them
/// (issue 12, item 2): every member gets every other sender's messages exactly once and in order, nothing is reported
/// lost, and the run is bounded in time. The members share two event loops, as a host of many sessions would.
/// </summary>
public sealed class HundredMembersTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TenSendersToAHundredMembersAtOnceAreDeliveredExactlyOnceInOrder()
    {
        const int Members = 100;
        const int Senders = 10;
        const int Messages = 100;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var server = new VcspServerHost(IPAddress.Loopback, sipPort: null);
        var group = server.AddGroup(0, binding => new GroupOptions { Name = "hundred", Address = binding.Address, JoinRatePerSource = 10_000 });
        var serving = server.RunAsync(stop.Token);
        var loops = new[] { new EventLoop("members 0"), new EventLoop("members 1") };
        var members = new List<(UdpHost Host, ClientSession Session, Heard Heard)>();
        var running = new List<Task>();
        try
        {
            for (var i = 0; i < Members; i++)
            {
                var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
                var heard = new Heard();
                var session = new ClientSession(new ClientOptions { Server = group.Host.LocalAddress, Name = "m" + i.ToString(CultureInfo.InvariantCulture) }, host, TimeProvider.System, heard);
                members.Add((host, session, heard));
                running.Add(host.RunAsync(session, TimeProvider.System, loops[i % 2], stop.Token));
                host.Invoke(session.Join);
            }

            await WaitAsync(() => members.All(m => m.Host.Invoke(() => m.Session.State) == ClientState.Member), "all joined");

            var sends = Enumerable.Range(0, Senders).Select(s => Task.Run(async () =>
            {
                var (host, session, _) = members[s];
                for (var i = 0; i < Messages; i++)
                {
                    var text = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{s} {i} ") + (i % 3 == 2 ? new string('x', 150) : "short"));
                    while (!host.Invoke(() => session.TrySend(text)))
                    {
                        await Task.Delay(1, stop.Token); // back-pressure: the window is full and so is the queue
                    }
                }
            }, stop.Token)).ToArray();
            await Task.WhenAll(sends);

            var expected = (Members * Senders * Messages) - (Senders * Messages);
            await WaitAsync(() => members.Sum(m => m.Heard.Count) >= expected, $"{expected} deliveries");
            foreach (var (host, session, heard) in members)
            {
                var lines = heard.Lines();
                var index = members.FindIndex(m => ReferenceEquals(m.Heard, heard));
                for (var s = 0; s < Senders; s++)
                {
                    if (s != index)
                    {
                        Assert.Equal(Enumerable.Range(0, Messages), lines.Where(l => l.Sender == s).Select(l => l.Line));
                    }
                }

                Assert.Equal(0, heard.Lost);
                Assert.Equal(0, host.Invoke(() => session.LostDatagrams));
            }

            Assert.Equal(0, group.Host.HandlerFailures);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
            await serving;
            foreach (var (host, _, _) in members)
            {
                host.Dispose();
            }

            foreach (var loop in loops)
            {
                loop.Dispose();
            }
        }
    }

    private static async Task WaitAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The messages one member heard: sender index and line number, in order.</summary>
    private sealed class Heard : IClientEvents
    {
        private readonly List<(int Sender, int Line)> _lines = [];
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public long Lost { get; private set; }

        public (int Sender, int Line)[] Lines()
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message)
        {
            var text = Encoding.UTF8.GetString(message).Split(' ');
            lock (_lines)
            {
                _lines.Add((int.Parse(text[0], CultureInfo.InvariantCulture), int.Parse(text[1], CultureInfo.InvariantCulture)));
            }

            Interlocked.Increment(ref _count);
        }

        public void OnJoined(ReadOnlySpan<byte> groupName)
        {
        }

        public void OnClosed(SessionEnd end)
        {
        }

        public void OnPong(TimeSpan roundTrip)
        {
        }

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
        }

        public void OnRelayLost(long datagrams) => Lost += datagrams;

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence)
        {
        }

        public void OnRejoining(int attempt, TimeSpan delay)
        {
        }
    }
}
