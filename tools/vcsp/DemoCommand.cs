using System.CommandLine;

namespace Vcsp.Cli;

/// <summary><c>vcsp demo</c>: the codecs and the runtime at work, every datagram shown.</summary>
internal static class DemoCommand
{
    public static Command Create(VcspCommandLine line)
    {
        var codecs = new Option<bool>("--codecs")
        {
            Description = "Instead, encode, dispatch and decode one of each kind of packet offline, then show refusals.",
        };
        var command = new Command("demo", "A server and three clients chatting over UDP in one process, every datagram shown.")
        {
            codecs,
        };
        line.SetEpilog(command, """
            Starts a server and three clients in this process, each on its own UDP socket on 127.0.0.1, and runs a
            short conversation: joins, a group message, a fragmented message, a DM by name, LIST, INFO, PING, a call
            and a QUIT. Every datagram is printed as it is sent, decoded by the generated dispatch table.
            """);
        command.SetAction(parsed => parsed.GetValue(codecs)
            ? CodecDemo.Run(line.Output)
            : ChatDemo.RunAsync(line.Output, line.Stop).GetAwaiter().GetResult());
        return command;
    }
}
