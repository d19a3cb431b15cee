using System;

namespace VcspGen.Runtime;

/// <summary>The settings of a client session.</summary>
public sealed class ClientOptions
{
    /// <summary>The group's address and port.</summary>
    public required VcspAddress Server { get; init; }

    /// <summary>
    /// Other addresses of the same group: the other nodes of its cluster, or more addresses of its server
    /// (PROTOCOL.md §15.4). A <see cref="ChatClient"/> that lost its membership joins again at the next address in turn
    /// (after the last, <see cref="Server"/> again). Empty (the default) for one address.
    /// </summary>
    public System.Collections.Generic.IReadOnlyList<VcspAddress> Alternates { get; init; } = [];

    /// <summary>The member name: 1 to 32 bytes of UTF-8 following <see cref="MemberNames"/>' rule (no controls, format characters or spaces).</summary>
    public required string Name { get; init; }

    /// <summary>The first retransmission timeout; it doubles after each try (PROTOCOL.md §11.1: 250 ms).</summary>
    public TimeSpan RetryTimeout { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How many times a request is sent before it fails (PROTOCOL.md §11.1: 5).</summary>
    public int MaxTries { get; init; } = 5;

    /// <summary>
    /// The keepalive interval (PROTOCOL.md §7.6): when nothing went to the server for this long, the session sends an
    /// Ack, asking for an answer when Syn datagrams wait for acknowledgement or the server has been silent for twice
    /// as long. Defaults to 15 s (the server removes a member it has not heard from for 60 s, §7.7).
    /// </summary>
    public TimeSpan KeepaliveInterval { get; init; } = TimeSpan.FromSeconds(15);
}
