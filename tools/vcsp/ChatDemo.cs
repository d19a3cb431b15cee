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
/// its SIP dialog, MPEG-TS media relayed at once, VC-LEAVE with its BYE) and a QUIT. Every datagram is printed as
/// sent, decoded by the generated dispatch table, and every SIP message by its start line.
/// <para>
/// The output is the same from run to run but for random values (challenges, sequence numbers, ports, round trips).
/// Each step's lines are recorded, not printed, as the hosts' threads produce them, each with its cause: the script's
/// action, or the datagram or SIP message whose handling produced it (found again when it is received). Once the step
/// is quiet (everything sent was received, and nothing new came for a moment), its lines are printed in causal order:
/// each action, datagram or message followed by what it caused, siblings in the order their actor produced them.
/// </para>
/// </summary>
internal static partial class ChatDemo
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(TextWriter output, CancellationToken stop)
    {
        // Lines are recorded under the hosts' locks and printed by this task at the end of each step.
        var print = new QueuedLines(output);
        var trace = new Trace();
        var names = new ConcurrentDictionary<VcspAddress, string>();
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var hosts = new List<(IDisposable Host, Task Run)>();
        var sipNames = new ConcurrentDictionary<IPEndPoint, string>();
        var stopped = false;
        async Task StopHostsAsync()
        {
            if (!stopped)
            {
                stopped = true;
                await run.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(hosts.Select(h => h.Run)).ConfigureAwait(false);
            }
        }

        try
        {
            var serverHost = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
            var serverSip = new SipEndpoint(new IPEndPoint(IPAddress.Loopback, 0));
            names[serverHost.LocalAddress] = "server";
            sipNames[serverSip.LocalEndPoint] = "server";
            var serverActor = new Actor("server");
            var server = new GroupServer(
                new GroupOptions { Name = "lobby", Address = serverHost.LocalAddress, Owner = "alice", SipPort = serverSip.LocalEndPoint.Port },
                new Tap(serverHost, serverActor, names, trace),
                TimeProvider.System,
                null,
                new SipTap(serverSip, serverActor, sipNames, trace));
            hosts.Add((serverHost, serverHost.RunAsync(new Traced(server, serverActor, names, trace), TimeProvider.System, run.Token)));
            hosts.Add((serverSip, serverSip.RunAsync((m, p) => Handle(serverHost, serverActor, trace.ReceivedSip(serverActor, m, p, sipNames), () => server.ReceiveSip(m, p)), run.Token)));
            print.WriteLine($"VCSP demo: a server and three clients in this process, each on its own UDP socket.");
            print.WriteLine($"Group 'lobby' on {serverHost.LocalEndPoint}; its owner, alice, is the administrator.");
            print.WriteLine("Lines starting with '>' are datagrams as sent, decoded by the generated dispatch table; each step's lines");
            print.WriteLine("are in causal order (what a datagram caused follows it). Challenges and sequence numbers are hexadecimal,");
            print.WriteLine("codecs are named, and timestamps, lengths and counts are decimal.");

            var people = new Dictionary<string, Person>();
            foreach (var name in new[] { "alice", "bob", "carol" })
            {
                var host = new UdpHost(new IPEndPoint(IPAddress.Loopback, 0));
                var sip = new SipEndpoint(new IPEndPoint(IPAddress.Loopback, 0));
                names[host.LocalAddress] = name;
                sipNames[sip.LocalEndPoint] = name;
                var actor = new Actor(name);
                var events = new Person(actor, trace);
                var callOptions = new CallOptions
                {
                    SipEndPoint = sip.LocalEndPoint,
                    MediaPort = host.LocalEndPoint.Port,
                    Codecs = [(byte)VcspCodec.Mp2t],
                };
                var client = new ChatClient(
                    new ClientOptions { Server = serverHost.LocalAddress, Name = name },
                    new Tap(host, actor, names, trace),
                    TimeProvider.System,
                    events,
                    events,
                    callOptions,
                    new SipTap(sip, actor, sipNames, trace),
                    events);
                events.Attach(host, client);
                hosts.Add((host, host.RunAsync(new Traced(client, actor, names, trace), TimeProvider.System, run.Token)));
                hosts.Add((sip, sip.RunAsync((m, p) => Handle(host, actor, trace.ReceivedSip(actor, m, p, sipNames), () => client.ReceiveSip(m, p)), run.Token)));
                people[name] = events;
            }

            var (alice, bob, carol) = (people["alice"], people["bob"], people["carol"]);

            await StepAsync(print, trace, "1. alice, bob and carol join (Request 0x1F, answered by Response 0x2F with a challenge)", stop).ConfigureAwait(false);
            foreach (var person in people.Values)
            {
                person.Do(c => c.Join());
                await person.WaitForAsync("joined lobby", stop).ConfigureAwait(false);
            }

            await StepAsync(print, trace, "2. alice writes to the group; the server relays it as MSG after 100 ms of quiet", stop).ConfigureAwait(false);
            alice.Do(c => c.Group.TrySend("Hi all! Anyone up for a call later?"u8));
            await bob.WaitForAsync("<alice> Hi all!", stop).ConfigureAwait(false);
            await carol.WaitForAsync("<alice> Hi all!", stop).ConfigureAwait(false);

            var longText = "Sure. Here is the plan, which is longer than one 128-byte datagram, so it travels in fragments "
                + "numbered 1, 2, 3 with the last marked 0xFF; the server puts them together, checks nothing is missing, "
                + "and relays each fragment with bob's own sequence numbers; carol and alice see it only when it is whole.";
            await StepAsync(print, trace, $"3. bob sends a {Encoding.UTF8.GetByteCount(longText)}-byte message: fragments", stop).ConfigureAwait(false);
            bob.Do(c => c.Group.TrySend(Encoding.UTF8.GetBytes(longText)));
            await alice.WaitForAsync("<bob> Sure. Here is the plan", stop).ConfigureAwait(false);
            await carol.WaitForAsync("<bob> Sure. Here is the plan", stop).ConfigureAwait(false);

            await StepAsync(print, trace, "4. carol DMs alice by name: WHOIS to the server, then peer to peer with the Silent handshake", stop).ConfigureAwait(false);
            carol.Do(c => c.TrySendDirect("alice", "psst, alice: bring snacks"u8));
            await alice.WaitForAsync("[dm from carol] psst, alice: bring snacks", stop).ConfigureAwait(false);
            await carol.WaitForChallengeAsync(alice.Address, stop).ConfigureAwait(false);
            carol.Do(c => c.TrySendDirect("alice", "(this one uses our DM challenge)"u8));
            await alice.WaitForAsync("[dm from carol] (this one", stop).ConfigureAwait(false);

            await StepAsync(print, trace, "5. LIST from alice (the administrator sees addresses) and INFO from bob", stop).ConfigureAwait(false);
            alice.Do(c => c.Group.TrySendCommand(CommandCode.List, default));
            await alice.WaitForAsync("LIST:", stop).ConfigureAwait(false);
            bob.Do(c => c.Group.TrySendCommand(CommandCode.Info, default));
            await bob.WaitForAsync("INFO:", stop).ConfigureAwait(false);

            await StepAsync(print, trace, "6. PING from carol: a VCSP echo, with the round trip", stop).ConfigureAwait(false);
            carol.Do(c => c.Group.Ping());
            await carol.WaitForAsync("PING round trip", stop).ConfigureAwait(false);

            await StepAsync(print, trace, "7. alice and carol join the call: VC-INIT (VoiceJoin 0x25), then SIP INVITE / 200 OK / ACK with a call challenge", stop).ConfigureAwait(false);
            foreach (var person in new[] { alice, carol })
            {
                person.Do(c => c.Call!.Join());
                await person.WaitForAsync("in the call", stop).ConfigureAwait(false);
            }

            await StepAsync(print, trace, "8. alice sends three MPEG-TS packets as Media (0x3E); the server relays each at once to carol", stop).ConfigureAwait(false);
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

            await StepAsync(print, trace, "9. carol leaves the call: VC-LEAVE (VoiceFin 0xEF, answered with 0xEF), and the server's BYE", stop).ConfigureAwait(false);
            carol.Do(c => c.Call!.Leave());
            await carol.WaitForAsync("call ended: left", stop).ConfigureAwait(false);

            await StepAsync(print, trace, "10. bob QUITs (FIN 0xFF, answered by Response); alice lists again", stop).ConfigureAwait(false);
            bob.Do(c => c.Quit());
            await bob.WaitForAsync("closed: left", stop).ConfigureAwait(false);
            alice.Do(c => c.Group.TrySendCommand(CommandCode.List, default));
            await alice.WaitForAsync("LIST:", stop, occurrence: 2).ConfigureAwait(false);
            await FlushAsync(print, trace, stop).ConfigureAwait(false);

            // The counts, then the hosts stop: nothing is sent after the last step's lines.
            var drops = Enum.GetValues<DropReason>().Sum(r => ReadOnServer(serverHost, () => server.Dropped(r)));
            var (members, callMembers) = (ReadOnServer(serverHost, () => server.MemberCount), ReadOnServer(serverHost, () => server.CallMemberCount));
            await StopHostsAsync().ConfigureAwait(false);
            foreach (var late in trace.TakeInOrder())
            {
                print.WriteLine(late);
            }

            print.WriteLine($"\nDone: {members} members left in lobby ({callMembers} in the call), {drops} datagrams dropped by the server.");
            return 0;
        }
        catch (TimeoutException e)
        {
            foreach (var line in trace.TakeInOrder())
            {
                print.WriteLine(line);
            }

            print.WriteLine("demo failed: " + e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        finally
        {
            await StopHostsAsync().ConfigureAwait(false);
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

    /// <summary>Runs <paramref name="handle"/> on the machine's host with <paramref name="cause"/> as its cause.</summary>
    private static void Handle(UdpHost host, Actor actor, int[] cause, Action handle) => host.Invoke(() =>
    {
        actor.Begin(cause);
        handle();
    });

    /// <summary>Prints the step before (once quiet), then the next step's title.</summary>
    private static async Task StepAsync(TextWriter print, Trace trace, string title, CancellationToken stop)
    {
        await FlushAsync(print, trace, stop).ConfigureAwait(false);
        print.WriteLine($"\n{title}");
    }

    /// <summary>
    /// Waits until the step is quiet (every datagram and SIP message sent was received, and no line came for 50 ms),
    /// then prints its lines in causal order.
    /// </summary>
    private static async Task FlushAsync(TextWriter print, Trace trace, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var lines = trace.Count;
            await Task.Delay(50, stop).ConfigureAwait(false);
            if (trace.InFlight == 0 && trace.Count == lines)
            {
                break;
            }
        }

        foreach (var line in trace.TakeInOrder())
        {
            print.WriteLine(line);
        }
    }

    /// <summary>An SDP body's media line and VCSP attribute in the demo's notation: "video on port N, codec mp2t, call challenge 0x…".</summary>
    private static string Sdp(string body)
    {
        var text = string.Empty;
        foreach (var line in body.Split("\r\n"))
        {
            var parts = line.Split(' ');
            if (line.StartsWith("m=", StringComparison.Ordinal) && parts.Length >= 4 && byte.TryParse(parts[3], System.Globalization.CultureInfo.InvariantCulture, out var codec))
            {
                text += $", SDP {parts[0][2..]} on port {parts[1]}, codec {CodecNames.Describe([codec])}";
            }
            else if (line.StartsWith("a=vcsp-challenge:", StringComparison.Ordinal) && ushort.TryParse(line["a=vcsp-challenge:".Length..], System.Globalization.CultureInfo.InvariantCulture, out var challenge))
            {
                text += $", call challenge 0x{challenge:X4}";
            }
        }

        return text;
    }

    /// <summary>One demo client: records what it hears, and lets the script act on it and wait for it.</summary>
    private sealed class Person(Actor actor, Trace trace) : IClientEvents, IDirectMessageEvents, ICallEvents
    {
        private readonly ConcurrentQueue<string> _heard = new();
        private UdpHost? _host;
        private ChatClient? _client;

        public VcspAddress Address => _host!.LocalAddress;

        public void Attach(UdpHost host, ChatClient client) => (_host, _client) = (host, client);

        /// <summary>The script's action: a new root of the causal order.</summary>
        public void Do(Action<ChatClient> action) => _host!.Invoke(() =>
        {
            actor.Begin(trace.Action());
            action(_client!);
        });

        public async Task WaitForAsync(string start, CancellationToken stop, int occurrence = 1)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (_heard.Count(h => h.StartsWith(start, StringComparison.Ordinal)) < occurrence)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{actor.Name} did not get '{start}'");
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
                    throw new TimeoutException($"{actor.Name} got no Silent");
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
            Hear($"not delivered to {Encoding.UTF8.GetString(member)}: messages 0x{firstSequence:X8} to 0x{endSequence:X8}");

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
            var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Hear($"{command.ToString().ToUpperInvariant()}: {status}" + string.Concat(lines.Select(l => "\n           " + l.Replace('\t', ' '))));
        }

        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact) =>
            Hear($"[dm from {Encoding.UTF8.GetString(sender)}] {Encoding.UTF8.GetString(message)}");

        public void OnCallStarted(byte codec, ushort? callChallenge) =>
            Hear($"in the call: codec {CodecNames.Describe([codec])}, " + (callChallenge is { } c ? $"call challenge 0x{c:X4}" : "no call challenge"));

        public void OnCallRejected(CodecRejectReason reason, ReadOnlySpan<byte> serverCodecs) =>
            Hear($"call refused: {reason}; the server's codecs: {CodecNames.Describe(serverCodecs.ToArray())}");

        public void OnCallEnded(CallEnd end) => Hear("call ended: " + end);

        public void OnMedia(ushort source, uint timestamp, byte codec, ReadOnlySpan<byte> data) =>
            Hear($"media from call member {source}: {data.Length} B, timestamp {timestamp}, codec {CodecNames.Describe([codec])}");

        private void Hear(string line)
        {
            trace.Line(actor, $"  {actor.Name,-6} | {line}");
            _heard.Enqueue(line);
        }
    }
}
