using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// <c>vcsp server --prometheus HOST:PORT</c>: a real server process serves its meters in Prometheus' text format
/// (OpenTelemetry's exporter), and what a scrape reads follows the group: a member joins, the members gauge reads 1.
/// </summary>
public sealed class MetricsScrapeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AScrapeReadsTheMembersOfAGroupAsTheyAre()
    {
        var (port, scrapePort) = (Loopback.FreeUdpPort(), Loopback.FreeTcpPort());
        using var server = VcspProcess.Start(
            "server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture), "--group", "watched",
            "--prometheus", $"127.0.0.1:{scrapePort}");
        await server.WaitForAsync("group watched on ", Patience);
        using var http = new HttpClient { Timeout = Patience };
        var url = $"http://127.0.0.1:{scrapePort}/metrics";

        // A member joins and confirms (PROTOCOL.md §8.1 step 6).
        var (member, _) = await Loopback.JoinAsync(port, "gauge", Patience);
        using var joined = member;

        // The exporter caches a scrape for a moment: read until the gauge shows the member.
        var deadline = DateTime.UtcNow + Patience;
        string text;
        while (true)
        {
            text = await http.GetStringAsync(url, TestContext.Current.CancellationToken);
            if (MembersOf(text, "watched") == 1)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the scrape never showed the member:\n" + text);
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Contains("vcsp_server_datagrams_received", text, StringComparison.Ordinal);
        await server.SignalAsync("TERM");
        Assert.Equal(0, await server.WaitForExitAsync(Patience));
    }

    /// <summary>The value of <c>vcsp_server_members{...group="NAME"...}</c> in a scrape, or null.</summary>
    private static double? MembersOf(string scrape, string groupName)
    {
        var line = scrape.Split('\n').FirstOrDefault(l => l.StartsWith("vcsp_server_members{", StringComparison.Ordinal) && l.Contains($"group=\"{groupName}\"", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
