using System;

namespace VcspGen.Runtime;

/// <summary>Handles <see cref="GroupServer.MessageRelayed"/>; called on the group's loop thread, under its lock.</summary>
/// <param name="message">The message; valid only during the call.</param>
public delegate void RelayedMessageHandler(in RelayedMessage message);

/// <summary>
/// A group message accepted for relay (every fragment in): who sent it and how long it is. Passed by reference, so
/// raising <see cref="GroupServer.MessageRelayed"/> allocates nothing.
/// </summary>
public readonly struct RelayedMessage
{
    private readonly byte[] _senderName;

    internal RelayedMessage(VcspAddress sender, byte[] senderName, int length, int fragments)
    {
        Sender = sender;
        _senderName = senderName;
        Length = length;
        Fragments = fragments;
    }

    /// <summary>The sender's address and port.</summary>
    public VcspAddress Sender { get; }

    /// <summary>The sender's name, UTF-8.</summary>
    public ReadOnlySpan<byte> SenderName => _senderName;

    /// <summary>The message's length in bytes.</summary>
    public int Length { get; }

    /// <summary>How many Syn datagrams carried it (each relayed as one Msg).</summary>
    public int Fragments { get; }
}
