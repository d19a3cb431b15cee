using System;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Threading.Tasks;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Real media through a real call (issue 5): ffmpeg makes a few seconds of MPEG-TS (a test pattern and a sine tone),
/// one member streams it through the server to two others over UDP on 127.0.0.1, each writes what it receives to a
/// file, and the files are the sender's bytes and a stream ffprobe reads.
/// </summary>
public sealed class MediaStreamingTests
{
    [Fact]
    public async Task AnMpegTransportStreamFromOneMemberReachesTwoOthersByteForByteAndFfprobeReadsIt()
    {
        using var folder = new TempFolder();
        var source = Path.Combine(folder.Path, "sent.ts");
        var (made, makeOutput) = await Programs.RunAsync(
            "ffmpeg",
            ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
             "-t", "2", "-c:v", "mpeg2video", "-b:v", "300k", "-c:a", "mp2", "-f", "mpegts", source],
            folder.Path,
            TimeSpan.FromSeconds(60));
        Assert.True(made == 0, "ffmpeg: " + makeOutput);
        var sent = await File.ReadAllBytesAsync(source, TestContext.Current.CancellationToken);
        Assert.Equal(0, sent.Length % TransportStreamSender.PacketSize);

        byte[] mp2t = [(byte)VcspCodec.Mp2t];
        await using var lab = new CallUdpLab(mp2t);
        var alice = await lab.MemberAsync("alice", mp2t);
        var bob = await lab.MemberAsync("bob", mp2t);
        var carol = await lab.MemberAsync("carol", mp2t);
        foreach (var member in new[] { alice, bob, carol })
        {
            member.Do(c => c.Call!.Join());
            await member.Calls.WaitForPrefixAsync("started codec 33");
        }

        // In real time, paced by the stream's PCRs.
        var sender = new TransportStreamSender(alice.Host, alice.Call, TimeProvider.System);
        await using var input = File.OpenRead(source);
        var result = await sender.SendAsync(PipeReader.Create(input), TestContext.Current.CancellationToken);
        Assert.Equal(new TransportStreamResult(sent.Length / TransportStreamSender.PacketSize, 0, 0), result);

        foreach (var (name, receiver) in new[] { ("bob", bob), ("carol", carol) })
        {
            await UdpLab.WaitUntilAsync(() => receiver.Calls.MediaPackets >= result.PacketsSent, $"{name} to receive {result.PacketsSent} packets (has {receiver.Calls.MediaPackets})");
            var received = Path.Combine(folder.Path, name + ".ts");
            await File.WriteAllBytesAsync(received, receiver.Calls.MediaBytes(), TestContext.Current.CancellationToken);
            var bytes = await File.ReadAllBytesAsync(received, TestContext.Current.CancellationToken);
            Assert.True(sent.SequenceEqual(bytes), $"{name} did not receive the sender's bytes ({bytes.Length} of {sent.Length})");
            Assert.NotEqual(0, Assert.Single(receiver.Calls.Sources)); // one sender, named by its call-member id

            var (probed, streams) = await Programs.RunAsync(
                "ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "csv=p=0", received], folder.Path, TimeSpan.FromSeconds(60));
            Assert.True(probed == 0, "ffprobe: " + streams);
            Assert.Contains("mpeg2video,video", streams, StringComparison.Ordinal);
            Assert.Contains("mp2,audio", streams, StringComparison.Ordinal);
        }

        Assert.Equal(0, alice.Calls.MediaPackets); // never echoed to the sender
        Assert.Equal(2 * result.PacketsSent, lab.OnServer(s => s.MediaRelayed));
    }
}
