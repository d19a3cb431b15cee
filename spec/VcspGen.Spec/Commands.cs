using System;

namespace VcspGen.Spec;

/// <summary>
/// Command (0x4C, PROTOCOL.md §8.12): LIST, INFO, KICK or WHOIS from a member (VCSP Commands). The sequence
/// number is a request id chosen by the client and echoed in the reply.
/// </summary>
[VcspPacket(0x4C, Direction = VcspDirection.ClientToServer)]
public ref partial struct Command
{
    /// <summary>Which command.</summary>
    public CommandCode Code;

    /// <summary>The argument (a member's name for KICK and WHOIS), UTF-8, at most 32 bytes; empty for LIST and INFO.</summary>
    [VcspField(MaxLength = 32, Text = true)]
    public ReadOnlySpan<byte> Argument;
}

/// <summary>
/// Command reply (0x4D, PROTOCOL.md §8.13): the server's answer to a <see cref="Command"/>. Long replies are
/// fragmented; the first fragment's sequence number is the command's request id.
/// </summary>
[VcspPacket(0x4D, Direction = VcspDirection.ServerToClient, Fragmentable = true)]
public ref partial struct CommandReply
{
    /// <summary>The command answered.</summary>
    public CommandCode Code;

    /// <summary>Whether it succeeded.</summary>
    public CommandStatus Status;

    /// <summary>The result (or this fragment of it) as UTF-8 text lines; may be empty.</summary>
    [VcspField(Text = true)]
    public ReadOnlySpan<byte> Data;
}

/// <summary>
/// PING (0x50, PROTOCOL.md §8.14): a VCSP echo request (the memo's ICMP ping needs raw sockets). The server
/// answers with <see cref="Pong"/>; the client measures the round trip from its own timestamp.
/// </summary>
[VcspPacket(0x50, Direction = VcspDirection.ClientToServer)]
public partial struct Ping
{
    /// <summary>The sender's clock when it sent the ping; opaque to the server.</summary>
    public ulong Timestamp;
}

/// <summary>PONG (0x51, PROTOCOL.md §8.15): the server's echo of a <see cref="Ping"/>, same sequence number and timestamp.</summary>
[VcspPacket(0x51, Direction = VcspDirection.ServerToClient)]
public partial struct Pong
{
    /// <summary>The ping's timestamp, echoed.</summary>
    public ulong Timestamp;
}
