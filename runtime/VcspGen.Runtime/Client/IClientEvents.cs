using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>What a <see cref="ClientSession"/> tells its application. Spans are valid only during the call.</summary>
public interface IClientEvents
{
    /// <summary>The server accepted the join.</summary>
    /// <param name="groupName">The group's name, UTF-8.</param>
    void OnJoined(ReadOnlySpan<byte> groupName);

    /// <summary>A whole group message arrived (fragments are put together first).</summary>
    /// <param name="sender">The sender's name, UTF-8.</param>
    /// <param name="message">The message, UTF-8.</param>
    void OnMessage(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message);

    /// <summary>The session ended.</summary>
    /// <param name="end">Why: left (the FIN answered or not), kicked, rejected (and the server's reason), or the server did not answer.</param>
    void OnClosed(SessionEnd end);

    /// <summary>A ping was answered.</summary>
    /// <param name="roundTrip">The round-trip time.</param>
    void OnPong(TimeSpan roundTrip);

    /// <summary>The server answered a command (all its fragments put together).</summary>
    /// <param name="command">The command answered.</param>
    /// <param name="status">Whether it succeeded.</param>
    /// <param name="data">The result, UTF-8 text lines.</param>
    void OnCommandReply(CommandCode command, CommandStatus status, ReadOnlySpan<byte> data);
}
