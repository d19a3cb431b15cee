using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// An independent parser reads our SIP: every message of a call's life (INVITE, 200 OK, ACK, BYE, 200 OK) is written
/// to a capture with Wireshark's text2pcap, and tshark's SIP and SDP dissectors must decode each one, without a
/// malformed-packet error, to the fields we sent.
/// </summary>
public sealed class SipDissectionTests
{
    [Fact]
    public async Task TsharkDecodesEveryMessageOfACallToTheFieldsWeSent()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice", [(byte)VcspCodec.Opus]);
        Assert.True(alice.Call.Leave());
        lab.Pump();
        var messages = lab.Sip.Log.Select(m => m.Message).ToArray();
        Assert.Equal(["INVITE", "200", "ACK", "BYE", "200"], messages.Select(m => m.Method ?? m.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        using var folder = new TempFolder();
        var dump = new StringBuilder();
        foreach (var message in messages)
        {
            // text2pcap's input: one packet per block of offset-numbered hex lines, the offset starting again at 0.
            var bytes = message.ToBytes();
            for (var i = 0; i < bytes.Length; i += 16)
            {
                dump.Append(i.ToString("x6", System.Globalization.CultureInfo.InvariantCulture)).Append(' ')
                    .AppendJoin(' ', bytes.Skip(i).Take(16).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))).Append('\n');
            }
        }

        await File.WriteAllTextAsync(Path.Combine(folder.Path, "sip.txt"), dump.ToString(), TestContext.Current.CancellationToken);
        var (made, madeOutput) = await Programs.RunAsync("text2pcap", ["-q", "-u", "5060,5060", "sip.txt", "sip.pcap"], folder.Path, TimeSpan.FromSeconds(60));
        Assert.True(made == 0, "text2pcap: " + madeOutput);
        var (code, output) = await Programs.RunAsync(
            "tshark",
            ["-r", "sip.pcap", "-T", "fields", "-E", "separator=|", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.Call-ID", "-e", "sip.CSeq.method",
             "-e", "sip.Via.branch", "-e", "sip.to.tag", "-e", "sdp.media.media", "-e", "sdp.media.port", "-e", "sdp.media.format", "-e", "sdp.connection_info.address", "-e", "_ws.malformed"],
            folder.Path,
            TimeSpan.FromSeconds(60));
        Assert.True(code == 0, "tshark: " + output);
        var rows = output.Split('\n').Where(l => l.Contains('|', StringComparison.Ordinal)).Select(l => l.TrimEnd('\r').Split('|')).ToArray();
        Assert.Equal(messages.Length, rows.Length);
        for (var i = 0; i < messages.Length; i++)
        {
            var (message, row) = (messages[i], rows[i]);
            Assert.Equal(message.Method ?? string.Empty, row[0]);
            Assert.Equal(message.IsRequest ? string.Empty : message.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), row[1]);
            Assert.Equal(message.Get("Call-ID"), row[2]);
            Assert.Equal(Sip.SipHeaders.TryParseCSeq(message.Get("CSeq"), out _, out var method) ? method : null, row[3]);
            Assert.Equal(Sip.SipHeaders.Parameter(message.Get("Via"), "branch"), row[4]);
            Assert.Equal(Sip.SipHeaders.Parameter(message.Get("To"), "tag") ?? string.Empty, row[5]);
            Assert.Equal(string.Empty, row[10]); // no malformed-packet mark
        }

        // The offer and the answer: audio, Opus's dynamic type 111, the group's port in the offer and alice's VCSP port in the answer.
        Assert.Equal(["audio", "5000", "127.0.0.1"], new[] { rows[0][6], rows[0][7], rows[0][9] });
        Assert.Contains("111", rows[0][8], StringComparison.Ordinal);
        Assert.Equal(["audio", "6001", "127.0.0.1"], new[] { rows[1][6], rows[1][7], rows[1][9] });
    }
}
