namespace VcspGen.Runtime;

/// <summary>
/// A member's group messages as they arrive (PROTOCOL.md §7, §8.4): the next sequence number expected, when it was
/// last heard, its fragmented message being reassembled, and the ResendRequests and Errors the server sent it.
/// </summary>
/// <param name="expected">The first sequence number expected.</param>
/// <param name="chunkSize">Data bytes per Syn.</param>
internal sealed class InboundStream(uint expected, int chunkSize)
{
    /// <summary>The sequence number of the next group message expected.</summary>
    public uint Expected { get; set; } = expected;

    /// <summary>When a datagram of the member's last arrived.</summary>
    public long LastHeard { get; set; }

    /// <summary>When the member was last sent an OutOfOrder Error (at most one per quiet period).</summary>
    public long? LastError { get; set; }

    /// <summary>The fragmented message being reassembled.</summary>
    public MessageReassembly Reassembly { get; } = new(chunkSize);

    /// <summary>When the reassembly last made progress.</summary>
    public long ReassemblyProgress { get; set; }

    /// <summary>Datagrams that came ahead of a hole, kept until it is filled (PROTOCOL.md §7.5, upstream).</summary>
    public UpstreamBuffer Ahead { get; } = new();

    /// <summary>The newest sequence seen in the open message, placed or not (an early final fragment too).</summary>
    public uint NewestSeen { get; set; }

    /// <summary>The ResendRequest for missing fragments, retransmitted on the request schedule (PROTOCOL.md §7.5, §11.1).</summary>
    public RetransmitSchedule Asking;

    /// <summary>The first sequence number of the ResendRequest being asked.</summary>
    public uint AskedFirst { get; set; }

    /// <summary>How many the ResendRequest being asked asks for.</summary>
    public int AskedCount { get; set; }
}
