using System;
using System.Collections.Generic;
using System.Net;
using System.Text;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A chat client on one UDP socket: its group membership (<see cref="ClientSession"/>) and its direct messages
/// (<see cref="DirectMessenger"/>) share the socket, and each datagram goes to one of them by its source: the group's
/// address to the session, any other address to the messenger (PROTOCOL.md §8.9: peers never send group packets).
/// On top of the two it does what needs both: a DM by member name (WHOIS, then the DM, PROTOCOL.md §11.5), RES
/// (§11.10) and QUIT (§11.11). With <see cref="CallOptions"/> it also takes part in the group's call
/// (<see cref="Call"/>): the call's datagrams (CodecReject, VoiceFin, Media, Error NotInCall) go there, and SIP
/// messages come in through <see cref="ReceiveSip"/>. Driven by datagrams and a <see cref="TimeProvider"/>; not thread-safe.
/// </summary>
public sealed class ChatClient : IVcspStateMachine
{
    private const int MaxKnownAddresses = 64;

    /// <summary>How many NameInUse refusals in a row a rejoin across several nodes takes as the old session still listed (PROTOCOL.md §15.4).</summary>
    private const int MaxNameInUseTries = 3;

    private readonly VcspAddress[] _servers;
    private int _serverIndex;
    private int _nameInUseTries;
    private readonly IClientEvents _events;
    private readonly Dictionary<string, VcspAddress> _addresses = new(StringComparer.Ordinal);
    private readonly Relay _relay;
    private string? _pendingName;
    private byte[]? _pendingMessage;
    private readonly Rejoiner _rejoiner;
    private bool _restarting;
    private bool _rejoinCall;
    private bool _member;
    private bool _quit;

    /// <summary>Creates the client; nothing is sent until <see cref="Join"/>.</summary>
    /// <param name="options">The group and the member name.</param>
    /// <param name="sink">Where datagrams go (the socket's edge).</param>
    /// <param name="time">The clock.</param>
    /// <param name="groupEvents">Where group events are reported.</param>
    /// <param name="directEvents">Where direct messages are delivered.</param>
    /// <param name="callOptions">The member's call settings, or null for a client without calls.</param>
    /// <param name="sip">Where the call's SIP messages go (the client's <see cref="SipEndpoint"/>); required with <paramref name="callOptions"/>.</param>
    /// <param name="callEvents">Where the call reports; required with <paramref name="callOptions"/>.</param>
    /// <exception cref="ArgumentException">The name is not 1 to 32 bytes of UTF-8, or call options come without a SIP sink or call events.</exception>
    public ChatClient(
        ClientOptions options,
        IDatagramSink sink,
        TimeProvider time,
        IClientEvents groupEvents,
        IDirectMessageEvents directEvents,
        CallOptions? callOptions = null,
        ISipSink? sip = null,
        ICallEvents? callEvents = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _events = groupEvents ?? throw new ArgumentNullException(nameof(groupEvents));
        _servers = [options.Server, .. options.Alternates];
        _relay = new Relay(this);
        _rejoiner = new Rejoiner(time);
        Group = new ClientSession(options, sink, time, _relay);
        Direct = new DirectMessenger(options.Name, sink, time, directEvents);
        if (callOptions is not null)
        {
            if (sip is null || callEvents is null)
            {
                throw new ArgumentException("A client with calls needs a SIP sink and call events.", nameof(callOptions));
            }

            Call = new MemberCall(Group, callOptions, sink, sip, time, callEvents);
        }
    }

    /// <summary>The group membership.</summary>
    public ClientSession Group { get; }

    /// <summary>The direct messages.</summary>
    public DirectMessenger Direct { get; }

    /// <summary>The member's side of the group call, or null when the client was created without <see cref="CallOptions"/>.</summary>
    public MemberCall? Call { get; }

    /// <summary>
    /// Whether a lost membership (<see cref="SessionEnd.IsLost"/>: the server stopped answering, or no longer knows
    /// this member) is joined again by itself with the same name, after 1, 2, 4, 8, 16 and then every 30 s
    /// (PROTOCOL.md §7.7), each try told with <see cref="IClientEvents.OnRejoining"/>. Only the first loss is reported
    /// with <see cref="IClientEvents.OnClosed"/>; the tries that fail are not. A Reject, a Kick or the member's own
    /// FIN or QUIT ends the rejoining. Off by default; a <see cref="VcspClientHost"/> turns it on.
    /// </summary>
    public bool Rejoin { get; set; }

    /// <summary>Whether a lost membership is being joined again (<see cref="Rejoin"/>).</summary>
    public bool Rejoining => _rejoiner.Active;

    /// <summary>Whether a DM by name is waiting for its WHOIS answer.</summary>
    public bool WaitingForWhois => _pendingName is not null;

