using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>What a <see cref="ClientSession"/> tells its application. Spans are valid only during the call.</summary>
public interface IClientEvents
{
    /// <summary>The server accepted the join and confirmed the membership (PROTOCOL.md §8.1, step 6).</summary>
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

    /// <summary>
    /// Relayed datagrams this member will never receive (PROTOCOL.md §7.5): the server skipped them (Error Skipped,
    /// the member was lagging), or they were asked for 5 times in vain. Messages they belong to are not delivered
    /// (a message they cut is dropped whole); the messages after them are. <see cref="ClientSession.LostDatagrams"/> counts them all.
    /// </summary>
    /// <param name="datagrams">How many datagrams were lost this time.</param>
    void OnRelayLost(long datagrams);

    /// <summary>
    /// Some of this member's messages could not be delivered to another member (Error Undelivered, PROTOCOL.md §7.5):
    /// those whose datagrams lie in the group sequence range [<paramref name="firstSequence"/>,
    /// <paramref name="endSequence"/>). <see cref="ClientSession.TrySend(ReadOnlySpan{byte}, out uint)"/> gives each
    /// message's first sequence, to tell which ones.
    /// </summary>
    /// <param name="member">The member they did not reach, UTF-8.</param>
    /// <param name="firstSequence">The first group sequence concerned.</param>
    /// <param name="endSequence">One past the last group sequence concerned (serial arithmetic, PROTOCOL.md §6.2).</param>
    void OnUndelivered(ReadOnlySpan<byte> member, uint firstSequence, uint endSequence);

    /// <summary>
    /// The membership was lost (<see cref="OnClosed"/> reported why, with <see cref="SessionEnd.IsLost"/>: the server
    /// stopped answering or no longer knows this member), and the client joins again by itself with the same name
    /// after <paramref name="delay"/> (PROTOCOL.md §7.7: 1, 2, 4, 8, 16, then every 30 s). Raised once per try:
    /// a try that fails is followed by the next <see cref="OnRejoining"/>, one that succeeds by
    /// <see cref="OnJoined"/>, after which the messages the server had not acknowledged are sent again as new messages.
    /// Only a <see cref="ChatClient"/> with <see cref="ChatClient.Rejoin"/> (as in a <see cref="VcspClientHost"/>) rejoins.
    /// </summary>
    /// <param name="attempt">Which try this is, from 1.</param>
    /// <param name="delay">How long until it.</param>
    void OnRejoining(int attempt, TimeSpan delay);
}
