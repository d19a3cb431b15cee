using System;

namespace VcspGen.Runtime;

/// <summary>The settings of a client session.</summary>
public sealed class ClientOptions
{
    /// <summary>The group's address and port.</summary>
    public required VcspAddress Server { get; init; }

    /// <summary>The member name: UTF-8, 1 to 32 bytes, no control characters.</summary>
    public required string Name { get; init; }

    /// <summary>The first retransmission timeout; it doubles after each try (PROTOCOL.md §11.1: 250 ms).</summary>
    public TimeSpan RetryTimeout { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How many times a request is sent before it fails (PROTOCOL.md §11.1: 5).</summary>
    public int MaxTries { get; init; } = 5;

    /// <summary>
    /// How long after its last group datagram the session asks the server, with a Ping, whether everything arrived
    /// (PROTOCOL.md §8.14), and how long a relayed message may wait, incomplete, before its missing fragments are
    /// asked for (§7.5). Defaults to 100 ms.
    /// </summary>
    public TimeSpan FlushAfter { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many senders' relayed messages are tracked at once; the one heard from least recently is forgotten. Defaults to 256.</summary>
    public int MaxSenders { get; init; } = 256;
}
