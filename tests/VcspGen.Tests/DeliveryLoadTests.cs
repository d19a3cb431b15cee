using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// Group delivery under load through real <c>vcsp</c> processes on loopback (issue 12): senders pipe their lines as fast
/// as they can, and every line reaches every receiver exactly once and in its sender's order, or is reported.
/// </summary>
public sealed partial class DeliveryLoadTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TenSendersPipingAHundredLinesEachReachThreeReceiversExactlyOnceInOrder()
    {
        const int Senders = 10;
        const int Lines = 100;
        const int Receivers = 3;
        var port = FreePort();
        using var server = VcspProcess.Start("server", "--bind", "127.0.0.1", "--sip-port", "0", "--port", port.ToString(CultureInfo.InvariantCulture));
        await server.WaitForAsync("group lobby on 127.0.0.1:" + port, Patience);
        var address = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);

        var receivers = Enumerable.Range(0, Receivers).Select(r => VcspProcess.Start("client", "--server", address, "--name", "r" + r)).ToArray();
        var senders = Enumerable.Range(0, Senders).Select(s => VcspProcess.Start("client", "--server", address, "--name", "s" + s)).ToArray();
        try
        {
            foreach (var process in receivers.Concat(senders))
            {
                await process.WaitForAsync("joined lobby", Patience);
            }

            // Every third line is longer than one datagram (two or three fragments).
            var writes = senders.Select(async (sender, s) =>
            {
                for (var i = 0; i < Lines; i++)
                {
                    var text = string.Create(CultureInfo.InvariantCulture, $"{s} {i:D3} ") + (i % 3 == 2 ? new string('x', 200) : "short");
                    await sender.Input.WriteLineAsync(text);
                }

                await sender.Input.FlushAsync(TestContext.Current.CancellationToken);
            }).ToArray();
            await Task.WhenAll(writes);

            // Every receiver gets every line once, in each sender's order.
            var deadline = DateTime.UtcNow + Patience;
            foreach (var (receiver, r) in receivers.Select((p, r) => (p, r)))
            {
                while (Heard(receiver).Count < Senders * Lines && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }

                var heard = Heard(receiver);
                Assert.True(heard.Count == Senders * Lines, $"r{r} heard {heard.Count} of {Senders * Lines} lines; last lines:\n{string.Join('\n', receiver.Lines.TakeLast(20))}");
                for (var s = 0; s < Senders; s++)
                {
                    Assert.Equal(Enumerable.Range(0, Lines).ToArray(), heard.Where(h => h.Sender == s).Select(h => h.Line).ToArray());
                }

                Assert.DoesNotContain(receiver.Lines, l => l.Contains("lost", StringComparison.Ordinal) || l.Contains("not delivered", StringComparison.Ordinal));
            }

            // The senders leave with a Fin once everything is in (SIGTERM), and none reports an undelivered message.
            foreach (var sender in senders)
            {
                await sender.SignalAsync("TERM");
            }

            foreach (var sender in senders)
            {
                Assert.Equal(0, await sender.WaitForExitAsync(Patience));
                Assert.DoesNotContain(sender.Lines, l => l.Contains("not delivered", StringComparison.Ordinal) || l.StartsWith("stderr:", StringComparison.Ordinal));
            }
        }
        finally
        {
            foreach (var process in receivers.Concat(senders))
            {
                await process.SignalAsync("TERM");
                process.Dispose();
            }

            await server.SignalAsync("TERM");
        }
    }

    /// <summary>The group lines a receiver printed: <c>&lt;sN&gt; N III ...</c>.</summary>
    private static List<(int Sender, int Line)> Heard(VcspProcess receiver) =>
        [.. receiver.Lines.Select(l => GroupLine().Match(l)).Where(m => m.Success)
            .Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))];

    [GeneratedRegex(@"^<s\d+> (\d+) (\d{3}) ")]
    private static partial Regex GroupLine();

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
