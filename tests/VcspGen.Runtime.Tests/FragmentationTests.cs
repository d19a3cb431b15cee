using System;
using System.Linq;
using CsCheck;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>Splitting (PROTOCOL.md §7.1, §7.3) and bounded reassembly (§7.4, §7.5).</summary>
public sealed class FragmentationTests
{
    [Theory]
    [InlineData(1, 116)]
    [InlineData(5, 112)]
    [InlineData(32, 85)]
    public void ChunkSizeLeavesRoomForTheNameInTheRelayedMsg(int nameLength, int chunk)
    {
        Assert.Equal(chunk, Fragmentation.ChunkSize(nameLength));
        Assert.Equal(118, 1 + nameLength + chunk); // Msg: name length byte, name, data
        Assert.Equal(255 * chunk, Fragmentation.MaxMessageLength(chunk));
    }

    [Fact]
    public void OffsetsAreWholeThenOneTwoThenFinal()
    {
        Assert.Equal(0, Fragmentation.OffsetOf(1, 1));
        Assert.Equal(new byte[] { 1, 2, 0xFF }, Enumerable.Range(1, 3).Select(k => Fragmentation.OffsetOf(k, 3)).ToArray());
        Assert.Equal(254, Fragmentation.OffsetOf(254, 255));
        Assert.Equal(0xFF, Fragmentation.OffsetOf(255, 255));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fragmentation.OffsetOf(1, 256));
        Assert.Equal(1, Fragmentation.CountFragments(112, 112));
        Assert.Equal(2, Fragmentation.CountFragments(113, 112));
    }

    [Fact]
    public void AnyArrivalOrderReassemblesTheMessageExactlyOnce() =>
        Gen.Select(Gen.Int[2, 255], Gen.UInt, Gen.Int[1, 85], Gen.Int).Sample(
            t =>
            {
                var (count, first, lastLength, seed) = t;
                const int chunk = 85;
                var message = new byte[((count - 1) * chunk) + lastLength];
                new Random(seed).NextBytes(message);
                var order = Enumerable.Range(1, count).ToArray();
                new Random(seed).Shuffle(order);

                var reassembly = new MessageReassembly(chunk);
                reassembly.Open(first);
                var completions = 0;
                var arrivals = new System.Collections.Generic.Queue<int>(order);
                while (arrivals.TryDequeue(out var k))
                {
                    var result = reassembly.Add(unchecked(first + (uint)(k - 1)), Fragmentation.OffsetOf(k, count), Fragmentation.Chunk(message, k, chunk));
                    if (result == ReassemblyResult.Early)
                    {
                        // Only the final fragment can be early, and only while one before it is missing: it comes again.
                        Assert.Equal(count, k);
                        Assert.True(reassembly.ReceivedCount < count - 1);
                        arrivals.Enqueue(k);
                        continue;
                    }

                    completions += result == ReassemblyResult.Complete ? 1 : 0;
                    Assert.True(result is ReassemblyResult.Accepted or ReassemblyResult.Complete, result.ToString());

                    // A duplicate never completes a message twice.
                    Assert.Equal(ReassemblyResult.Duplicate, reassembly.Add(unchecked(first + (uint)(k - 1)), Fragmentation.OffsetOf(k, count), Fragmentation.Chunk(message, k, chunk)));
                }

                Assert.Equal(1, completions);
                Assert.True(reassembly.IsComplete);
                Assert.Equal(unchecked(first + (uint)count), reassembly.EndSequence);
                var copy = new byte[reassembly.Length];
                Assert.Equal(message.Length, reassembly.CopyTo(copy));
                Assert.Equal(message, copy);
                reassembly.Reset();
                Assert.False(reassembly.IsOpen);
            },
            iter: 300);

    [Fact]
    public void MissingFragmentsAreReportedAsRunsForResendRequests()
    {
        var r = new MessageReassembly(10, finalMayComeEarly: true);
        r.Open(0xFFFFFFFE); // wraps: fragments 1..6 are 0xFFFFFFFE, 0xFFFFFFFF, 0, 1, 2, 3
        Assert.Equal(ReassemblyResult.Accepted, r.Add(0xFFFFFFFE, 1, "a"u8));
        Assert.True(r.TryGetFirstMissing(out var seq, out var count));
        Assert.Equal((0xFFFFFFFFu, 1), (seq, count)); // extent unknown: ask for the next one

        Assert.Equal(ReassemblyResult.Accepted, r.Add(1, 4, "d"u8));
        Assert.True(r.TryGetFirstMissing(out seq, out count));
        Assert.Equal((0xFFFFFFFFu, 2), (seq, count)); // the hole before fragment 4

        Assert.Equal(ReassemblyResult.Accepted, r.Add(3, 0xFF, "f"u8));
        Assert.Equal(6, r.FragmentCount);
        Assert.Equal(ReassemblyResult.Accepted, r.Add(0xFFFFFFFF, 2, "b"u8));
        Assert.Equal(ReassemblyResult.Accepted, r.Add(0, 3, "c"u8));
        Assert.True(r.TryGetFirstMissing(out seq, out count));
        Assert.Equal((2u, 1), (seq, count));
        Assert.Equal(ReassemblyResult.Complete, r.Add(2, 5, "e"u8));
        Assert.False(r.TryGetFirstMissing(out _, out _));
        var text = new byte[r.Length];
        r.CopyTo(text);
        Assert.Equal("abcdef", System.Text.Encoding.ASCII.GetString(text));
    }

    [Fact]
    public void FragmentsThatContradictTheMessageAreRefusedAndChangeNothing()
    {
        var r = new MessageReassembly(10, finalMayComeEarly: true);
        r.Open(100);
        Assert.Equal(ReassemblyResult.Inconsistent, r.Add(101, 5, "x"u8));     // offset 5 at index 1
        Assert.Equal(ReassemblyResult.Inconsistent, r.Add(100, 0xFF, "x"u8));  // a final cannot be first
        Assert.Equal(ReassemblyResult.Inconsistent, r.Add(100, 0, "x"u8));     // a whole message is no fragment
        Assert.Equal(ReassemblyResult.Inconsistent, r.Add(99, 1, "x"u8));      // before the first
        Assert.Equal(ReassemblyResult.Inconsistent, r.Add(100 + 255, 0xFF, "x"u8)); // past 255 fragments
        Assert.Equal(ReassemblyResult.TooLong, r.Add(100, 1, new byte[11]));
        Assert.Equal(0, r.ReceivedCount);

        Assert.Equal(ReassemblyResult.Accepted, r.Add(103, 0xFF, "d"u8));
        Assert.Equal(ReassemblyResult.Inconsistent, r.Add(104, 0xFF, "e"u8));  // a second, later final
        Assert.Equal(ReassemblyResult.Inconsistent, r.Add(105, 6, "e"u8));     // beyond the final
        Assert.Equal(ReassemblyResult.Duplicate, r.Add(103, 0xFF, "d"u8));
        Assert.Equal(1, r.ReceivedCount);
        Assert.False(r.IsComplete);
        Assert.Throws<InvalidOperationException>(() => r.CopyTo(new byte[100]));
    }

    [Fact]
    public void AFinalFragmentIsEarlyUntilEveryFragmentBeforeItIsThere()
    {
        // Fragments 1 and 2 of message A are held and A's final (3) is lost; B's final (5) must not close A.
        var r = new MessageReassembly(10);
        r.Open(10);
        Assert.Equal(ReassemblyResult.Accepted, r.Add(10, 1, "a"u8));
        Assert.Equal(ReassemblyResult.Accepted, r.Add(11, 2, "b"u8));
        Assert.Equal(ReassemblyResult.Early, r.Add(14, 0xFF, "B-end"u8));
        Assert.Equal((2, 0), (r.ReceivedCount, r.FragmentCount));
        Assert.True(r.TryGetFirstMissing(out var missing, out _));
        Assert.Equal(12u, missing);
        Assert.Equal(ReassemblyResult.Complete, r.Add(12, 0xFF, "c"u8));
    }

    [Fact]
    public void AFinalBeforeAHigherFragmentIsInconsistent()
    {
        var r = new MessageReassembly(10);
        r.Open(0);
        Assert.Equal(ReassemblyResult.Accepted, r.Add(4, 5, "e"u8));
        Assert.Equal(ReassemblyResult.Inconsistent, r.Add(2, 0xFF, "c"u8));
    }

    [Fact]
    public void SteadyStateReassemblyAllocatesNothing()
    {
        var r = new MessageReassembly(100);
        var output = new byte[1000];
        var data = new byte[100];
        void OneMessage()
        {
            r.Open(7);
            for (var k = 1; k <= 10; k++)
            {
                r.Add((uint)(6 + k), Fragmentation.OffsetOf(k, 10), data);
            }

            r.CopyTo(output);
            r.Reset();
        }

        OneMessage();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            OneMessage();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
