using System;
using System.Text;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// The group's commands (memo §7; PROTOCOL.md §8.12, §11.3-§11.6): LIST, INFO, WHOIS and KICK, executed once per
/// request id (a repeated id gets the same reply again, PROTOCOL.md §11.1) and answered with a CommandReply in
/// fragments (<see cref="Fragmentation.Split"/>).
/// </summary>
/// <param name="options">The group's settings.</param>
/// <param name="roster">The members.</param>
/// <param name="sender">The group's sender.</param>
/// <param name="server">The group, which removes a kicked member.</param>
/// <param name="remote">The members of other nodes (PROTOCOL.md §15.3): listed after this node's own.</param>
/// <param name="cluster">The cluster, or null.</param>
internal sealed class GroupCommands(GroupOptions options, Roster roster, PacketSender sender, GroupServer server, RemoteMembers remote, ClusterLink? cluster)
{
    private const int Chunk = VcspWire.TextPayloadLimit - 2;

    /// <summary>Executes a member's command (unless it is a retransmission) and sends the reply.</summary>
    /// <param name="member">The member.</param>
    /// <param name="command">The command.</param>
    public void OnCommand(Member member, in Command command)
    {
        if (member.LastCommand?.Id != command.Sequence)
        {
            var (status, data) = Execute(member, command.Code, command.Argument);
            member.LastCommand = new CommandRecord(command.Sequence, command.Code, status, data);
        }

        SendReply(member, member.LastCommand!);
    }

    private (CommandStatus Status, byte[] Data) Execute(Member requester, CommandCode code, ReadOnlySpan<byte> argument)
    {
        var text = new StringBuilder();
        switch (code)
        {
            case CommandCode.List when argument.IsEmpty:
                foreach (var member in roster.InOrder)
                {
                    text.Append(Encoding.UTF8.GetString(member.Name));
                    if (requester.IsAdministrator)
                    {
                        text.Append('\t').Append(member.Address.ToString());
                    }

                    text.Append('\n');
                }

                foreach (var member in remote.InOrder)
                {
                    text.Append(Encoding.UTF8.GetString(member.Name));
                    if (requester.IsAdministrator)
                    {
                        text.Append('\t').Append(member.Address.ToString()).Append('\t').Append(member.Node);
                    }

                    text.Append('\n');
                }

                return (CommandStatus.Ok, Encoding.UTF8.GetBytes(text.ToString()));
            case CommandCode.Info when argument.IsEmpty:
                text.Append("address=").Append(requester.GroupAddress.ToString()).Append('\n')
                    .Append("name=").Append(options.Name).Append('\n')
                    .Append("owner=").Append(options.Owner).Append('\n')
                    .Append("members=").Append(roster.Count + remote.Count).Append('\n');
                if (cluster is not null)
                {
                    text.Append("node=").Append(cluster.Node).Append('\n')
                        .Append("nodes=").AppendJoin(',', cluster.Nodes).Append('\n');
                }

                return (CommandStatus.Ok, Encoding.UTF8.GetBytes(text.ToString()));
            case CommandCode.Whois when !argument.IsEmpty:
                return roster.Find(argument) is { } found
                    ? (CommandStatus.Ok, Encoding.UTF8.GetBytes(found.Address.ToString()))
                    : remote.Find(argument) is { } elsewhere
                    ? (CommandStatus.Ok, Encoding.UTF8.GetBytes(elsewhere.Address.ToString()))
                    : (CommandStatus.NoSuchMember, []);
            case CommandCode.Kick when !argument.IsEmpty:
                if (!requester.IsAdministrator)
                {
                    return (CommandStatus.NotPermitted, []);
                }

                if (roster.Find(argument) is not { } target)
                {
                    // A member of another node is kicked by its node (PROTOCOL.md §15.3).
                    if (cluster is not null && remote.Find(argument) is { } away)
                    {
                        cluster.Kick(away, Encoding.UTF8.GetString(requester.Name));
                        return (CommandStatus.Ok, []);
                    }

                    return (CommandStatus.NoSuchMember, []);
                }

                server.KickMember(target, Encoding.UTF8.GetString(requester.Name), GroupServer.DefaultKickReason);
                return (CommandStatus.Ok, []);
            default:
                return (CommandStatus.BadArgument, []);
        }
    }

    private void SendReply(Member member, CommandRecord reply)
    {
        foreach (var fragment in Fragmentation.Split(reply.Reply, Chunk))
        {
            sender.Send(
                new CommandReply
                {
                    Challenge = member.Challenge,
                    Sequence = unchecked(reply.Id + (uint)(fragment.Index - 1)),
                    FragmentOffset = fragment.Offset,
                    Code = reply.Code,
                    Status = reply.Status,
                    Data = fragment.Data,
                },
                member.Address);
        }
    }
}
