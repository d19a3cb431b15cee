using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// sipp scenarios of issue 14 against a VCSP client's SIP endpoint on 127.0.0.1, each of which must end with sipp's
/// exit code 0: a re-INVITE that refreshes the session (Sipp/reinvite-uac.xml), a CANCEL after the 2xx
/// (Sipp/cancel-uac.xml: 481), and sipp's own uac scenario with 20 % of its messages lost (<c>-lost 20</c>), which
/// completes through the retransmissions of both sides (the client's 200 OK on its timer, its answer to a
/// retransmitted BYE from its transaction layer), and sipp's uas scenario, with the same loss, answering the server's
/// INVITE and BYE. Over TCP too for the scenario files; and sipp's uas re-INVITEs the server (Sipp/reinvite-uas.xml).
/// </summary>
public sealed class SipSippScenarioTests
{
    private static readonly TimeSpan SippLimit = TimeSpan.FromSeconds(90);

    public static TheoryData<string, SipTransport> Scenarios => new()
    {
        { "reinvite-uac.xml", SipTransport.Udp },
        { "reinvite-uac.xml", SipTransport.Tcp },
        { "cancel-uac.xml", SipTransport.Udp },
        { "cancel-uac.xml", SipTransport.Tcp },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task TheScenarioCallsTheClientAndEndsWithExitCode0(string scenario, SipTransport transport)
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, scenario);
        File.WriteAllText(file, Repository.ReadText("tests", "VcspGen.Runtime.Tests", "Sipp", scenario).Replace("\n", "\r\n", StringComparison.Ordinal));
        var (code, output, log) = await CallClientAsync(folder, ["-sf", file], transport);
        Assert.True(code == 0, $"sipp exited {code}:\n{output}\n{folder.Read("errors.log")}\n{folder.Read("messages.log")}\ncall log: {log}");
        Assert.Equal("started codec 0 without challenge | ended: ended by the server (BYE)", log);
        if (scenario.StartsWith("reinvite", StringComparison.Ordinal))
        {
            Assert.Contains("CSeq: 2 INVITE", folder.Read("messages.log"), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(SipTransport.Udp)]
    [InlineData(SipTransport.Tcp)]
    public async Task AMembersUserAgentsReInviteIsAnswered200ByTheServerAndTheCallGoesOn(SipTransport transport)
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "reinvite-uas.xml");
        File.WriteAllText(file, Repository.ReadText("tests", "VcspGen.Runtime.Tests", "Sipp", "reinvite-uas.xml").Replace("\n", "\r\n", StringComparison.Ordinal));
        var sippPort = Programs.FreePort();
        using var sipp = Programs.Start("sipp", [.. Common(folder, ["-sf", file], sippPort, transport)], folder.Path);
        await UdpLab.WaitUntilAsync(() => sipp.Process.HasExited || Programs.IsBound(sippPort, transport == SipTransport.Tcp ? System.Net.Sockets.SocketType.Stream : System.Net.Sockets.SocketType.Dgram), "sipp to listen");

        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu]);
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu], transport, announcedSipPort: sippPort);
        member.Do(c => c.Call!.Join());
        // The server's ACK of sipp's 200 OK, then sipp's ACK of the server's 200 OK to the re-INVITE: both CSeq 1 ACK.
        await UdpLab.WaitUntilAsync(() => folder.Read("messages.log").Split("CSeq: 1 ACK").Length >= 3 || sipp.Process.HasExited, "sipp's ACK of the re-INVITE's 200 OK");
        await UdpLab.WaitUntilAsync(() => lab.OnServer(s => s.CallMemberCount) == 1 || sipp.Process.HasExited, "the member to be in the call still");
        Assert.True(lab.OnServer(s => s.CallMemberCount) == 1, $"{folder.Read("errors.log")}\n{folder.Read("messages.log")}");

        member.Do(c => c.Quit());
        var (code, output) = await sipp.WaitAsync(SippLimit);
        Assert.True(code == 0, $"sipp exited {code}:\n{output}\n{folder.Read("errors.log")}\n{folder.Read("messages.log")}");
        var log = folder.Read("messages.log");
        Assert.Matches("(?s)INVITE sip:vcsp@.*SIP/2.0 200 OK.*CSeq: 1 INVITE.*m=audio \\d+ RTP/AVP 0", log);
        Assert.Equal(0, lab.OnServer(s => s.CallMemberCount));
    }

    [Fact]
    public async Task SippsUacScenarioWithTwentyPercentLossCompletes()
    {
        using var folder = new TempFolder();
        var (code, output, log) = await CallClientAsync(folder, ["-sn", "uac", "-lost", "20", "-recv_timeout", "60s"], SipTransport.Udp);
        Assert.True(code == 0, $"sipp exited {code}:\n{output}\n{folder.Read("errors.log")}\n{folder.Read("messages.log")}\ncall log: {log}");
        Assert.Contains("ended: ended by the server (BYE)", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SippsUasScenarioWithTwentyPercentLossAnswersTheServersInviteAndItsBye()
    {
        using var folder = new TempFolder();
        var (sipp, sippPort) = await ListeningSippAsync(folder, ["-sn", "uas", "-lost", "20"]);
        using var running = sipp;
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu]);
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu], announcedSipPort: sippPort);
        member.Do(c => c.Call!.Join());
        await UdpLab.WaitUntilAsync(() => lab.OnServer(s => s.CallMemberCount) == 1 || sipp.Process.HasExited, "the server to send its ACK");
        Assert.Equal(1, lab.OnServer(s => s.CallMemberCount));
        member.Do(c => c.Quit());
        var (code, output) = await sipp.WaitAsync(SippLimit);
        Assert.True(code == 0, $"sipp exited {code}:\n{output}\n{folder.Read("errors.log")}\n{folder.Read("messages.log")}");
        Assert.Equal(0, lab.OnServer(s => s.CallMemberCount));
    }

    /// <summary>
    /// Starts sipp as a UAS on a free UDP port and waits until it listens; a sipp that exits first (its port taken
    /// between the check and its bind) is started again on another, at most 3 times, and its output shown if it fails.
    /// </summary>
    private static async Task<(Programs.Running Sipp, int Port)> ListeningSippAsync(TempFolder folder, string[] scenario)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = Programs.FreePort();
            var sipp = Programs.Start("sipp", [.. Common(folder, scenario, port, SipTransport.Udp)], folder.Path);
            await UdpLab.WaitUntilAsync(() => sipp.Process.HasExited || Programs.IsBound(port, System.Net.Sockets.SocketType.Dgram), "sipp to listen");
            if (!sipp.Process.HasExited)
            {
                return (sipp, port);
            }

            var (code, output) = await sipp.WaitAsync(SippLimit);
            sipp.Dispose();
            Assert.True(attempt < 3, $"sipp exited {code} before it listened, 3 times:\n{output}\n{folder.Read("errors.log")}");
        }
    }

    private static async Task<(int Code, string Output, string CallLog)> CallClientAsync(TempFolder folder, IEnumerable<string> scenario, SipTransport transport)
    {
        var sippPort = Programs.FreePort();
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu], withSip: false);
        // sipp's T1 (500 ms), not the lab's 100 ms: when sipp's ACK is lost, its BYE (retransmitted on sipp's own
        // T1) comes before this side's Timer H (64 T1) gives up on the ACK, unless the loss takes every copy.
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu], transport, serverSip: new IPEndPoint(IPAddress.Loopback, sippPort), t1: TimeSpan.FromMilliseconds(500));
        member.Do(c => c.Call!.Join());
        string[] arguments = [.. Common(folder, scenario, sippPort, transport), $"127.0.0.1:{member.Sip.LocalEndPoint.Port}"];
        var (code, output) = await Programs.RunAsync("sipp", arguments, folder.Path, SippLimit);
        // With loss, sipp's ACK (never retransmitted) may be lost: the call then ends without having started.
        await UdpLab.WaitUntilAsync(() => Array.Exists(member.Calls.Log, l => l.StartsWith("ended", StringComparison.Ordinal)) || code != 0, "the call to end");
        return (code, output, string.Join(" | ", member.Calls.Log));
    }

    private static string[] Common(TempFolder folder, IEnumerable<string> scenario, int sippPort, SipTransport transport) =>
        [
            .. scenario,
            "-i", "127.0.0.1",
            "-p", sippPort.ToString(CultureInfo.InvariantCulture),
            "-mp", Programs.FreePort().ToString(CultureInfo.InvariantCulture),
            "-m", "1",
            "-nostdin",
            "-timeout", "60s",
            "-timeout_error",
            "-trace_err", "-error_file", Path.Combine(folder.Path, "errors.log"),
            "-trace_msg", "-message_file", Path.Combine(folder.Path, "messages.log"),
            .. transport == SipTransport.Tcp ? (string[])["-t", "t1"] : [],
        ];
}
