using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Interop with a real SIP peer, <c>sipp</c> (Debian's sip-tester; scripts/test.sh installs it), over UDP and TCP on
/// 127.0.0.1: sipp's built-in <c>uas</c> scenario takes our server's INVITE, and its built-in <c>uac</c> scenario calls
/// our client's SIP endpoint. Both scenarios end with BYE / 200 OK, and both must end with sipp's exit code 0.
/// </summary>
public sealed class SippInteropTests
{
    private static readonly TimeSpan SippLimit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(SipTransport.Udp)]
    [InlineData(SipTransport.Tcp)]
    public async Task SippsUasScenarioAnswersTheServersInviteAndTheLegEndsWithAByeWhenTheMemberQuits(SipTransport transport)
    {
        using var folder = new TempFolder();
        var sippPort = Programs.FreePort();
        using var sipp = Programs.Start("sipp", Arguments("uas", transport, sippPort, folder.Path), folder.Path);
        await UdpLab.WaitUntilAsync(() => sipp.Process.HasExited || Programs.IsBound(sippPort, transport == SipTransport.Tcp ? SocketType.Stream : SocketType.Dgram), "sipp to listen");

        // sipp's uas answers with PCMU (payload type 0): the server offers it, as the member lists only that.
        await using var lab = new CallUdpLab([(byte)VcspCodec.Opus, (byte)VcspCodec.Pcmu]);
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu], transport, announcedSipPort: sippPort);
        member.Do(c => c.Call!.Join());
        await UdpLab.WaitUntilAsync(() => lab.OnServer(s => s.CallMemberCount) == 1 || sipp.Process.HasExited, "the server to send its ACK");
        Assert.Equal(1, lab.OnServer(s => s.CallMemberCount));

        // QUIT: the server processes the Fin, ends the call leg with a BYE, and sipp answers it and exits.
        member.Do(c => c.Quit());
        var (code, output) = await sipp.WaitAsync(SippLimit);
        Assert.True(code == 0, $"sipp exited {code}:\n{output}\n{folder.Read("errors.log")}\n{folder.Read("messages.log")}");
        Assert.Equal(0, lab.OnServer(s => s.CallMemberCount));
        Assert.Contains("BYE sip:", folder.Read("messages.log"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SipTransport.Udp)]
    [InlineData(SipTransport.Tcp)]
    public async Task SippsUacScenarioCallsTheClientsEndpointAndGetsItsOk(SipTransport transport)
    {
        using var folder = new TempFolder();
        var sippPort = Programs.FreePort();

        // A group without a SIP endpoint of its own never answers VC-INIT, so the client's VoiceJoin stays outstanding;
        // the client expects its server's SIP endpoint where sipp is.
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu], withSip: false);
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu], transport, serverSip: new IPEndPoint(IPAddress.Loopback, sippPort));
        member.Do(c => c.Call!.Join());

        var target = $"127.0.0.1:{member.Sip.LocalEndPoint.Port}";
        var (code, output) = await Programs.RunAsync("sipp", [.. Arguments("uac", transport, sippPort, folder.Path), target], folder.Path, SippLimit);
        Assert.True(code == 0, $"sipp exited {code}:\n{output}\n{folder.Read("errors.log")}\n{folder.Read("messages.log")}\ncall log: {string.Join(" | ", member.Calls.Log)}");

        // sipp's plain SDP has no a=vcsp-challenge: the dialog completed, as a call without VCSP media, and sipp's BYE ended it.
        Assert.Equal(["started codec 0 without challenge", "ended: ended by the server (BYE)"], member.Calls.Log);
        Assert.Equal(CallState.Idle, member.Get(c => c.Call!.State));
    }

    private static IEnumerable<string> Arguments(string scenario, SipTransport transport, int port, string folder)
    {
        string[] arguments =
        [
            "-sn", scenario,
            "-i", "127.0.0.1",
            "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-mp", Programs.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-m", "1",
            "-nostdin",
            "-timeout", "40s",
            "-timeout_error",
            "-trace_err", "-error_file", Path.Combine(folder, "errors.log"),
            "-trace_msg", "-message_file", Path.Combine(folder, "messages.log"),
        ];
        return transport == SipTransport.Tcp ? [.. arguments, "-t", "t1"] : arguments;
    }
}

/// <summary>A temporary folder, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("vcsp-test-").FullName;

    public string Read(string name)
    {
        var file = System.IO.Path.Combine(Path, name);
        return File.Exists(file) ? File.ReadAllText(file) : $"({name}: none)";
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
