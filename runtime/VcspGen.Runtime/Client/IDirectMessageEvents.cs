using System;

namespace VcspGen.Runtime;

/// <summary>What a <see cref="DirectMessenger"/> tells its application. Spans are valid only during the call.</summary>
public interface IDirectMessageEvents
{
    /// <summary>A whole direct message arrived.</summary>
    /// <param name="peer">The peer's address and port.</param>
    /// <param name="sender">The name the peer gave, UTF-8.</param>
    /// <param name="message">The message, UTF-8.</param>
    /// <param name="firstContact">Whether it opened a conversation this side did not know (PROTOCOL.md §8.9).</param>
    void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact);
}
