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
/// retransmitted BYE from its transaction layer). Over TCP too for the two scenario files.
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

    [Fact]
    public async Task SippsUacScenarioWithTwentyPercentLossCompletes()
    {
        using var folder = new TempFolder();
        var (code, output, log) = await CallClientAsync(folder, ["-sn", "uac", "-lost", "20", "-recv_timeout", "60s"], SipTransport.Udp);
        Assert.True(code == 0, $"sipp exited {code}:\n{output}\n{folder.Read("errors.log")}\n{folder.Read("messages.log")}\ncall log: {log}");
        Assert.Contains("ended: ended by the server (BYE)", log, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string CallLog)> CallClientAsync(TempFolder folder, IEnumerable<string> scenario, SipTransport transport)
    {
        var sippPort = Programs.FreePort();
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu], withSip: false);
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu], transport, serverSip: new IPEndPoint(IPAddress.Loopback, sippPort));
        member.Do(c => c.Call!.Join());
        string[] arguments =
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
            $"127.0.0.1:{member.Sip.LocalEndPoint.Port}",
        ];
        var (code, output) = await Programs.RunAsync("sipp", arguments, folder.Path, SippLimit);
        await UdpLab.WaitUntilAsync(() => member.Calls.Log.Length >= 2 || code != 0, "the call to end");
        return (code, output, string.Join(" | ", member.Calls.Log));
    }
}
