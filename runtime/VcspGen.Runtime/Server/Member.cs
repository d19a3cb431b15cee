using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A member of the group (memo §4-§5): who it is (address, challenge, name, the group address it used, whether it is
/// the administrator), and its parts: the group messages it sends (<see cref="Inbound"/>), those waiting for relay
/// (<see cref="Pending"/>), the last answers the server gave it, and its call leg.
/// </summary>
/// <param name="address">Its address and port.</param>
/// <param name="challenge">Its challenge.</param>
/// <param name="name">Its name, 1 to 32 bytes of UTF-8.</param>
/// <param name="expected">The sequence number of its first group message.</param>
/// <param name="maxPending">How many messages may wait for relay.</param>
internal sealed class Member(VcspAddress address, ushort challenge, byte[] name, uint expected, int maxPending)
{
    /// <summary>Its address and port.</summary>
    public VcspAddress Address { get; } = address;

    /// <summary>Its challenge: every datagram it sends carries it (memo §5.3).</summary>
    public ushort Challenge { get; } = challenge;

    /// <summary>Its name.</summary>
    public byte[] Name { get; } = name;

    /// <summary>Data bytes per Syn for its name (PROTOCOL.md §7.3).</summary>
    public int ChunkSize { get; } = Fragmentation.ChunkSize(name.Length);

    /// <summary>Whether it took the owner's name (PROTOCOL.md §11.3).</summary>
    public bool IsAdministrator { get; init; }

    /// <summary>
    /// The group's address as this member named it (PROTOCOL.md §8.1 step 3): the group's own, for a server on a wildcard
    /// address the host address it used, or the advertised address it used. The Response, INFO and its call name it.
    /// </summary>
    public VcspAddress GroupAddress { get; init; }

    /// <summary>When it joined: it is sent nothing relayed before.</summary>
    public long JoinedAt { get; init; }

    /// <summary>The Sequence of the JoinRequest that admitted the member: with its Name, what a retransmission repeats (PROTOCOL.md §8.1 step 2).</summary>
    public uint JoinSequence { get; init; }

    /// <summary>Its group messages as they arrive: sequence, reassembly, resend requests.</summary>
    public InboundStream Inbound { get; } = new(expected, Fragmentation.ChunkSize(name.Length));

    /// <summary>Whether it confirmed its join (PROTOCOL.md §8.1 step 6): only then is it relayed anything, and holds its name.</summary>
    public bool Confirmed { get; set; }

    /// <summary>When anything from it last arrived (PROTOCOL.md §7.7).</summary>
    public long LastHeard { get; set; }

    /// <summary>Its relay stream, from its confirmation on.</summary>
    public OutboundStream Outbound { get; set; } = new(0, 0);

    /// <summary>One past the last Syn sequence its newest window allows (PROTOCOL.md §7.6).</summary>
    public uint GrantedEnd { get; set; }

    /// <summary>Its messages waiting for relay.</summary>
    public PendingQueue Pending { get; } = new(maxPending);

    /// <summary>The last ResendRequest answered, so a repeat within the quiet period is not answered twice.</summary>
    public ResendAnswer? LastResendAnswer { get; set; }

    /// <summary>The last command and its reply, answered again when the command is repeated.</summary>
    public CommandRecord? LastCommand { get; set; }

    /// <summary>Its call leg while it is being set up or is active (PROTOCOL.md §12).</summary>
    public CallLeg? Call { get; set; }

    /// <summary>When it was last told NotInCall.</summary>
    public long? LastNotInCall { get; set; }

    /// <summary>Who it is across a cluster (PROTOCOL.md §15): drawn at random for each join, so every node tells its joins apart.</summary>
    public ulong Session { get; init; } = (ulong)System.Random.Shared.NextInt64();

    /// <summary>The length of the JoinRequest that admitted it: a late Reject is no longer (PROTOCOL.md §13.3).</summary>
    public int JoinSize { get; init; } = Ack.MaxDatagramSize;

    /// <summary>Whether its name is being claimed across the cluster: it is answered once the claim is decided (PROTOCOL.md §15.3).</summary>
    public bool Claiming { get; set; }

    /// <summary>Whether it counts as a holder of its name in the group's <see cref="NameClaims"/>.</summary>
    public bool HoldsClaim { get; set; }

    /// <summary>For a member of another node, whose messages this node relays: its node and how far its messages came; null for a member here.</summary>
    public RemoteSender? Remote { get; init; }
}

/// <summary>What a node keeps for a member of another node whose messages it relays (PROTOCOL.md §15.2).</summary>
/// <param name="node">The member's node.</param>
internal sealed class RemoteSender(string node)
{
    /// <summary>The member's node.</summary>
    public string Node { get; } = node;

    /// <summary>The sequence number after the last message relayed: an older message is a duplicate.</summary>
    public uint Next { get; set; }

    /// <summary>Whether a message was relayed yet (before, any sequence is new).</summary>
    public bool Started { get; set; }

    /// <summary>Whether the member left the group on its node: the proxy goes once what it has waiting is relayed.</summary>
    public bool Left { get; set; }
}

/// <summary>A ResendRequest the server answered: when, and its range.</summary>
/// <param name="At">When.</param>
/// <param name="First">The first sequence number asked for.</param>
/// <param name="Count">How many.</param>
internal readonly record struct ResendAnswer(long At, uint First, byte Count);

/// <summary>A command executed for a member, and its reply.</summary>
/// <param name="Id">The request id.</param>
/// <param name="Code">The command.</param>
/// <param name="Status">Its status.</param>
/// <param name="Reply">The reply's data.</param>
internal sealed record CommandRecord(uint Id, CommandCode Code, CommandStatus Status, byte[] Reply);
