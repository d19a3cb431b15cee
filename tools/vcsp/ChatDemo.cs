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
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace Vcsp.Cli;

/// <summary>
/// <c>vcsp demo</c>: a server and three clients in one process, each on its own UDP socket on 127.0.0.1, and a short
/// conversation: joins, a group message, a fragmented one, a DM by name, LIST, INFO, PING, a short call (VC-INIT with
/// its SIP dialog, MPEG-TS media relayed at once, VC-LEAVE with its BYE) and a QUIT. Every datagram is printed as it is
/// sent, decoded by the generated dispatch table, and every SIP message by its start line.
/// </summary>
internal static class ChatDemo
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(TextWriter output, CancellationToken stop)
    {
        // Every datagram is printed from its host's send path, under the host's lock: the lines are queued, and written off it.
        var print = new QueuedLines(output);
        var names = new ConcurrentDictionary<VcspAddress, string>();
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var hosts = new List<(IDisposable Host, Task Run)>();
        var sipNames = new ConcurrentDictionary<IPEndPoint, string>();
        try
        {
            var serverHost = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
            var serverSip = new SipEndpoint(new IPEndPoint(IPAddress.Loopback, 0));
            names[serverHost.LocalAddress] = "server";
            sipNames[serverSip.LocalEndPoint] = "server";
            var server = new GroupServer(
                new GroupOptions { Name = "lobby", Address = serverHost.LocalAddress, Owner = "alice", SipPort = serverSip.LocalEndPoint.Port },
                new Tap(serverHost, "server", names, print),
                TimeProvider.System,
                null,
                new SipTap(serverSip, "server", sipNames, print));
            hosts.Add((serverHost, serverHost.RunAsync(server, TimeProvider.System, run.Token)));
            hosts.Add((serverSip, serverSip.RunAsync((m, p) => serverHost.Invoke(() => server.ReceiveSip(m, p)), run.Token)));
            print.WriteLine($"VCSP demo: a server and three clients in this process, each on its own UDP socket.");
            print.WriteLine($"Group 'lobby' on {serverHost.LocalEndPoint}; its owner, alice, is the administrator.");
            print.WriteLine("Lines starting with '>' are datagrams as sent, decoded by the generated dispatch table.");

            var people = new Dictionary<string, Person>();
            foreach (var name in new[] { "alice", "bob", "carol" })
            {
                var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
                var sip = new SipEndpoint(new IPEndPoint(IPAddress.Loopback, 0));
                names[host.LocalAddress] = name;
                sipNames[sip.LocalEndPoint] = name;
                var events = new Person(name, print);
                var callOptions = new CallOptions
                {
                    SipEndPoint = sip.LocalEndPoint,
                    ServerSipEndPoint = serverSip.LocalEndPoint,
                    MediaPort = host.LocalEndPoint.Port,
                    Codecs = [(byte)VcspCodec.Mp2t],
                };
                var client = new ChatClient(
                    new ClientOptions { Server = serverHost.LocalAddress, Name = name },
                    new Tap(host, name, names, print),
                    TimeProvider.System,
                    events,
                    events,
                    callOptions,
                    new SipTap(sip, name, sipNames, print),
                    events);
                events.Attach(host, client);
                hosts.Add((host, host.RunAsync(client, TimeProvider.System, run.Token)));
                hosts.Add((sip, sip.RunAsync((m, p) => host.Invoke(() => client.ReceiveSip(m, p)), run.Token)));
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

            Step(print, "7. alice and carol join the call: VC-INIT (VoiceJoin 0x25), then SIP INVITE / 200 OK / ACK with a call challenge");
            foreach (var person in new[] { alice, carol })
            {
                person.Do(c => c.Call!.Join());
                await person.WaitForAsync("in the call", stop).ConfigureAwait(false);
            }

            Step(print, "8. alice sends three MPEG-TS packets as Media (0x3E); the server relays each at once to carol");
            for (var i = 0; i < 3; i++)
            {
                var packet = new byte[TransportStreamSender.PacketSize];
                packet[0] = TransportStreamSender.SyncByte;
                packet[1] = 0x1F; // PID 0x1FFF: a null packet
                packet[2] = 0xFF;
                packet[3] = (byte)(0x10 | i);
                var timestamp = (uint)(i * 3600);
                alice.Do(c => c.Call!.TrySendMedia(packet, timestamp));
            }

            await carol.WaitForAsync("media", stop, occurrence: 3).ConfigureAwait(false);

            Step(print, "9. carol leaves the call: VC-LEAVE (VoiceFin 0xEF, answered with 0xEF), and the server's BYE");
            carol.Do(c => c.Call!.Leave());
            await carol.WaitForAsync("call ended: left", stop).ConfigureAwait(false);

            Step(print, "10. bob QUITs (FIN 0xFF, answered by Response); alice lists again");
            bob.Do(c => c.Quit());
            await bob.WaitForAsync("closed: left", stop).ConfigureAwait(false);
            alice.Do(c => c.Group.TrySendCommand(CommandCode.List, default));
            await alice.WaitForAsync("LIST:", stop, occurrence: 2).ConfigureAwait(false);

            var drops = Enum.GetValues<DropReason>().Sum(r => ReadOnServer(serverHost, () => server.Dropped(r)));
            print.WriteLine($"\nDone: {ReadOnServer(serverHost, () => server.MemberCount)} members left in lobby ({ReadOnServer(serverHost, () => server.CallMemberCount)} in the call), {drops} datagrams dropped by the server.");
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

            await print.DrainAsync().ConfigureAwait(false);
            print.Dispose();
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
            _ = VcspPacketDispatcher.Dispatch(datagram, ref printer); // the printer shows what decoded; our own datagrams always do
            socket.Send(datagram, destination);
        }
    }

    /// <summary>A SIP sink that prints each message's start line before the endpoint sends it.</summary>
    private sealed class SipTap(SipEndpoint endpoint, string from, ConcurrentDictionary<IPEndPoint, string> names, TextWriter print) : ISipSink
    {
        public void Send(SipMessage message, SipPeer peer)
        {
            var to = names.TryGetValue(peer.EndPoint, out var name) ? name : peer.EndPoint.ToString();
            var line = message.IsRequest ? $"{message.Method} {message.RequestUri}" : $"{message.StatusCode} {message.ReasonPhrase} ({message.Get("CSeq")})";
            var sdp = message.Body.IsEmpty ? string.Empty : $", SDP {string.Join(" ", Encoding.UTF8.GetString(message.Body.Span).Split("\r\n").Where(l => l.StartsWith("m=", StringComparison.Ordinal) || l.StartsWith("a=vcsp", StringComparison.Ordinal)))}";
            print.WriteLine($"  > {from,-6} -> {to,-6} SIP/{peer.Transport}: {line}{sdp}");
            endpoint.Send(message, peer);
        }
    }

    /// <summary>One demo client: prints what it hears, and lets the script wait for it.</summary>
    private sealed class Person(string name, TextWriter print) : IClientEvents, IDirectMessageEvents, ICallEvents
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

        public void OnClosed(SessionEnd end) => Hear("closed: " + end);

        public void OnPong(TimeSpan roundTrip) =>
            Hear($"PING round trip {roundTrip.TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} ms");

        public void OnRejoining(int attempt, TimeSpan delay) => Hear($"rejoining in {delay.TotalSeconds} s (try {attempt})");

        public void OnRelayLost(long datagrams) => Hear($"lost {datagrams} relayed datagrams");

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) =>
            Hear($"not delivered to {Encoding.UTF8.GetString(member)}: messages {firstSequence:x8} to {endSequence:x8}");

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
            var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Hear($"{command.ToString().ToUpperInvariant()}: {status}" + string.Concat(lines.Select(l => "\n           " + l.Replace('\t', ' '))));
        }

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact) =>
            Hear($"[dm from {Encoding.UTF8.GetString(sender)}] {Encoding.UTF8.GetString(message)}");

        public void OnCallStarted(byte codec, ushort? callChallenge) => Hear($"in the call: codec {codec}, call challenge {callChallenge}");

        public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs) => Hear($"call refused: {reason}");

        public void OnCallEnded(CallEnd end) => Hear("call ended: " + end);

        public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data) =>
            Hear($"media from call member {source}: {data.Length} B, timestamp {timestamp}, codec {codec}");

        private void Hear(string line)
        {
            print.WriteLine($"  {name,-6} | {line}");
            _heard.Enqueue(line);
        }
    }
}