    /// <summary>Joins the group (INIT).</summary>
    public void Join()
    {
        _quit = false;
        _rejoiner.Stop();
        Group.Join();
    }

    /// <summary>
    /// Sends a direct message to the member called <paramref name="name"/>. A name whose address is not known yet is
    /// looked up with WHOIS first; the message goes out when the answer comes (and a failed lookup is reported through
    /// <see cref="IClientEvents.OnCommandReply"/> with <see cref="CommandCode.Whois"/>).
    /// </summary>
    /// <param name="name">The peer's member name.</param>
    /// <param name="message">The message, UTF-8.</param>
    /// <returns><see langword="false"/> when not a member, a command is outstanding, or the message is empty or too long.</returns>
    public bool TrySendDirect(string name, ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (message.IsEmpty || message.Length > Direct.MaxMessageLength)
        {
            return false;
        }

        if (_addresses.TryGetValue(name, out var peer))
        {
            return Direct.TrySend(peer, message);
        }

        if (_pendingName is not null || !Group.TrySendCommand(CommandCode.Whois, Encoding.UTF8.GetBytes(name)))
        {
            return false;
        }

        _pendingName = name;
        _pendingMessage = message.ToArray();
        return true;
    }

    /// <summary>
    /// RES (PROTOCOL.md §11.10): leaves the call (VC-LEAVE) if in it, leaves the group with a FIN and, once the server has
    /// answered, joins again (possibly with a new challenge) and then the call (VC-INIT with the same codecs).
    /// </summary>
    /// <returns><see langword="false"/> when not a member.</returns>
    public bool Restart()
    {
        if (Group.State != ClientState.Member)
        {
            return false;
        }

        _rejoinCall = Call is { State: not CallState.Idle };
        Call?.Leave();
        _restarting = true;
        _addresses.Clear(); // members may have come and gone
        Group.Leave();
        return true;
    }

    /// <summary>
    /// QUIT: sends the FIN and returns at once; the FIN is retransmitted in the background until the server answers
    /// or the tries run out, and <see cref="IClientEvents.OnClosed"/> then reports the end.
    /// </summary>
    public void Quit()
    {
        _quit = true; // a rejoin under way stops; one that is joining leaves as soon as it is a member
        _rejoiner.Stop();
        _restarting = false;
        _rejoinCall = false;
        Call?.Leave(); // QUIT in a call: the VoiceFin first (PROTOCOL.md §11.11)
        Group.Leave();
    }

    /// <summary>
    /// VC-RESTART (PROTOCOL.md §11.9): VC-LEAVE, then VC-INIT with the same codecs once the leave has completed.
    /// </summary>
    /// <returns><see langword="false"/> without calls, or when not in the call.</returns>
    public bool RestartCall()
    {
        if (Call is not { State: CallState.InCall or CallState.Answered } || !Call.Leave())
        {
            return false;
        }

        _rejoinCall = true;
        if (Call.State == CallState.Idle)
        {
            // Ended at once (a call without a call challenge is ended by BYE): join again now.
            _rejoinCall = false;
            Call.Join(Call.Codecs);
        }

        return true;
    }

    /// <summary>Handles a SIP message that arrived at the client's SIP endpoint (for the call).</summary>
    /// <param name="message">The message.</param>
    /// <param name="peer">Where it came from.</param>
    public void ReceiveSip(SipMessage message, SipPeer peer)
    {
        if (Call is not null)
        {
            var wasLeaving = Call.State == CallState.Leaving;
            Call.ReceiveSip(message, peer);
            AfterCallChange(wasLeaving);
        }
    }

    /// <inheritdoc/>
    public void Receive(ReadOnlySpan<byte> datagram, in VcspAddress source)
    {
        if (source == Group.Server)
        {
            if (Call is not null && IsCallDatagram(datagram))
            {
                var wasLeaving = Call.State == CallState.Leaving;
                Call.Receive(datagram);
                AfterCallChange(wasLeaving);
                return;
            }

            Group.Receive(datagram, source);
        }
        else
        {
            Direct.Receive(datagram, source);
        }
    }

    /// <inheritdoc/>
    public void Poll()
    {
        if (_rejoiner.TakeDue() && Group.State == ClientState.Closed)
        {
            // With several addresses of the group (other nodes of its cluster), each try goes to the next (PROTOCOL.md §15.4).
            if (_servers.Length > 1)
            {
                _serverIndex = (_serverIndex + 1) % _servers.Length;
                Group.MoveTo(_servers[_serverIndex]);
            }

            Group.Join();
        }

        Group.Poll();
        Direct.Poll();
        if (Call is not null)
        {
            var wasLeaving = Call.State == CallState.Leaving;
            Call.Poll();
            AfterCallChange(wasLeaving);
        }
    }

