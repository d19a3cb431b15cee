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

/// <summary>The demo's tracing: who sent what because of what, printed in causal order once a step is quiet.</summary>
internal static partial class ChatDemo
{
    /// <summary>
    /// One machine's place in the causal order: the cause of what it does now (the path of the action, datagram or SIP
    /// message it is handling) and how many lines that handling has produced. Used only under the machine's host lock.
    /// </summary>
    private sealed class Actor(string name)
    {
        private int[] _cause = [];
        private int _produced;

        public string Name { get; } = name;

        /// <summary>Starts handling something whose path is <paramref name="cause"/>.</summary>
        public void Begin(int[] cause) => (_cause, _produced) = (cause, 0);

        /// <summary>The path of the next line this handling produces: its cause's, and its own rank after.</summary>
        public int[] Next() => [.. _cause, _produced++];
    }

    /// <summary>The lines recorded, each with its path, and what was sent and not yet received, with the path of its line.</summary>
    private sealed class Trace
    {
        private readonly Lock _gate = new();
        private readonly List<(int[] Path, string Line)> _lines = [];
        private readonly Dictionary<string, Queue<int[]>> _inFlight = [];
        private readonly List<(string To, int[] Path)> _pending = [];
        private int _actions;

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _lines.Count;
                }
            }
        }

        public int InFlight
        {
            get
            {
                lock (_gate)
                {
                    return _pending.Count;
                }
            }
        }

        /// <summary>A new root: the script's next action (later actions sort after earlier ones).</summary>
        public int[] Action()
        {
            lock (_gate)
            {
                return [++_actions];
            }
        }

        public void Line(Actor actor, string line)
        {
            var path = actor.Next();
            lock (_gate)
            {
                _lines.Add((path, line));
            }
        }

        /// <summary>Records a line for something sent to <paramref name="to"/>, under <paramref name="key"/>, for its receiver to find.</summary>
        public void Sent(Actor actor, string to, string key, string line)
        {
            var path = actor.Next();
            lock (_gate)
            {
                _lines.Add((path, line));
                if (!_inFlight.TryGetValue(key, out var queue))
                {
                    _inFlight[key] = queue = new Queue<int[]>();
                }

                queue.Enqueue(path);
                _pending.Add((to, path));
            }
        }

        /// <summary>The path of what was sent under <paramref name="key"/>, now received; null when nothing was.</summary>
        public int[]? Received(string key)
        {
            lock (_gate)
            {
                if (!_inFlight.TryGetValue(key, out var queue) || !queue.TryDequeue(out var path))
                {
                    return null;
                }

                _pending.RemoveAt(_pending.FindIndex(p => ReferenceEquals(p.Path, path)));
                return path;
            }
        }

        /// <summary>
        /// The path of a SIP message received, once what was sent to the same machine before it (in causal order) has
        /// been received: a VoiceFin goes to the member's VCSP socket, the BYE after it to its SIP socket, and they are
        /// handled in that order. Waits on the SIP endpoint's thread, never under a host lock.
        /// </summary>
        public int[] ReceivedSip(Actor actor, SipMessage message, SipPeer peer, ConcurrentDictionary<IPEndPoint, string> names)
        {
            var from = names.TryGetValue(peer.EndPoint, out var name) ? name : peer.EndPoint.ToString();
            if (Received(SipKey(from, actor.Name, message)) is not { } path)
            {
                return [int.MaxValue];
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
            while (DateTime.UtcNow < deadline)
            {
                lock (_gate)
                {
                    if (!_pending.Exists(p => p.To == actor.Name && PathOrder.Instance.Compare(p.Path, path) < 0))
                    {
                        break;
                    }
                }

                Thread.Sleep(1);
            }

            return path;
        }

        /// <summary>The lines recorded so far, in causal order (paths compared element by element, a prefix first), and forgets them.</summary>
        public string[] TakeInOrder()
        {
            lock (_gate)
            {
                var ordered = _lines.OrderBy(l => l.Path, PathOrder.Instance).Select(l => l.Line).ToArray();
                _lines.Clear();
                return ordered;
            }
        }

        public static string DatagramKey(string from, string to, ReadOnlySpan<byte> datagram) => $"{from}>{to} {Convert.ToHexString(datagram)}";

        public static string SipKey(string from, string to, SipMessage message) =>
            $"{from}>{to} {(message.IsRequest ? message.Method + " " + message.RequestUri : message.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))}"
            + $" {message.Get("Call-ID")} {message.Get("CSeq")} {message.Get("Via")}";
    }

    private sealed class PathOrder : IComparer<int[]>
    {
        public static readonly PathOrder Instance = new();

        public int Compare(int[]? x, int[]? y)
        {
            for (var i = 0; i < Math.Min(x!.Length, y!.Length); i++)
            {
                if (x[i] != y[i])
                {
                    return x[i].CompareTo(y[i]);
                }
            }

            return x.Length.CompareTo(y.Length);
        }
    }

    /// <summary>A machine whose datagrams in are handled with the path of their sending as the cause.</summary>
    private sealed class Traced(IVcspStateMachine machine, Actor actor, ConcurrentDictionary<VcspAddress, string> names, Trace trace) : IVcspStateMachine
    {
        public void Receive(ReadOnlySpan<byte> datagram, in VcspAddress source)
        {
            var from = names.TryGetValue(source, out var name) ? name : source.ToString();
            actor.Begin(trace.Received(Trace.DatagramKey(from, actor.Name, datagram)) ?? [int.MaxValue]);
            machine.Receive(datagram, source);
        }

        // Timed work (the relay after 100 ms of quiet, retransmissions) counts as caused by what was handled last.
        public void Poll() => machine.Poll();

        public TimeSpan? NextPollDelay() => machine.NextPollDelay();
    }

    /// <summary>A datagram sink that records each datagram, decoded, before the socket sends it.</summary>
    private sealed class Tap(UdpHost socket, Actor from, ConcurrentDictionary<VcspAddress, string> names, Trace trace) : IDatagramSink
    {
        public void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination)
        {
            var to = names.TryGetValue(destination, out var name) ? name : destination.ToString();
            using var line = new StringWriter();
            var printer = new Printer(line, $"  > {from.Name,-6} -> {to,-6} {datagram.Length,3} B  ", maxText: 24);
            _ = VcspPacketDispatcher.Dispatch(datagram, ref printer); // the printer shows what decoded; our own datagrams always do
            trace.Sent(from, to, Trace.DatagramKey(from.Name, to, datagram), line.ToString().TrimEnd());
            socket.Send(datagram, destination);
        }
    }

    /// <summary>A SIP sink that records each message's start line (and its offer or answer) before the endpoint sends it.</summary>
    private sealed class SipTap(SipEndpoint endpoint, Actor from, ConcurrentDictionary<IPEndPoint, string> names, Trace trace) : ISipSink
    {
        public void Send(SipMessage message, SipPeer peer)
        {
            var to = names.TryGetValue(peer.EndPoint, out var name) ? name : peer.EndPoint.ToString();
            var line = message.IsRequest ? $"{message.Method} {message.RequestUri}" : $"{message.StatusCode} {message.ReasonPhrase} ({message.Get("CSeq")})";
            var sdp = message.Body.IsEmpty ? string.Empty : Sdp(Encoding.UTF8.GetString(message.Body.Span));
            trace.Sent(from, to, Trace.SipKey(from.Name, to, message), $"  > {from.Name,-6} -> {to,-6} SIP/{peer.Transport}: {line}{sdp}");
            endpoint.Send(message, peer);
        }
    }
}
