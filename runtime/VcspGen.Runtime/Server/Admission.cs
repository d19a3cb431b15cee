using System;
using System.Collections.Generic;
using System.Net;
using System.Text;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's join (memo §4.2, §4.3; PROTOCOL.md §10.1): the checks of a JoinRequest (the group address it names,
/// the version, the name, the owner's name, room in the group), the Response that admits a member, and the Reject or
/// silence that refuses one according to <see cref="GroupOptions.Policy"/>.
/// </summary>
internal sealed class Admission
{
    private readonly GroupOptions _options;
    private readonly TimeProvider _time;
    private readonly Roster _roster;
    private readonly PacketSender _sender;
    private readonly GroupDrops _drops;
    private readonly byte[] _groupName;
    private readonly byte[] _ownerName;
    private readonly IPAddress _boundAddress;
    private readonly HashSet<IPAddress> _hostAddresses;
    private readonly VcspAddress[] _advertised;
    private readonly RelayLog _log;
    private readonly JoinLimiter _limiter;
    private readonly GroupActivity _activity;
    private readonly NameClaims? _claims;
    private readonly RemoteMembers _remote;

    /// <summary>Creates the join checks.</summary>
    /// <param name="options">The group's settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="roster">The members.</param>
    /// <param name="sender">The group's sender.</param>
    /// <param name="drops">Where drops are counted.</param>
    /// <param name="groupName">The group's name in UTF-8.</param>
    /// <param name="log">The relay log: a confirmed member's stream starts at its next position.</param>
    /// <param name="activity">Where a full group is reported.</param>
    /// <param name="claims">In a cluster, the names claimed across it (a join is answered once its name is won); otherwise null.</param>
    /// <param name="remote">The members of other nodes, whose names are in use.</param>
    public Admission(GroupOptions options, TimeProvider time, Roster roster, PacketSender sender, GroupDrops drops, byte[] groupName, RelayLog log, GroupActivity activity, NameClaims? claims, RemoteMembers remote)
    {
        _claims = claims;
        _remote = remote;
        _activity = activity;
        _log = log;
        _limiter = new JoinLimiter(options.JoinRatePerSource, options.JoinRate, time);
        _options = options;
        _time = time;
        _roster = roster;
        _sender = sender;
        _drops = drops;
        _groupName = groupName;
        _ownerName = Encoding.UTF8.GetBytes(options.Owner);
        _boundAddress = options.Address.ToIPEndPoint().Address;
        IsWildcard = _boundAddress.Equals(IPAddress.Any) || _boundAddress.Equals(IPAddress.IPv6Any);
        _hostAddresses = [.. options.HostAddresses];
        _advertised = [.. options.Advertise];
    }

    /// <summary>Whether the group is bound to a wildcard address.</summary>
    public bool IsWildcard { get; }

    /// <summary>The address the group is bound to.</summary>
    public IPAddress BoundAddress => _boundAddress;

    /// <summary>Handles a JoinRequest: admits the sender, answers a retransmission again, or refuses it.</summary>
    /// <param name="request">The request.</param>
    /// <param name="source">Its source.</param>
    /// <param name="size">The datagram's length: no answer is longer (PROTOCOL.md §13.3).</param>
    public void OnJoinRequest(in JoinRequest request, in VcspAddress source, int size)
    {
        // Every answer to a join request is rate-limited, per source and for the group (PROTOCOL.md §13.2, §13.3).
        if (!_limiter.TryAcquire(source))
        {
            _drops.Drop(DropReason.RateLimited, source);
            return;
        }

        if (_roster.TryGet(source, out var existing) && !existing.Confirmed && !IsRetransmission(request, existing))
        {
            _roster.Remove(existing); // a new join from an address that never confirmed the last one replaces it
        }

        // A retransmission (the Sequence and Name that admitted the member, or the new join from its address) gets the
        // same answer again (PROTOCOL.md §8.1 step 2).
        Member? replacing = null;
        if (_roster.TryGet(source, out existing))
        {
            var answered = IsRetransmission(request, existing) ? existing
                : _roster.Rejoins.GetValueOrDefault(source) is { } rejoin && IsRetransmission(request, rejoin) ? rejoin
                : null;
            if (answered is not null)
            {
                if (answered.Claiming)
                {
                    return; // answered once its name's claim across the cluster is decided (PROTOCOL.md §15.3)
                }

                _sender.SendResponse(answered, request.Sequence, ResponseTo.JoinRequest, _groupName); // the same size as when it was admitted
                return;
            }

            // Any other JoinRequest from a member's address is a new join (its client restarted, or lost its session):
            // checked and answered with a new challenge, never the member's, and it replaces the member only when
            // confirmed from that address, so a spoofed one displaces nobody.
            replacing = existing;
        }

        // Every failed check follows the join policy: a Reject, or silence (PROTOCOL.md §8.1 steps 3 and 4).
        if (!IsThisGroup(request.Server))
        {
            RefuseJoin(source, request.Sequence, RejectReason.AddressMismatch, "address", size);
            return;
        }

        // The Response must not be larger than the request: a request too short for it is padded by the client (PROTOCOL.md §8.1).
        if (VcspWire.TextHeaderSize + 2 + request.Server.EncodedSize + _groupName.Length > size)
        {
            RefuseJoin(source, request.Sequence, RejectReason.NotPadded, "pad to 64", size);
            return;
        }

        if (!MemberNames.IsValid(request.Name))
        {
            RefuseJoin(source, request.Sequence, RejectReason.BadName, "name", size);
            return;
        }

        // The owner's name is the administrator's, and only a local member may take it (PROTOCOL.md §11.3).
        var isOwnerName = _ownerName.Length > 0 && request.Name.SequenceEqual(_ownerName);
        if ((_roster.Find(request.Name) is { } holder && holder != replacing) || (isOwnerName && !IsLocal(source)) || _remote.Find(request.Name) is not null)
        {
            RefuseJoin(source, request.Sequence, RejectReason.NameInUse, "name in use", size);
            return;
        }

        if ((replacing is null && _roster.Count >= _options.MaxMembers) || !_roster.TryDrawChallenge(out var challenge))
        {
            if (_roster.Count >= _options.MaxMembers)
            {
                _activity.OnFull(source, _options.MaxMembers);
            }

            RefuseJoin(source, request.Sequence, RejectReason.GroupFull, "group full", size);
            return;
        }

        var joined = new Member(source, challenge, request.Name.ToArray(), unchecked(request.Sequence + 1), _options.MaxPendingPerMember)
        {
            JoinedAt = _time.GetTimestamp(),
            JoinSequence = request.Sequence,
            IsAdministrator = isOwnerName,
            GroupAddress = request.Server, // the address it used: the group's own, a host address, or an advertised one
            JoinSize = size,
        };

        // In a cluster the name is claimed across the nodes first, unless this node holds it already (PROTOCOL.md §15.3).
        joined.Claiming = _claims is not null && !_claims.IsWon(joined.Name);
        joined.Inbound.LastHeard = joined.JoinedAt;
        joined.LastHeard = joined.JoinedAt;
        if (replacing is not null)
        {
            _roster.AddRejoin(joined);
        }
        else
        {
            _roster.Add(joined);
        }

        if (!joined.Claiming)
        {
            _sender.SendResponse(joined, request.Sequence, ResponseTo.JoinRequest, _groupName);
        }
    }

