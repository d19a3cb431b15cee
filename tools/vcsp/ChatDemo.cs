using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen;
using VcspGen.Runtime;
using VcspGen.Spec;

namespace Vcsp.Cli;

/// <summary>
/// <c>vcsp demo</c>: a server and three clients in one process, each on its own UDP socket on 127.0.0.1, and a short
/// conversation: joins, a group message, a fragmented one, a DM by name, LIST, INFO, PING and a QUIT. Every datagram
/// is printed as it is sent, decoded by the generated dispatch table.
/// </summary>
internal static class ChatDemo
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(TextWriter output, CancellationToken stop)
    {
        var print = TextWriter.Synchronized(output);
        var names = new ConcurrentDictionary<VcspAddress, string>();
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var hosts = new List<(UdpHost Host, Task Run)>();
        try
        {
            var serverHost = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
            names[serverHost.LocalAddress] = "server";
            var server = new GroupServer(
                new GroupOptions { Name = "lobby", Address = serverHost.LocalAddress, Owner = "alice" },
                new Tap(serverHost, "server", names, print),
                TimeProvider.System);
            hosts.Add((serverHost, serverHost.RunAsync(server, TimeProvider.System, run.Token)));
            print.WriteLine($"VCSP demo: a server and three clients in this process, each on its own UDP socket.");
            print.WriteLine($"Group 'lobby' on {serverHost.LocalEndPoint}; its owner, alice, is the administrator.");
            print.WriteLine("Lines starting with '>' are datagrams as sent, decoded by the generated dispatch table.");

            var people = new Dictionary<string, Person>();
            foreach (var name in new[] { "alice", "bob", "carol" })
            {
                var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
                names[host.LocalAddress] = name;
                var events = new Person(name, print);
                var client = new ChatClient(
                    new ClientOptions { Server = serverHost.LocalAddress, Name = name },
                    new Tap(host, name, names, print),
                    TimeProvider.System,
                    events,
                    events);
                events.Attach(host, client);
                hosts.Add((host, host.RunAsync(client, TimeProvider.System, run.Token)));
                people[name] = events;
            }

            var (alice, bob, carol) = (people["alice"], people["bob"], people["carol"]);

            Step(print, "1. alice, bob and carol join (Request 0x1F, answered by Response 0x2F with a challenge)");
            foreach (var person in people.Values)
            {
                person.Do(c => c.Join());
                await person.WaitForAsync("joined lobby", stop).ConfigureAwait(false);
            }

            Step(print, "2. alice writes to the group; the server relays it as MSG after 100 ms of quiet");
            alice.Do(c => c.Group.TrySend("Hi all! Anyone up for a call later?"u8));
            await bob.WaitForAsync("<alice> Hi all!", stop).ConfigureAwait(false);
            await carol.WaitForAsync("<alice> Hi all!", stop).ConfigureAwait(false);

            var longText = "Sure. Here is the plan, which is longer than one 128-byte datagram, so it travels in fragments "
                + "numbered 1, 2, 3 with the last marked 0xFF; the server puts them together, checks nothing is missing, "
                + "and relays each fragment with bob's own sequence numbers; carol and alice see it only when it is whole.";
            Step(print, $"3. bob sends a {Encoding.UTF8.GetByteCount(longText)}-byte message: fragments");
            bob.Do(c => c.Group.TrySend(Encoding.UTF8.GetBytes(longText)));
            await alice.WaitForAsync("<bob> Sure. Here is the plan", stop).ConfigureAwait(false);
            await carol.WaitForAsync("<bob> Sure. Here is the plan", stop).ConfigureAwait(false);

            Step(print, "4. carol DMs alice by name: WHOIS to the server, then peer to peer with the Silent handshake");
            carol.Do(c => c.TrySendDirect("alice", "psst, alice: bring snacks"u8));
            await alice.WaitForAsync("[dm from carol] psst, alice: bring snacks", stop).ConfigureAwait(false);
            await carol.WaitForChallengeAsync(alice.Address, stop).ConfigureAwait(false);
            carol.Do(c => c.TrySendDirect("alice", "(this one uses our DM challenge)"u8));
            await alice.WaitForAsync("[dm from carol] (this one", stop).ConfigureAwait(false);

            Step(print, "5. LIST from alice (the administrator sees addresses) and INFO from bob");
            alice.Do(c => c.Group.TrySendCommand(CommandCode.List, default));
            await alice.WaitForAsync("LIST:", stop).ConfigureAwait(false);
            bob.Do(c => c.Group.TrySendCommand(CommandCode.Info, default));
            await bob.WaitForAsync("INFO:", stop).ConfigureAwait(false);

            Step(print, "6. PING from carol: a VCSP echo, with the round trip");
            carol.Do(c => c.Group.Ping());
            await carol.WaitForAsync("PING round trip", stop).ConfigureAwait(false);

            Step(print, "7. bob QUITs (FIN 0xFF, answered by Response); alice lists again");
            bob.Do(c => c.Quit());
            await bob.WaitForAsync("closed: left", stop).ConfigureAwait(false);
            alice.Do(c => c.Group.TrySendCommand(CommandCode.List, default));
            await alice.WaitForAsync("LIST:", stop, occurrence: 2).ConfigureAwait(false);

            var drops = Enum.GetValues<DropReason>().Sum(r => ReadOnServer(serverHost, () => server.Dropped(r)));
            print.WriteLine($"\nDone: {ReadOnServer(serverHost, () => server.MemberCount)} members left in lobby, {drops} datagrams dropped by the server.");
            return 0;
        }
        catch (TimeoutException e)
        {
            print.WriteLine("demo failed: " + e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        finally
        {
            await run.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(hosts.Select(h => h.Run)).ConfigureAwait(false);
            foreach (var (host, _) in hosts)
            {
                host.Dispose();
            }
        }
    }

    private static T ReadOnServer<T>(UdpHost host, Func<T> read)
    {
        T value = default!;
        host.Invoke(() => value = read());
        return value;
    }

    private static void Step(TextWriter print, string title) => print.WriteLine($"\n{title}");

    /// <summary>A datagram sink that prints each datagram, decoded, before the socket sends it.</summary>
    private sealed class Tap(UdpHost socket, string from, ConcurrentDictionary<VcspAddress, string> names, TextWriter print) : IDatagramSink
    {
        public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination)
        {
            var to = names.TryGetValue(destination, out var name) ? name : destination.ToString();
            var printer = new Printer(print, $"  > {from,-6} -> {to,-6} {datagram.Length,3} B  ", maxText: 24);
            VcspPacketDispatcher.Dispatch(datagram, ref printer);
            socket.Send(datagram, destination);
        }
    }

    /// <summary>One demo client: prints what it hears, and lets the script wait for it.</summary>
    private sealed class Person(string name, TextWriter print) : IClientEvents, IDirectMessageEvents
    {
        private readonly ConcurrentQueue<string> _heard = new();
        private UdpHost? _host;
        private ChatClient? _client;

        public VcspAddress Address => _host!.LocalAddress;

        public void Attach(UdpHost host, ChatClient client) => (_host, _client) = (host, client);

        public void Do(Action<ChatClient> action) => _host!.Invoke(() => action(_client!));

        public async Task WaitForAsync(string start, CancellationToken stop, int occurrence = 1)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (_heard.Count(h => h.StartsWith(start, StringComparison.Ordinal)) < occurrence)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{name} did not get '{start}'");
                }

                await Task.Delay(5, stop).ConfigureAwait(false);
            }
        }

        public async Task WaitForChallengeAsync(VcspAddress peer, CancellationToken stop)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                ushort? challenge = null;
                _host!.Invoke(() => challenge = _client!.Direct.ChallengeWith(peer));
                if (challenge is not null)
                {
                    return;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{name} got no Silent");
                }

                await Task.Delay(5, stop).ConfigureAwait(false);
            }
        }

        public void OnJoined(ReadOnlySpan<byte> groupName) => Hear($"joined {Encoding.UTF8.GetString(groupName)}");

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) =>
            Hear($"<{Encoding.UTF8.GetString(sender)}> {Encoding.UTF8.GetString(message)}");

        public void OnClosed(string reason) => Hear("closed: " + reason);

        public void OnPong(TimeSpan roundTrip) =>
            Hear($"PING round trip {roundTrip.TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} ms");

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
            var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Hear($"{command.ToString().ToUpperInvariant()}: {status}" + string.Concat(lines.Select(l => "\n           " + l.Replace('\t', ' '))));
        }

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact) =>
            Hear($"[dm from {Encoding.UTF8.GetString(sender)}] {Encoding.UTF8.GetString(message)}");

        private void Hear(string line)
        {
            print.WriteLine($"  {name,-6} | {line}");
            _heard.Enqueue(line);
        }
    }
}
