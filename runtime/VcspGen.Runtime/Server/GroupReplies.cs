using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>The answers the server gives a member in several places: an Error, and a Response to its join or Fin.</summary>
internal static class GroupReplies
{
    /// <summary>Sends <paramref name="member"/> an Error that says what the server expects next.</summary>
    /// <param name="sender">The group's sender.</param>
    /// <param name="member">The member.</param>
    /// <param name="code">The error.</param>
    /// <param name="sequence">The sequence number it concerns.</param>
    public static void SendError(this PacketSender sender, Member member, ErrorCode code, uint sequence) =>
        sender.Send(new Error { Challenge = member.Challenge, Sequence = sequence, Code = code, Expected = member.Inbound.Expected }, member.Address);

    /// <summary>Sends <paramref name="member"/> an Error whose Expected (and Text) the code defines (PROTOCOL.md §8.6: Skipped, Undelivered).</summary>
    /// <param name="sender">The group's sender.</param>
    /// <param name="member">The member.</param>
    /// <param name="code">The error.</param>
    /// <param name="sequence">The first number it concerns.</param>
    /// <param name="expected">One past the last.</param>
    /// <param name="text">Its text, such as a member's name.</param>
    public static void SendError(this PacketSender sender, Member member, ErrorCode code, uint sequence, uint expected, System.ReadOnlySpan<byte> text = default) =>
        sender.Send(new Error { Challenge = member.Challenge, Sequence = sequence, Code = code, Expected = expected, Text = text }, member.Address);

    /// <summary>Sends <paramref name="member"/> the Response to its JoinRequest or Fin.</summary>
    /// <param name="sender">The group's sender.</param>
    /// <param name="member">The member.</param>
    /// <param name="sequence">The request's sequence number.</param>
    /// <param name="inReplyTo">What it answers.</param>
    /// <param name="groupName">The group's name.</param>
    public static void SendResponse(this PacketSender sender, Member member, uint sequence, ResponseTo inReplyTo, byte[] groupName) =>
        sender.Send(new Response { Challenge = member.Challenge, Sequence = sequence, InReplyTo = inReplyTo, Server = member.GroupAddress, GroupName = groupName }, member.Address);
}
