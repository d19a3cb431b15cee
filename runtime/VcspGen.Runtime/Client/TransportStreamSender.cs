using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace VcspGen.Runtime;

/// <summary>What a <see cref="TransportStreamSender"/> did with its input.</summary>
/// <param name="PacketsSent">Transport-stream packets sent, one per Media datagram.</param>
/// <param name="PacketsRefused">Packets the call did not take (not in the call at that moment).</param>
/// <param name="BytesDiscarded">Input bytes that were not part of a whole 188-byte packet starting with 0x47 (garbage, or a cut last packet).</param>
public readonly record struct TransportStreamResult(long PacketsSent, long PacketsRefused, long BytesDiscarded);

/// <summary>
/// Streams an MPEG-2 transport stream (RFC 2250, codec 33) into the group call: it reads the stream from a
/// <see cref="PipeReader"/>, finds whole 188-byte packets (sync byte 0x47), and sends each in one Media datagram
/// (PROTOCOL.md §12.7). Pacing follows the stream's own clock: a packet that carries a PCR leaves when that PCR is due
/// (relative to the first), so a file plays out in real time; packets between PCRs follow at once. The Media
/// Timestamp is the 90 kHz clock at the packet, from a random start.
/// </summary>
public sealed class TransportStreamSender
{
    /// <summary>The size of one transport-stream packet.</summary>
    public const int PacketSize = 188;

    /// <summary>The sync byte every packet starts with.</summary>
    public const byte SyncByte = 0x47;

    private readonly UdpHost _host;
    private readonly MemberCall _call;
    private readonly TimeProvider _time;
    private readonly byte[] _packet = new byte[PacketSize];
    private readonly Action _sendOne;
    private uint _timestamp;
    private bool _sent;

    /// <summary>Creates a sender for a member's call on its host.</summary>
    /// <param name="host">The member's UDP host (calls into the call are made under its lock).</param>
    /// <param name="call">The member's call; it must be in the call (with a call challenge) for packets to go out.</param>
    /// <param name="time">The clock that paces the stream.</param>
    /// <param name="realTime">Whether to pace by the stream's PCRs; false sends as fast as the input comes.</param>
    public TransportStreamSender(UdpHost host, MemberCall call, TimeProvider time, bool realTime = true)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _call = call ?? throw new ArgumentNullException(nameof(call));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        RealTime = realTime;

        // One delegate for the life of the sender: sending a packet allocates nothing.
        _sendOne = () => _sent = _call.TrySendMedia(_packet, _timestamp);
    }

    /// <summary>Whether packets are paced by the stream's PCRs.</summary>
    public bool RealTime { get; }

    /// <summary>Reads <paramref name="input"/> to its end (or until cancelled) and sends every whole packet.</summary>
    /// <param name="input">The transport stream.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <returns>What was sent and discarded.</returns>
    public async Task<TransportStreamResult> SendAsync(PipeReader input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        long sent = 0, refused = 0, discarded = 0;
        var start = _time.GetTimestamp();
        long? firstPcr = null;
        var clockStart = (uint)SecureRandom.Sequence();
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (true)
                {
                    // Resynchronise on the sync byte: anything before it is not a packet.
                    var sync = buffer.PositionOf(SyncByte);
                    if (sync is null)
                    {
                        discarded += buffer.Length;
                        buffer = buffer.Slice(buffer.End);
                        break;
                    }

                    var skipped = buffer.Slice(0, sync.Value).Length;
                    discarded += skipped;
                    buffer = buffer.Slice(sync.Value);
                    if (buffer.Length < PacketSize)
                    {
                        break;
                    }

                    buffer.Slice(0, PacketSize).CopyTo(_packet);
                    buffer = buffer.Slice(PacketSize);
                    var pcr = ReadPcrBase(_packet);
                    long elapsed90k;
                    if (pcr is { } p)
                    {
                        firstPcr ??= p;
                        elapsed90k = (p - firstPcr.Value) & ((1L << 33) - 1);
                        if (RealTime)
                        {
                            var due = TimeSpan.FromSeconds(elapsed90k / 90_000.0) - _time.GetElapsedTime(start);
                            if (due > TimeSpan.Zero)
                            {
                                await Task.Delay(due, _time, cancellationToken).ConfigureAwait(false);
                            }
                        }
                    }
                    else
                    {
                        elapsed90k = (long)(_time.GetElapsedTime(start).TotalSeconds * 90_000);
                    }

                    _timestamp = unchecked(clockStart + (uint)elapsed90k);
                    _host.Invoke(_sendOne);
                    if (_sent)
                    {
                        sent++;
                    }
                    else
                    {
                        refused++;
                    }
                }

                if (result.IsCompleted)
                {
                    discarded += buffer.Length; // a cut last packet
                    input.AdvanceTo(buffer.End);
                    break;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: what was sent so far is the result.
        }

        return new TransportStreamResult(sent, refused, discarded);
    }

    /// <summary>The 33-bit PCR base (90 kHz) of a packet whose adaptation field carries one, or null.</summary>
    /// <param name="packet">One 188-byte packet.</param>
    /// <returns>The PCR base.</returns>
    public static long? ReadPcrBase(ReadOnlySpan<byte> packet)
    {
        // ISO/IEC 13818-1 §2.4.3.4: adaptation_field_control (byte 3, bit 5), adaptation_field_length (byte 4),
        // PCR_flag (byte 5, bit 4), then 33 bits of PCR base in bytes 6 to 10.
        if (packet.Length < 12 || (packet[3] & 0x20) == 0 || packet[4] < 7 || (packet[5] & 0x10) == 0)
        {
            return null;
        }

        return ((long)packet[6] << 25) | ((long)packet[7] << 17) | ((long)packet[8] << 9) | ((long)packet[9] << 1) | ((long)packet[10] >> 7);
    }
}