    /// <inheritdoc/>
    public TimeSpan? NextPollDelay()
    {
        var next = Earlier(Earlier(Group.NextPollDelay(), Direct.NextPollDelay()), _rejoiner.Delay());
        return Call is null ? next : Earlier(next, Call.NextPollDelay());
    }

    private static TimeSpan? Earlier(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static bool IsCallDatagram(ReadOnlySpan<byte> datagram)
    {
        // The call's own kinds, and the one Error code that is about the call (PROTOCOL.md §8.6: NotInCall).
        if (datagram.Length < 2)
        {
            return false;
        }

        return datagram[1] is CodecReject.Flag or VoiceFin.Flag or Media.Flag
            || (datagram[1] == Error.Flag && datagram.Length > VcspWire.TextHeaderSize && datagram[VcspWire.TextHeaderSize] == (byte)ErrorCode.NotInCall);
    }

    private void AfterCallChange(bool wasLeaving)
    {
        // VC-RESTART: once the leave has completed, VC-INIT again.
        if (wasLeaving && _rejoinCall && Call!.State == CallState.Idle && Group.State == ClientState.Member && !_restarting)
        {
            _rejoinCall = false;
            Call.Join(Call.Codecs);
        }
    }

    private void OnWhoisReply(CommandStatus status, ReadOnlySpan<byte> data)
    {
        var name = _pendingName!;
        var message = _pendingMessage!;
        _pendingName = null;
        _pendingMessage = null;
        if (status == CommandStatus.Ok && IPEndPoint.TryParse(Encoding.UTF8.GetString(data), out var endPoint) && endPoint.Port != 0)
        {
            var peer = VcspAddress.FromEndPoint(endPoint);
            if (_addresses.Count >= MaxKnownAddresses)
            {
                _addresses.Clear();
            }

            _addresses[name] = peer;
            Direct.TrySend(peer, message);
        }
    }

    /// <summary>Sees the session's events first: WHOIS answers for a pending DM, and the FIN's answer during RES.</summary>
    private sealed class Relay(ChatClient client) : IClientEvents
    {
        public void OnJoined(ReadOnlySpan<byte> groupName)
        {
            client._member = true;
            client._nameInUseTries = 0;
            client._rejoiner.Stop();
            client._events.OnJoined(groupName);
            if (client._quit)
            {
                client.Group.Leave(); // QUIT came while the rejoin was joining
                return;
            }

            // RES in a call ends with VC-INIT (PROTOCOL.md §11.10).
            if (client._rejoinCall && client.Call is { State: CallState.Idle } call)
            {
                client._rejoinCall = false;
                call.Join(call.Codecs);
            }
        }

        public void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message) => client._events.OnMessage(sender, message);

        public void OnClosed(SessionEnd end)
        {
            client._pendingName = null;
            client._pendingMessage = null;
            var wasMember = client._member;
            client._member = false;
            // While rejoining a group of several nodes, NameInUse may be this member's own old session still listed (its
            // node died and is not counted down yet, PROTOCOL.md §15.4): tried again like a loss, a few times in a row.
            // With one address a Reject ends the rejoining (§7.7).
            var stale = client._servers.Length > 1 && client._rejoiner.Active && end.Rejection == RejectReason.NameInUse && ++client._nameInUseTries <= MaxNameInUseTries;
            if (end.IsLost)
            {
                client._nameInUseTries = 0;
            }

            var lost = end.IsLost || stale;
            if (client.Rejoin && !client._quit && lost && (wasMember || client._rejoiner.Active))
            {
                // The membership was lost: join again later (PROTOCOL.md §7.7). The loss is reported once, each try always.
                var first = !client._rejoiner.Active;
                var delay = client._rejoiner.ScheduleNext();
                if (first)
                {
                    client._events.OnClosed(end);
                }

                client._events.OnRejoining(client._rejoiner.Attempt, delay);
                return;
            }

            client._rejoiner.Stop();
            var restart = client._restarting && end.IsLeave;
            client._restarting = false;
            client._events.OnClosed(end);
            if (restart)
            {
                client.Group.Join();
            }
        }

        public void OnPong(TimeSpan roundTrip) => client._events.OnPong(roundTrip);

        public void OnRejoining(int attempt, TimeSpan delay) => client._events.OnRejoining(attempt, delay);

        public void OnRelayLost(long datagrams) => client._events.OnRelayLost(datagrams);

        public void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence) =>
            client._events.OnUndelivered(member, firstSequence, endSequence);

        public void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data)
        {
            if (command == CommandCode.Whois && client._pendingName is not null)
            {
                client.OnWhoisReply(status, data);
            }

            client._events.OnCommandReply(command, status, data);
        }
    }
}
