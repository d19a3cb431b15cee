using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using System.Xml.Linq;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// The Wireshark dissector the generator writes, as a user gets it (<c>vcsp dissector --output FILE</c>) and loads it
/// into tshark (<c>-X lua_script:FILE</c>). On a loopback capture of <c>vcsp demo</c>, every datagram of the demo
/// decodes in tshark to the kind and fields that <c>vcsp decode --json</c> reads with the generated codecs, with no
/// malformed mark, no expert info and no Lua error; on every truncation and single-byte mutation of one datagram of
/// each kind, tshark's <c>vcsp.status</c> is the status the generated dispatch table returns.
/// </summary>
/// <remarks>
/// Alone, not beside the other test classes: tshark dissecting with Lua takes a core, and the process tests
/// (DeliveryLoadTests, ClientVerbTests) have real-time budgets.
/// </remarks>
[Collection(nameof(TsharkAlone))]
public sealed class DissectorCaptureTests : IDisposable
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);

    private readonly string _dir = Directory.CreateTempSubdirectory("vcsp-dissector-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task TheDemoCapturedOnLoopbackDecodesInTsharkToTheFieldsTheCodecReads()
    {
        var script = Script();
        var capture = Path.Combine(_dir, "demo.pcapng");
        var demo = await CaptureAsync(capture, () => Run("demo"));
        Assert.Equal(0, demo.Code);

        // The demo's datagrams: those between the group's port and the ports that talked to it (the direct messages
        // too). Other tests may send on loopback meanwhile; their datagrams are in the file but not compared.
        var group = int.Parse(System.Text.RegularExpressions.Regex.Match(demo.Out, @"Group 'lobby' on 127\.0\.0\.1:(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var (code, output, error) = Run("decode", capture, "--json");
        Assert.Equal((0, string.Empty), (code, error));
        var decoded = Lines(output).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var members = decoded.Select(d => Port(d, "source")).Where(p => decoded.Any(d => Port(d, "source") == p && Port(d, "destination") == group)).ToHashSet();
        members.Add(group);
        var ofDemo = decoded.Where(d => members.Contains(Port(d, "source")) && members.Contains(Port(d, "destination"))).ToList();
        Assert.All(ofDemo, d => Assert.True(d.TryGetProperty("kind", out _), $"the codec refused a datagram of the demo: {d}"));

        // editcap keeps the demo's frames (renumbered from 1, in order), so tshark dissects only those: the whole
        // capture holds whatever the other tests sent meanwhile, and dissecting it all would load the machine.
        var demoOnly = Path.Combine(_dir, "demo-only.pcapng");
        var kept = Tool("editcap", ["-r", capture, demoOnly, .. ofDemo.Select(d => d.GetProperty("frame").GetInt32().ToString(CultureInfo.InvariantCulture))]);
        Assert.True(kept.Code == 0, kept.Err);
        var frames = Pdml(demoOnly, script);
        Assert.Equal(Enumerable.Range(1, ofDemo.Count), frames.Keys.Order());
        var fragments = new HashSet<int>();
        for (var i = 0; i < ofDemo.Count; i++)
        {
            var datagram = ofDemo[i];
            var frame = frames[i + 1];
            Assert.Equal(Port(datagram, "source").ToString(CultureInfo.InvariantCulture), Show(frame["udp.srcport"]));
            var kind = datagram.GetProperty("kind").GetString()!;
            var where = $"frame {datagram.GetProperty("frame")} ({kind})";
            Assert.True(frame.ContainsKey("vcsp.kind"), $"{where}: tshark did not take it for VCSP");
            Assert.Equal(kind, Show(frame["vcsp.kind"]));
            Assert.Equal("ok", Show(frame["vcsp.status"]));
            Assert.DoesNotContain(frame.Keys, name => name.StartsWith("_ws.malformed", StringComparison.Ordinal) || name.StartsWith("_ws.expert", StringComparison.Ordinal) || name == "_ws.lua.error");
            foreach (var field in datagram.GetProperty("fields").EnumerateObject())
            {
                AssertSame(frame, kind, field, where);
            }

            // A fragmentable kind's offset is named as PROTOCOL.md §3 names it.
            if (kind is "Syn" or "Msg" or "DirectMessage" or "CommandReply")
            {
                var at = int.Parse(Show(frame["vcsp.fragment_offset"]), CultureInfo.InvariantCulture);
                fragments.Add(at);
                Assert.EndsWith(at == 0 ? "(whole message)" : at == 255 ? "(final fragment)" : $"(fragment {at})", frame["vcsp.fragment_offset"].Attribute("showname")!.Value, StringComparison.Ordinal);
            }
        }

        Assert.Superset(new HashSet<int> { 0, 1, 255 }, fragments); // the demo's fragmented message is in the capture

        // The demo's tour: joins, group text (fragmented too), commands, a DM with its Silent handshake, a ping, a call
        // with media, and a leave; media included, though SDP announced the call as RTP/AVP.
        var kinds = ofDemo.Select(d => d.GetProperty("kind").GetString()!).ToHashSet();
        Assert.Superset(new HashSet<string> { "JoinRequest", "Response", "Ack", "Syn", "Msg", "Command", "CommandReply", "DirectMessage", "Silent", "Ping", "Pong", "VoiceJoin", "Media", "VoiceFin", "Fin" }, kinds);
    }

    [Fact]
    public void EveryTruncationAndByteMutationOfEachKindGetsTheGeneratedDecodersStatus()
    {
        var script = Script();
        var datagrams = new List<byte[]>();
        foreach (var (_, vector) in VcspGen.Benchmarks.CodecVectors.All)
        {
            datagrams.Add(vector);
            for (var length = 1; length < vector.Length; length++)
            {
                datagrams.Add(vector[..length]);
            }

            for (var i = 0; i < vector.Length; i++)
            {
                foreach (var value in new[] { (byte)(vector[i] ^ 0x01), (byte)(vector[i] ^ 0x80), (byte)0x00, (byte)0xFF })
                {
                    var mutated = (byte[])vector.Clone();
                    mutated[i] = value;
                    datagrams.Add(mutated);
                }
            }

            // Shorter, one byte longer and longer than the layout allows, each with its payload length byte set to match,
            // so the checks after the header's are reached: field lengths, trailing bytes, the size limit.
            var media = vector[1] is Media.Flag or VoiceFin.Flag;
            var (header, limit) = media ? (Media.HeaderSize, Media.DatagramLimit) : (Msg.HeaderSize, Msg.DatagramLimit);
            foreach (var length in Enumerable.Range(header, vector.Length - header).Append(vector.Length + 1).Append(limit + 1))
            {
                var resized = new byte[length];
                vector.AsSpan(0, Math.Min(length, vector.Length)).CopyTo(resized);
                resized[header - 1] = (byte)(length - header);
                datagrams.Add(resized);
            }
        }

        var capture = Text2Pcap(datagrams);
        var run = Tool("tshark", "-r", capture, "-X", "lua_script:" + script, "-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "vcsp.status", "-e", "_ws.expert.message", "-e", "_ws.malformed");
        Assert.True(run.Code == 0, run.Err);
        var rows = Lines(run.Out).Select(line => line.Split('|')).ToList();
        Assert.Equal(datagrams.Count, rows.Count);
        var refusals = new HashSet<VcspDecodeStatus>();
        for (var i = 0; i < datagrams.Count; i++)
        {
            var handler = new RecordingHandler();
            var expected = VcspPacketDispatcher.Dispatch(datagrams[i], ref handler);
            var (status, expert, malformed) = (rows[i][1], rows[i][2], rows[i][3]);
            var where = $"frame {rows[i][0]}: {Convert.ToHexString(datagrams[i])}";
            // A Lua error or a read past the datagram (Wireshark's exception) is a bug of the script, whatever the datagram.
            var bug = expert.Contains("Lua Error", StringComparison.Ordinal) || expert.Contains("Exception occurred", StringComparison.Ordinal) || expert.Contains("VCSP dissector error", StringComparison.Ordinal);
            Assert.False(bug, $"{where}: {expert}");
            if (expected == VcspDecodeStatus.Ok)
            {
                Assert.True(status == "ok" && expert.Length == 0 && malformed.Length == 0, $"{where}: the codec decodes it, tshark says {status} {expert} {malformed}");
            }
            else
            {
                refusals.Add(expected);
                Assert.True(status == expected.ToString(), $"{where}: the codec refuses it with {expected}, tshark says {status}");
                Assert.True(expert.StartsWith(expected.ToString(), StringComparison.Ordinal), $"{where}: no expert info for {expected}: '{expert}'");
            }
        }

        // Every refusal a datagram can get from the dispatch table was tried (WrongFlag only comes from a kind's own decoder).
        Assert.Equal(Enum.GetValues<VcspDecodeStatus>().Except([VcspDecodeStatus.Ok, VcspDecodeStatus.WrongFlag]).Order(), refusals.Order());
    }

    /// <summary>The decode JSON field <paramref name="field"/> of a <paramref name="kind"/> against tshark's field of the same name.</summary>
    private static void AssertSame(Dictionary<string, XElement> frame, string kind, JsonProperty field, string where)
    {
        if (field.Name == "dataLength")
        {
            Assert.Equal(field.Value.GetInt32(), int.Parse(frame[$"vcsp.{Snake(kind)}.data"].Attribute("size")!.Value, CultureInfo.InvariantCulture));
            return;
        }

        var name = frame.ContainsKey($"vcsp.{Snake(kind)}.{Snake(field.Name)}") ? $"vcsp.{Snake(kind)}.{Snake(field.Name)}" : $"vcsp.{Snake(field.Name)}";
        Assert.True(frame.TryGetValue(name, out var element), $"{where}: tshark has no {name} for {field.Name}");
        var show = Show(element);
        var label = element.Attribute("showname")?.Value is { } shown && shown.IndexOf(": ", StringComparison.Ordinal) is var colon and >= 0 ? shown[(colon + 2)..] : show;
        switch (field.Value.ValueKind)
        {
            case JsonValueKind.Number:
                Assert.True(Number(show) == field.Value.GetDecimal(), $"{where}: {name} is {show} in tshark, {field.Value} in the codec");
                break;
            case JsonValueKind.String:
                var text = field.Value.GetString()!;
                // Text as the bytes tshark shows it for (its show escapes them), enumerations and addresses by the label.
                var bytes = Convert.FromHexString(element.Attribute("value")?.Value ?? string.Empty);
                var same = label == text || label.StartsWith(text + " (", StringComparison.Ordinal) || Encoding.UTF8.GetString(bytes) == text || Codecs(element) == text;
                Assert.True(same, $"{where}: {name} is '{label}' in tshark, '{text}' in the codec");
                break;
            case JsonValueKind.Array:
                Assert.Equal(string.Join(", ", field.Value.EnumerateArray().Select(e => e.GetString())), Codecs(element));
                break;
            default:
                Assert.Fail($"{where}: {field.Name} is {field.Value.ValueKind}");
                break;
        }
    }

    /// <summary>A byte field's bytes named as codecs, as <c>vcsp decode</c> names them.</summary>
    private static string Codecs(XElement element)
    {
        var bytes = Convert.FromHexString(element.Attribute("value")?.Value ?? string.Empty);
        return string.Join(", ", bytes.Select(b => Vcsp.Cli.CodecNames.Describe([b])));
    }

    private static decimal Number(string show) =>
        show.StartsWith("0x", StringComparison.Ordinal)
            ? ulong.Parse(show.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : decimal.Parse(show, CultureInfo.InvariantCulture);

    private static string Show(XElement element) => element.Attribute("show")?.Value ?? string.Empty;

    /// <summary>camelCase or PascalCase to the dissector's snake_case filter names.</summary>
    private static string Snake(string name)
    {
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    private static int Port(JsonElement datagram, string end)
    {
        var text = datagram.GetProperty(end).GetString()!;
        return int.Parse(text.AsSpan(text.LastIndexOf(':') + 1), CultureInfo.InvariantCulture);
    }

    /// <summary>tshark's PDML of every frame of <paramref name="capture"/>, each as its fields by name (the first of each name).</summary>
    private static Dictionary<int, Dictionary<string, XElement>> Pdml(string capture, string script)
    {
        var run = Tool("tshark", "-r", capture, "-X", "lua_script:" + script, "-T", "pdml");
        Assert.True(run.Code == 0, run.Err);
        var frames = new Dictionary<int, Dictionary<string, XElement>>();
        foreach (var packet in XDocument.Parse(run.Out).Root!.Elements("packet"))
        {
            var fields = new Dictionary<string, XElement>(StringComparer.Ordinal);
            foreach (var field in packet.Descendants("field"))
            {
                if (field.Attribute("name")?.Value is { Length: > 0 } name)
                {
                    fields.TryAdd(name, field);
                }
            }

            frames.Add(int.Parse(Show(fields["frame.number"]), CultureInfo.InvariantCulture), fields);
        }

        return frames;
    }

    /// <summary>Runs <paramref name="work"/> while tshark captures UDP on loopback into <paramref name="file"/>.</summary>
    private static async Task<(int Code, string Out, string Err)> CaptureAsync(string file, Func<(int Code, string Out, string Err)> work)
    {
        using var tshark = await LoopbackCapture.StartAsync("udp", file, "-a", "duration:120");
        try
        {
            var result = work();
            await Task.Delay(500, TestContext.Current.CancellationToken); // the last datagrams reach the capture
            using (var interrupt = Process.Start("kill", ["-INT", tshark.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            Assert.True(tshark.WaitForExit(TimeSpan.FromSeconds(30)), "tshark did not stop on SIGINT");
            return result;
        }
        finally
        {
            if (!tshark.HasExited)
            {
                tshark.Kill();
            }
        }
    }

    /// <summary>The datagrams as UDP from 127.0.0.1:40000 to 127.0.0.1:50429 (VCSP's port), one per frame, in a pcapng file.</summary>
    private string Text2Pcap(IEnumerable<byte[]> datagrams)
    {
        var text = Path.Combine(_dir, "datagrams.txt");
        File.WriteAllLines(text, datagrams.Select(d => "000000 " + string.Join(' ', d.Select(b => b.ToString("X2", CultureInfo.InvariantCulture)))));
        var file = Path.Combine(_dir, "datagrams.pcapng");
        var run = Tool("text2pcap", "-q", "-F", "pcapng", "-4", "127.0.0.1,127.0.0.1", "-u", "40000,50429", text, file);
        Assert.True(run.Code == 0, run.Err);
        return file;
    }

    private string Script()
    {
        var path = Path.Combine(_dir, "vcsp.lua");
        var (code, _, error) = Run("dissector", "--output", path);
        Assert.Equal((0, string.Empty), (code, error));
        return path;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = Vcsp.Cli.Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs a program to its end (bounded by <see cref="ToolTimeout"/>) and returns its exit code and output.</summary>
    private static (int Code, string Out, string Err) Tool(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(ToolTimeout))
        {
            process.Kill();
            Assert.Fail($"{program} did not finish within {ToolTimeout.TotalSeconds} s");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    private static string[] Lines(string output) => output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>The test collection that runs alone: tshark's work does not share the machine with the process tests.</summary>
[CollectionDefinition(nameof(TsharkAlone), DisableParallelization = true)]
public sealed class TsharkAlone;
