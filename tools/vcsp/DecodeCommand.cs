using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using SharpPcap;
using VcspGen;
using VcspPacketDispatcher = VcspGen.Spec.VcspPacketDispatcher;

namespace Vcsp.Cli;

/// <summary><c>vcsp decode FILE</c>: the VCSP datagrams of a pcap or pcapng capture, decoded by the generated dispatch table.</summary>
internal static class DecodeCommand
{
    /// <summary>The exit code of a capture that cannot be read.</summary>
    public const int Unreadable = 1;

    public static Command Create(VcspCommandLine line)
    {
        var file = new Argument<string>("FILE") { Description = "The capture to read: pcap or pcapng (as tshark, tcpdump or Wireshark write them)." };
        var ports = new Option<int[]>("--port")
        {
            Description = "Show the UDP datagrams from or to this port, refusals too (repeatable). Without it, every UDP datagram that looks like VCSP.",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<bool>("--json") { Description = "One JSON object per line: frame, time, source, destination, length, kind and fields, or refusal." };
        var command = new Command("decode", "Decode the VCSP datagrams of a pcap or pcapng capture, as the demo prints them.")
        {
            file,
            ports,
            json,
        };
        line.SetEpilog(command, """
            Each datagram is shown as: time (UTC), source -> destination, length, then what the generated dispatch table
            decoded, or "refused:" and its reason. With --port, every UDP datagram from or to one of the ports is shown;
            without it, those that decode, and those refused that still start with VCSP's version byte and a known flag.
            Exit codes: 0 the capture was read (refusals included), 1 it could not be read, 2 wrong usage.
            """);
        command.SetAction(parsed =>
        {
            var chosen = parsed.GetValue(ports) ?? [];
            if (chosen.Where(p => p is < 1 or > 65535).Select(p => (int?)p).FirstOrDefault() is { } bad)
            {
                return line.Fail(command, $"--port {bad} is not a UDP port (1 to 65535).");
            }

            return Run(parsed.GetValue(file)!, [.. chosen], parsed.GetValue(json), line.Output, line.Error);
        });
        return command;
    }

    private static int Run(string path, HashSet<int> ports, bool json, TextWriter output, TextWriter error)
    {
        if (!File.Exists(path))
        {
            error.WriteLine($"vcsp decode: {path}: no such file");
            return Unreadable;
        }

        var quiet = new Printer(TextWriter.Null);
        try
        {
            foreach (var datagram in CaptureReader.Read(path))
            {
                var matched = ports.Contains(datagram.Source.Port) || ports.Contains(datagram.Destination.Port);
                var status = VcspPacketDispatcher.Dispatch(datagram.Payload, ref quiet); // the status alone decides what is shown
                if (!matched && (ports.Count > 0 || !LooksLikeVcsp(datagram.Payload, status)))
                {
                    continue;
                }

                if (json)
                {
                    WriteJson(output, datagram, status);
                }
                else
                {
                    WriteLine(output, datagram, status);
                }
            }
        }
        catch (Exception e) when (e is PcapException or DllNotFoundException)
        {
            error.WriteLine($"vcsp decode: {path}: {e.Message}");
            return Unreadable;
        }

        output.Flush();
        return 0;
    }

    /// <summary>The heuristics without --port: it decodes, or it starts with the version byte and a flag the table knows.</summary>
    private static bool LooksLikeVcsp(ReadOnlySpan<byte> payload, VcspDecodeStatus status) =>
        status == VcspDecodeStatus.Ok
        || (payload.Length >= 2 && payload[0] == VcspWire.Version && status is not (VcspDecodeStatus.BadVersion or VcspDecodeStatus.UnknownFlag));

    private static string Time(DateTime time) => time.ToUniversalTime().ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    private static void WriteLine(TextWriter output, CapturedDatagram datagram, VcspDecodeStatus status)
    {
        var prefix = $"{Time(datagram.Time)} {datagram.Source} -> {datagram.Destination} {datagram.Payload.Length,3} B  ";
        if (status != VcspDecodeStatus.Ok)
        {
            output.WriteLine($"{prefix}refused: {status}");
            return;
        }

        var printer = new Printer(output, prefix);
        _ = VcspPacketDispatcher.Dispatch(datagram.Payload, ref printer);
    }

    private static void WriteJson(TextWriter output, CapturedDatagram datagram, VcspDecodeStatus status)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("frame", datagram.Frame);
            writer.WriteString("time", datagram.Time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("source", datagram.Source.ToString());
            writer.WriteString("destination", datagram.Destination.ToString());
            writer.WriteNumber("length", datagram.Payload.Length);
            if (status == VcspDecodeStatus.Ok)
            {
                var fields = new DecodeJson(writer);
                _ = VcspPacketDispatcher.Dispatch(datagram.Payload, ref fields);
            }
            else
            {
                writer.WriteString("refusal", status.ToString());
            }

            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

}
