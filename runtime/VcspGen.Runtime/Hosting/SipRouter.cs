using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Extensions.Logging;
using VcspGen.Runtime.Sip;

namespace VcspGen.Runtime;

/// <summary>
/// Routes the messages of one SIP endpoint to the groups that share it (issue 11: one endpoint per process). A group's
/// own requests (INVITE, ACK, BYE) pass through its <see cref="ISipSink"/> here, which notes their Call-ID, so the
/// answers and the member's in-dialog requests (its BYE) find the group by Call-ID. A message with an unknown
/// Call-ID goes to the group its Request-URI or To header names by user part (<c>sip:lobby@host</c>), or, with a
/// single group, to that group; anything else is counted and dropped unanswered (no reply to a peer no group knows).
/// Thread-safe: the endpoint's threads route while the groups' loops send.
/// </summary>
internal sealed partial class SipRouter
{
    /// <summary>How many dialogs are remembered at once; the least recently used is forgotten beyond it.</summary>
    private const int MaxDialogs = 65536;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (HostedGroup Group, long Used)> _byCallId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HostedGroup> _byName = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private long _clock;
    private long _unroutable;

    public SipRouter(ILogger logger) => _logger = logger;

    /// <summary>SIP messages that named no group: counted, logged at Debug, not answered.</summary>
    public long Unroutable => Interlocked.Read(ref _unroutable);

    /// <summary>Where <paramref name="group"/> sends: through <paramref name="endpoint"/>, with its Call-IDs noted.</summary>
    public ISipSink SinkFor(HostedGroup group, ISipSink endpoint) => new GroupSink(this, group, endpoint);

    public void Add(HostedGroup group)
    {
        lock (_gate)
        {
            _byName[group.Name] = group;
        }
    }

    /// <summary>Hands <paramref name="message"/> to its group, under that group's lock.</summary>
    public void Route(SipMessage message, SipPeer peer)
    {
        var group = Find(message);
        if (group is null)
        {
            Interlocked.Increment(ref _unroutable);
            LogUnroutable(_logger, peer.EndPoint, message.IsRequest ? message.Method ?? "?" : message.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return;
        }

        group.ReceiveSip(message, peer);
    }

    private HostedGroup? Find(SipMessage message)
    {
        lock (_gate)
        {
            if (message.Get("Call-ID") is { } callId && _byCallId.TryGetValue(callId, out var known))
            {
                _byCallId[callId] = (known.Group, ++_clock);
                return known.Group;
            }

            if (message.IsRequest && UserOf(message.RequestUri) is { } user && _byName.TryGetValue(user, out var named))
            {
                return named;
            }

            if (UserOf(SipHeaders.Uri(message.Get("To"))) is { } to && _byName.TryGetValue(to, out var addressed))
            {
                return addressed;
            }

            if (_byName.Count == 1)
            {
                foreach (var only in _byName.Values)
                {
                    return only;
                }
            }

            return null;
        }
    }

    private void Note(string callId, HostedGroup group)
    {
        lock (_gate)
        {
            if (!_byCallId.ContainsKey(callId) && _byCallId.Count >= MaxDialogs)
            {
                // Bounded: forget the dialog used least recently (a scan, once per 65,536 new dialogs at most).
                string? oldest = null;
                var oldestUsed = long.MaxValue;
                foreach (var (id, entry) in _byCallId)
                {
                    if (entry.Used < oldestUsed)
                    {
                        (oldest, oldestUsed) = (id, entry.Used);
                    }
                }

                _byCallId.Remove(oldest!);
            }

            _byCallId[callId] = (group, ++_clock);
        }
    }

    /// <summary>The user part of a SIP URI (<c>sip:user@host</c>), unescaped, or null.</summary>
    private static string? UserOf(string? uri)
    {
        if (uri is null)
        {
            return null;
        }

        var start = uri.IndexOf(':', StringComparison.Ordinal) + 1;
        var at = uri.IndexOf('@', start);
        return start <= 0 || at <= start ? null : Uri.UnescapeDataString(uri[start..at]);
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "Dropped a SIP message from {Peer} that names no group: {What}")]
    private static partial void LogUnroutable(ILogger logger, System.Net.IPEndPoint peer, string what);

    /// <summary>A group's way out: the shared endpoint, with each request's Call-ID noted for the answers.</summary>
    private sealed class GroupSink(SipRouter router, HostedGroup group, ISipSink endpoint) : ISipSink
    {
        public void Send(SipMessage message, SipPeer peer)
        {
            if (message.IsRequest && message.Get("Call-ID") is { } callId)
            {
                router.Note(callId, group);
            }

            endpoint.Send(message, peer);
        }
    }
}
