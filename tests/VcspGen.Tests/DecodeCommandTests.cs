using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// <c>vcsp decode</c> on captures made here: datagrams encoded with the generated codecs, written into pcap and pcapng
/// files by Wireshark's text2pcap as UDP from 127.0.0.1:40000 to 127.0.0.1:50429, or sent over loopback while tshark
/// captures them; then read back through libpcap.
/// </summary>
public sealed class DecodeCommandTests : IDisposable
{
    private const int ServerPort = 50429;

    private readonly string _dir = Directory.CreateTempSubdirectory("vcsp-decode-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A join (sequence 0x00C0FFEE), a SYN (0x00C0FFEF), a FIN, that FIN cut short, and an unknown flag.</summary>
    private static List<byte[]> Datagrams()
    {
        var buffer = new byte[VcspWire.MediaDatagramLimit];
        var datagrams = new List<byte[]>();
        void Add(VcspEncodeStatus status, int length)
        {
            Assert.Equal(VcspEncodeStatus.Ok, status);
            datagrams.Add(buffer.AsSpan(0, length).ToArray());
        }

        var server = VcspAddress.FromEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, ServerPort));
        Add(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 0x00C0FFEE, Server = server, Name = "alice"u8 }.TryEncode(buffer, out var n), n);
        Add(new Syn { Challenge = 0x4B1D, Sequence = 0x00C0FFEF, FragmentOffset = VcspWire.WholeMessage, Data = "hello"u8 }.TryEncode(buffer, out n), n);
        Add(new Fin { Challenge = 0x4B1D, Sequence = 0x00C0FFF0 }.TryEncode(buffer, out n), n);
        datagrams.Add(datagrams[^1][..^1]); // the FIN cut short: version and flag right, so shown even without --port
        datagrams.Add([VcspWire.Version, 0x99, 0x00, 0x00]); // an unknown flag: shown only with --port
        return datagrams;
    }

    private string Capture(string format, IReadOnlyList<byte[]> datagrams)
    {
        var text = Path.Combine(_dir, format + ".txt");
        var hex = new StringBuilder();
        foreach (var datagram in datagrams)
        {
            hex.Append("000000 ").AppendJoin(' ', datagram.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))).Append('\n');
        }

        File.WriteAllText(text, hex.ToString());
        var file = Path.Combine(_dir, "capture." + format);
        var start = new ProcessStartInfo("text2pcap") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-q", "-F", format, "-4", "127.0.0.1,127.0.0.1", "-u", $"40000,{ServerPort}", text, file })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "text2pcap did not finish");
        Assert.True(process.ExitCode == 0, error.Result);

        // The file is what it says: pcap's or pcapng's magic number.
        var magic = File.ReadAllBytes(file).AsSpan(0, 4).ToArray();
        Assert.Equal(format == "pcap" ? new byte[] { 0xD4, 0xC3, 0xB2, 0xA1 } : [0x0A, 0x0D, 0x0D, 0x0A], magic);
        return file;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = Vcsp.Cli.Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string[] Lines(string output) => output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static VcspDecodeStatus Status(byte[] datagram)
    {
        var handler = new RecordingHandler();
        return VcspPacketDispatcher.Dispatch(datagram, ref handler);
    }

    [Theory]
    [InlineData("pcap")]
    [InlineData("pcapng")]
    public void PrintsEachDatagramAsTheDemoDoesWithRefusalsAndTheirReasons(string format)
    {
        var datagrams = Datagrams();
        var file = Capture(format, datagrams);
        var truncated = Status(datagrams[3]);
        Assert.NotEqual(VcspDecodeStatus.Ok, truncated);
        Assert.Equal(VcspDecodeStatus.UnknownFlag, Status(datagrams[4]));

        var (code, output, error) = Run("decode", file, "--port", ServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((0, string.Empty), (code, error));
        var lines = Lines(output);
        Assert.Equal(datagrams.Count, lines.Length);
        Assert.All(lines, line => Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{6} 127\.0\.0\.1:40000 -> 127\.0\.0\.1:50429 +\d+ B  ", line));
        Assert.Contains($"{datagrams[0].Length,3} B  Request seq=0x00C0FFEE server=127.0.0.1:50429 name=\"alice\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("SYN challenge=0x4B1D seq=0x00C0FFEF whole \"hello\"", lines[1], StringComparison.Ordinal);
        Assert.Contains("FIN challenge=0x4B1D seq=0x00C0FFF0", lines[2], StringComparison.Ordinal);
        Assert.EndsWith($"refused: {truncated}", lines[3], StringComparison.Ordinal);
        Assert.EndsWith("  4 B  refused: UnknownFlag", lines[4], StringComparison.Ordinal);

        // Without --port, the heuristics: what decodes, and the refusal that still has VCSP's version byte and a known flag.
        (code, output, _) = Run("decode", file);
        Assert.Equal(0, code);
        Assert.Equal(lines[..4], Lines(output));
    }

    [Fact]
    public void JsonGivesOneObjectPerDatagramWithTheFieldsTheCodecReads()
    {
        var datagrams = Datagrams();
        var file = Capture("pcapng", datagrams);
        var (code, output, error) = Run("decode", file, "--json", "--port", "40000");
        Assert.Equal((0, string.Empty), (code, error));
        var objects = Lines(output).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(datagrams.Count, objects.Count);
        for (var i = 0; i < objects.Count; i++)
        {
            Assert.Equal("127.0.0.1:40000", objects[i].GetProperty("source").GetString());
            Assert.Equal("127.0.0.1:50429", objects[i].GetProperty("destination").GetString());
            Assert.Equal(datagrams[i].Length, objects[i].GetProperty("length").GetInt32());
            Assert.Equal(i + 1, objects[i].GetProperty("frame").GetInt32()); // one datagram per frame, counted from 1 as Wireshark does
            Assert.True(objects[i].GetProperty("time").GetDateTime() > DateTime.UnixEpoch);
        }

        Assert.Equal(["JoinRequest", "Syn", "Fin"], objects.Take(3).Select(o => o.GetProperty("kind").GetString()));
        Assert.Equal([0x00C0FFEEu, 0x00C0FFEFu, 0x00C0FFF0u], objects.Take(3).Select(o => o.GetProperty("fields").GetProperty("sequence").GetUInt32()));
        Assert.Equal("alice", objects[0].GetProperty("fields").GetProperty("name").GetString());
        Assert.Equal("hello", objects[1].GetProperty("fields").GetProperty("data").GetString());
        Assert.Equal(Status(datagrams[3]).ToString(), objects[3].GetProperty("refusal").GetString());
        Assert.Equal("UnknownFlag", objects[4].GetProperty("refusal").GetString());
        Assert.False(objects[4].TryGetProperty("kind", out _));
    }

    [Fact]
    public async System.Threading.Tasks.Task ReadsACaptureTsharkMadeOnLoopback()
    {
        using var receiver = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        using var sender = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        var datagrams = Datagrams();
        var file = Path.Combine(_dir, "loopback.pcapng");
        using var tshark = await LoopbackCapture.StartAsync($"udp dst port {port}", file, "-c", datagrams.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            foreach (var datagram in datagrams)
            {
                sender.Send(datagram, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            }

            Assert.True(tshark.WaitForExit(TimeSpan.FromSeconds(30)), "tshark did not capture every datagram");
        }
        finally
        {
            if (!tshark.HasExited)
            {
                tshark.Kill();
            }
        }

        var (code, output, error) = Run("decode", file, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((0, string.Empty), (code, error));
        var lines = Lines(output);
        Assert.Equal(datagrams.Count, lines.Length);
        Assert.All(lines, line => Assert.Contains($" -> 127.0.0.1:{port} ", line, StringComparison.Ordinal));
        Assert.Contains("Request seq=0x00C0FFEE", lines[0], StringComparison.Ordinal);
        Assert.Contains("SYN challenge=0x4B1D seq=0x00C0FFEF", lines[1], StringComparison.Ordinal);
        Assert.Contains("FIN challenge=0x4B1D seq=0x00C0FFF0", lines[2], StringComparison.Ordinal);
        Assert.EndsWith($"refused: {Status(datagrams[3])}", lines[3], StringComparison.Ordinal);
        Assert.EndsWith("refused: UnknownFlag", lines[4], StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNotACaptureExitsWithOneAndWrongUsageWithTwo()
    {
        var junk = Path.Combine(_dir, "junk.pcap");
        File.WriteAllText(junk, "not a capture\n");
        var (code, output, error) = Run("decode", junk);
        Assert.Equal((1, string.Empty), (code, output));
        Assert.Contains("junk.pcap", error, StringComparison.Ordinal);
        Assert.Equal(1, Run("decode", Path.Combine(_dir, "missing.pcapng")).Code);
        Assert.Equal(2, Run("decode").Code);
        Assert.Equal(2, Run("decode", junk, "--port", "70000").Code);
        Assert.Equal(2, Run("decode", junk, "--port", "0").Code);
    }
}