    /// <summary>
    /// Confirms an answered join on the first datagram from its address with its challenge (PROTOCOL.md §8.1 step 6): it
    /// becomes a member, unless a confirmed member took its name or the group filled meanwhile (then a Reject).
    /// </summary>
    /// <param name="member">The unconfirmed join.</param>
    /// <returns>Whether it is a member now.</returns>
    public bool Confirm(Member member)
    {
        if (member.Claiming)
        {
            return false; // not answered yet: nothing can confirm it
        }

        if (_roster.Find(member.Name) is not null)
        {
            _roster.Remove(member);
            RefuseJoin(member.Address, member.JoinSequence, RejectReason.NameInUse, "name in use", Ack.MaxDatagramSize);
            return false;
        }

        if (_roster.Count >= _options.MaxMembers)
        {
            _activity.OnFull(member.Address, _options.MaxMembers);
            _roster.Remove(member);
            RefuseJoin(member.Address, member.JoinSequence, RejectReason.GroupFull, "group full", Ack.MaxDatagramSize);
            return false;
        }

        var now = _time.GetTimestamp();
        member.Outbound = new OutboundStream(SecureRandom.Sequence(), _log.Next) { ProgressAt = now, LastSentAt = now };
        _roster.Confirm(member);
        return true;
    }

    /// <summary>Refuses a join request by policy: a Reject, or silence (memo §4.3); counted either way.</summary>
    /// <param name="source">Its source.</param>
    /// <param name="sequence">Its sequence number.</param>
    /// <param name="reason">Why.</param>
    /// <param name="text">Why, in words (cut short so that the Reject is no longer than the request).</param>
    /// <param name="size">The request's length: the Reject is not longer, and none is sent if even an empty one would be (PROTOCOL.md §13.3).</param>
    public void RefuseJoin(in VcspAddress source, uint sequence, RejectReason reason, string text, int size)
    {
        _drops.Drop(DropReason.JoinRefused, source);
        var room = size - (VcspWire.TextHeaderSize + 1);
        if (_options.Policy != JoinPolicy.Reject || room < 0)
        {
            return;
        }

        Span<byte> reasonText = stackalloc byte[32];
        var length = Math.Min(Encoding.UTF8.GetBytes(text, reasonText), room);
        _sender.Send(new Reject { Challenge = VcspChallenge.None, Sequence = sequence, Reason = reason, Text = reasonText[..length] }, source);
    }

    /// <summary>
    /// Whether a join request names this group (memo §4.3; PROTOCOL.md §8.1 step 3): its address and port, with a
    /// wildcard bind the port and one of the host's addresses, or one of the advertised addresses and ports exactly.
    /// </summary>
    private bool IsThisGroup(in VcspAddress named)
    {
        if (named == _options.Address)
        {
            return true;
        }

        foreach (var advertised in _advertised)
        {
            if (named == advertised)
            {
                return true;
            }
        }

        if (named.Port != _options.Address.Port || !IsWildcard)
        {
            return false;
        }

        var ip = named.ToIPEndPoint().Address;
        return IPAddress.IsLoopback(ip) || _hostAddresses.Contains(ip);
    }

    private bool IsLocal(in VcspAddress address)
    {
        var ip = address.ToIPEndPoint().Address;
        return IPAddress.IsLoopback(ip) || ip.Equals(_boundAddress);
    }

    /// <summary>Whether <paramref name="request"/> repeats the JoinRequest that admitted <paramref name="joined"/> (its Sequence and Name).</summary>
    private static bool IsRetransmission(in JoinRequest request, Member joined) =>
        request.Sequence == joined.JoinSequence && request.Name.SequenceEqual(joined.Name);
}
