using System;
using System.IO;
using System.Net;
using System.Text;
using VcspGen;
using VcspGen.Spec;

namespace Vcsp.Cli;

/// <summary>
/// <c>vcsp demo</c>: a join, a fragmented group message, its relay, a DM handshake and a media packet, each encoded
/// with the generated codecs, sent through the generated dispatch table and printed as decoded; then refusals.
/// </summary>
internal static class CodecDemo
{
    public static int Run(TextWriter output)
    {
        var server = VcspAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 50429));
        var printer = new Printer(output);
        var buffer = new byte[VcspWire.MediaDatagramLimit];
        var failures = 0;

        void Send(string who, VcspEncodeStatus status, int length)
        {
            if (status != VcspEncodeStatus.Ok)
            {
                output.WriteLine($"  {who}: encode failed: {status}");
                failures++;
                return;
            }

            var datagram = buffer.AsSpan(0, length);
            output.WriteLine($"{who,-8} {Convert.ToHexString(datagram)}");
            var decoded = VcspPacketDispatcher.Dispatch(datagram, ref printer);
            if (decoded != VcspDecodeStatus.Ok)
            {
                output.WriteLine($"  decode failed: {decoded}");
                failures++;
            }
        }

        output.WriteLine("VCSP codec demo: each line is a datagram in hex, then what the dispatch table decoded.\n");

        var join = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 0x5EED0000, Server = server, Name = "alice"u8 };
        Send("alice>", join.TryEncode(buffer, out var n), n);

        var response = new Response { Challenge = 0x4B1D, Sequence = join.Sequence, InReplyTo = ResponseTo.JoinRequest, Server = server, GroupName = "lobby"u8 };
        Send("server>", response.TryEncode(buffer, out n), n);

        // A message longer than one datagram: alice's name is 5 bytes, so each Syn carries at most 117 - 5 bytes,
        // and the server can relay each Syn as one Msg with the same sequence number and offset.
        var message = Encoding.UTF8.GetBytes("This group message is longer than one 128-byte datagram, so alice splits it into fragments numbered 1, 2, ... and marks the last 0xFF.");
        var chunk = VcspWire.TextPayloadLimit - 1 - join.Name.Length;
        var fragments = (message.Length + chunk - 1) / chunk;
        for (var k = 1; k <= fragments; k++)
        {
            var data = message.AsSpan((k - 1) * chunk, Math.Min(chunk, message.Length - ((k - 1) * chunk)));
            var offset = fragments == 1 ? VcspWire.WholeMessage : k == fragments ? VcspWire.FinalFragment : (byte)k;
            var syn = new Syn { Challenge = response.Challenge, Sequence = join.Sequence + (uint)k, FragmentOffset = offset, Data = data };
            Send("alice>", syn.TryEncode(buffer, out n), n);
        }

        for (var k = 1; k <= fragments; k++)
        {
            var data = message.AsSpan((k - 1) * chunk, Math.Min(chunk, message.Length - ((k - 1) * chunk)));
            var offset = fragments == 1 ? VcspWire.WholeMessage : k == fragments ? VcspWire.FinalFragment : (byte)k;
            var msg = new Msg { Challenge = VcspChallenge.None, Sequence = join.Sequence + (uint)k, FragmentOffset = offset, Sender = join.Name, Data = data };
            Send("server>", msg.TryEncode(buffer, out n), n);
        }

        var dm = new DirectMessage { Challenge = VcspChallenge.None, Sequence = 0xD1D1, Sender = "bob"u8, Data = "psst"u8 };
        Send("bob>", dm.TryEncode(buffer, out n), n);
        var silent = new Silent { Challenge = 0x7A11, Sequence = dm.Sequence, Peer = VcspAddress.FromEndPoint(new IPEndPoint(IPAddress.IPv6Loopback, 50430)) };
        Send("carol>", silent.TryEncode(buffer, out n), n);

        Span<byte> tsPacket = stackalloc byte[188];
        tsPacket[0] = 0x47;
        var media = new Media { Challenge = 0x0CA1, Timestamp = 90_000, Codec = (byte)VcspCodec.Mp2t, Data = tsPacket };
        Send("alice>", media.TryEncode(buffer, out n), n);

        var fin = new Fin { Challenge = response.Challenge, Sequence = join.Sequence + (uint)fragments };
        Send("alice>", fin.TryEncode(buffer, out n), n);

        output.WriteLine("\nRefusals: decoders return a reason and never throw.");
        _ = fin.TryEncode(buffer, out n); // encoded above already
        Refuse(output, "a FIN cut short", buffer.AsSpan(0, n - 1), ref printer);
        Refuse(output, "a FIN with the 'first contact' challenge", Patch(buffer.AsSpan(0, n), 2, 0x00, 0xFF), ref printer);
        Refuse(output, "version 2", Patch(buffer.AsSpan(0, n), 0, 0x02), ref printer);
        Refuse(output, "an unknown flag 0x99", Patch(buffer.AsSpan(0, n), 1, 0x99), ref printer);
        output.WriteLine($"  encoding a 129-byte SYN: {new Syn { Challenge = 0x4B1D, Data = new byte[119] }.TryEncode(buffer, out _)}");

        return failures == 0 ? 0 : 1;
    }

    private static byte[] Patch(ReadOnlySpan<byte> datagram, int at, params byte[] bytes)
    {
        var copy = datagram.ToArray();
        bytes.CopyTo(copy, at);
        return copy;
    }

    private static void Refuse(TextWriter output, string what, ReadOnlySpan<byte> datagram, ref Printer printer) =>
        output.WriteLine($"  {what}: {VcspPacketDispatcher.Dispatch(datagram, ref printer)}");
}
