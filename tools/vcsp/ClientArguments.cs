using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using VcspGen.Runtime;
using SipTransport = VcspGen.Spec.SipTransport;

namespace Vcsp.Cli;

/// <summary><c>vcsp client</c>'s command line: its options, and the checks that make <see cref="ClientCommand.Options"/> of them.</summary>
internal static class ClientArguments
{
    public static Command Create(VcspCommandLine line)
    {
        var server = new Option<string[]>("--server") { HelpName = "HOST[:PORT]", Required = true, Description = "The group to join: an IP address or host name, and its port [default port: 50429]; IPv6 with a port is written [ADDRESS]:PORT. Repeat it for the other nodes of a cluster (README: Running a cluster): a lost membership is joined again at the next one, and so are the other addresses of a host name." };
        var name = new Option<string>("--name") { HelpName = "NAME", Required = true, Description = "Your member name: 1 to 32 bytes of UTF-8, no spaces, control or format characters (PROTOCOL.md §4)." };
        var keepalive = new Option<double>("--keepalive") { HelpName = "SECONDS", Description = "How often to show the server this client is alive when it sends nothing else (0.1 to 3600; the server removes members silent for its member timeout, 60 s) [default: 15]." };
        var codecs = new Option<string>("--codecs") { HelpName = "LIST", Description = "Call: the codecs /vc-init offers, most preferred first: opus, pcmu, pcma, g722, h264, mp2t or their ids [default: all six]." };
        var sipPort = new Option<int>("--sip-port") { HelpName = "PORT", Description = "Call: the port of this client's SIP user agent [default: 0, any free port]." };
        var sipTransport = new Option<string>("--sip-transport") { HelpName = "udp|tcp", Description = "Call: how the server's INVITE reaches this client [default: udp]." };
        sipTransport.AcceptOnlyFromAmong("udp", "tcp");
        var serverSip = new Option<string>("--server-sip") { HelpName = "ADDRESS:PORT", Description = "Call: where the server's SIP endpoint is; INVITEs from anywhere else are dropped [default: learned from the server's INVITE, PROTOCOL.md §12.4]." };
        var sendMedia = new Option<FileInfo>("--send-media") { HelpName = "FILE", Description = "Call: an MPEG-TS file to stream (in real time) once in the call, one 188-byte packet per datagram." };
        var recordMedia = new Option<FileInfo>("--record-media") { HelpName = "FILE", Description = "Call: write the media data received in the call to FILE." };
        var ui = new Option<string>("--ui") { HelpName = "auto|terminal|line", Description = "The front end: terminal (scrollback above a fixed input line, timestamps, colours unless NO_COLOR, history), line (a line in, a line out: what scripts use) or auto, the terminal one when standard input and output are both terminals [default: auto]." };
        ui.AcceptOnlyFromAmong("auto", "terminal", "line");
        var command = new Command("client", "Join a group and chat: lines go to the group, /commands do the rest.")
        {
            server, name, keepalive, ui, codecs, sipPort, sipTransport, serverSip, sendMedia, recordMedia,
        };
        line.SetEpilog(command, """
            Every line you type goes to the group, except lines that start with '/':
              /list             the members (with their addresses when you are the administrator)
              /info             the group's address, name, owner and member count
              /ping             a VCSP echo to the server, with the round trip in milliseconds
              /dm NAME TEXT     a direct message, peer to peer (also /whisper and /tell; NAME may be HOST:PORT)
              /kick NAME        remove a member (the administrator only)
              /res              leave and join again (and the call, if in it)
              /vc-init [LIST]   join the group's call (VoiceJoin, then SIP INVITE / 200 OK / ACK)
              /vc-leave         leave the call (the member stays in the group)
              /vc-restart       leave the call and join it again
              /quit             leave and exit
              /help             this list
            When standard input ends, the client stays in the group, printing, until Ctrl-C or SIGTERM.
            Exit codes: 0 after /quit, Ctrl-C or SIGTERM; 1 when the join fails or the server ends the session; 2 wrong arguments.
            """);
        command.SetAction(parsed =>
        {
            var memberName = parsed.GetValue(name)!;
            if (!MemberNames.IsValid(memberName))
            {
                return line.Fail(command, $"member name '{memberName}' is not 1 to 32 bytes of UTF-8 without spaces, control or format characters");
            }

            var servers = new System.Collections.Generic.List<(string Host, int Port)>();
            foreach (var value in parsed.GetValue(server)!)
            {
                if (!ClientCommand.TrySplitHostPort(value, out var oneHost, out var onePort))
                {
                    return line.Fail(command, $"'{value}' is not HOST[:PORT] with a port from 1 to 65535");
                }

                servers.Add((oneHost, onePort));
            }

            var (host, port) = servers[0];
            var options = new ClientCommand.Options(host, port, memberName) { Alternates = servers.Skip(1).ToList() };
            if (VcspCommandLine.Given(parsed, keepalive) is { } seconds)
            {
                if (seconds is < 0.1 or > 3600)
                {
                    return line.Fail(command, $"'{seconds.ToString(CultureInfo.InvariantCulture)}' is not a keepalive interval in seconds (0.1 to 3600)");
                }

                options = options with { Keepalive = TimeSpan.FromSeconds(seconds) };
            }

            if (parsed.GetValue(codecs) is { } codecText)
            {
                if (!CodecNames.TryParse(codecText, out var list))
                {
                    return line.Fail(command, $"'{codecText}' is not a codec list: {CodecNames.Known}");
                }

                options = options with { Codecs = list };
            }

            if (VcspCommandLine.Given(parsed, sipPort) is { } sip)
            {
                if (sip is < 0 or > 65535)
                {
                    return line.Fail(command, $"'{sip}' is not a SIP port (0 to 65535)");
                }

                options = options with { SipPort = sip };
            }

            if (parsed.GetValue(sipTransport) == "tcp")
            {
                options = options with { SipTransport = SipTransport.Tcp };
            }

            if (parsed.GetValue(serverSip) is { } serverSipText)
            {
                if (!IPEndPoint.TryParse(serverSipText, out var endPoint) || endPoint.Port == 0)
                {
                    return line.Fail(command, $"'{serverSipText}' is not ADDRESS:PORT");
                }

                options = options with { ServerSip = serverSipText };
            }

            if (parsed.GetValue(sendMedia) is { } media)
            {
                if (!media.Exists)
                {
                    return line.Fail(command, $"no such file: '{media}'");
                }

                options = options with { SendMedia = media.FullName };
            }

            options = options with
            {
                Ui = parsed.GetValue(ui) switch
                {
                    "terminal" => ClientUi.Terminal,
                    "line" => ClientUi.Line,
                    _ => ClientUi.Auto,
                },
            };
            if (parsed.GetValue(recordMedia) is { } record)
            {
                options = options with { RecordMedia = record.FullName };
            }

            return ClientCommand.RunAsync(options, line.Input, line.Output, line.Error, line.Stop).GetAwaiter().GetResult();
        });
        return command;
    }
}
