using System;
using System.IO;
using System.Text;
using VcspGen;
using VcspGen.Spec;

namespace Vcsp.Cli;

/// <summary>
/// Prints each packet the dispatch table hands it, one line each, after <paramref name="prefix"/>. Each kind of value
/// is written one way: challenges, sequence and relay numbers, flags and the Response's kind in hexadecimal with 0x;
/// codecs by name (a codec id without one in decimal); timestamps, lengths, windows and counts in decimal.
/// </summary>
/// <param name="output">Where lines go.</param>
/// <param name="prefix">What starts each line.</param>
/// <param name="maxText">Text fields longer than this are cut short with an ellipsis.</param>
internal readonly struct Printer(TextWriter output, string prefix = "         = ", int maxText = int.MaxValue) : IVcspPacketHandler
{
    private string Text(ReadOnlySpan<byte> bytes)
    {
        // \n and \t as the demo has always shown them; every other control, bidi or format character made visible by
        // TerminalText (a datagram's text is the network's).
        var text = TerminalText.Sanitize(Encoding.UTF8.GetString(bytes).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal));
        return text.Length <= maxText ? text : text[..maxText] + "...";
    }

    private static string Fragment(byte offset) => offset switch
    {
        VcspWire.WholeMessage => "whole",
        VcspWire.FinalFragment => "final fragment",
        _ => $"fragment {offset}",
    };

    private void Show(string line) => output.WriteLine(prefix + line);

    public void OnJoinRequest(in JoinRequest p) => Show($"Request seq=0x{p.Sequence:X8} server={p.Server} name=\"{Text(p.Name)}\"");

    public void OnResponse(in Response p) => Show($"Response to 0x{(byte)p.InReplyTo:X2} challenge=0x{p.Challenge:X4} seq=0x{p.Sequence:X8} server={p.Server} group=\"{Text(p.GroupName)}\"");

    public void OnReject(in Reject p) => Show($"Reject {p.Reason} \"{Text(p.Text)}\"");

    public void OnSyn(in Syn p) => Show($"SYN challenge=0x{p.Challenge:X4} seq=0x{p.Sequence:X8} {Fragment(p.FragmentOffset)} \"{Text(p.Data)}\"");

    public void OnMsg(in Msg p) => Show($"MSG from {Text(p.Sender)} seq=0x{p.Sequence:X8} {Fragment(p.FragmentOffset)} \"{Text(p.Data)}\"");

    public void OnError(in Error p) => Show($"Error {p.Code} expected=0x{p.Expected:X8} \"{Text(p.Text)}\"");

    public void OnResendRequest(in ResendRequest p) => Show($"Resend {p.Count} from seq=0x{p.Sequence:X8}");

    public void OnAck(in Ack p) => Show($"ACK seq=0x{p.Sequence:X8} relay=0x{p.RelayNext:X8} window={p.Window} {p.Flags}");

    public void OnFin(in Fin p) => Show($"FIN challenge=0x{p.Challenge:X4} seq=0x{p.Sequence:X8}");

    public void OnDirectMessage(in DirectMessage p) => Show($"DM from {Text(p.Sender)} challenge=0x{p.Challenge:X4} seq=0x{p.Sequence:X8} \"{Text(p.Data)}\"");

    public void OnSilent(in Silent p) => Show($"Silent challenge=0x{p.Challenge:X4} seq=0x{p.Sequence:X8} peer={p.Peer}");

    public void OnKick(in Kick p) => Show($"KICK {p.Member} \"{Text(p.Reason)}\"");

    public void OnCommand(in Command p) => Show($"Command {p.Code} \"{Text(p.Argument)}\"");

    public void OnCommandReply(in CommandReply p) => Show($"Reply {p.Code} {p.Status} \"{Text(p.Data)}\"");

    public void OnPing(in Ping p) => Show($"PING {p.Timestamp}");

    public void OnPong(in Pong p) => Show($"PONG {p.Timestamp}");

    public void OnVoiceJoin(in VoiceJoin p) => Show($"VoiceJoin sip={p.SipPort}/{p.SipTransport} codecs={CodecNames.Describe(p.Codecs.ToArray())}");

    public void OnCodecReject(in CodecReject p) => Show($"CodecReject {p.Reason} codecs={CodecNames.Describe(p.Codecs.ToArray())}");

    public void OnVoiceFin(in VoiceFin p) => Show($"VoiceFin challenge=0x{p.Challenge:X4}");

    public void OnMedia(in Media p) => Show($"Media challenge=0x{p.Challenge:X4} source={p.Source} t={p.Timestamp} codec={CodecNames.Describe([p.Codec])} {p.Data.Length} bytes");
}
