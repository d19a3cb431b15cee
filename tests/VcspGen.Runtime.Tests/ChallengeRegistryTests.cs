using System;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>Challenges are unique in a group, never reserved, bounded, and released on leave.</summary>
public sealed class ChallengeRegistryTests
{
    [Fact]
    public void EveryAssignableValueCanBeDrawnOnceAndNoReservedValueEver()
    {
        var registry = new ChallengeRegistry(ChallengeRegistry.Assignable);
        var seen = new bool[65536];
        for (var i = 0; i < ChallengeRegistry.Assignable; i++)
        {
            Assert.True(registry.TryDraw(out var challenge));
            Assert.False(VcspChallenge.IsReserved(challenge));
            Assert.False(seen[challenge], $"0x{challenge:X4} was drawn twice");
            seen[challenge] = true;
        }

        Assert.False(registry.TryDraw(out _));
        Assert.Equal(ChallengeRegistry.Assignable, registry.Count);
        Assert.False(seen[VcspChallenge.FirstContact]);
        Assert.False(seen[VcspChallenge.None]);
    }

    [Fact]
    public void CapacityBoundsTheGroupAndReleaseFreesASlot()
    {
        var registry = new ChallengeRegistry(capacity: 3);
        Assert.True(registry.TryDraw(out var a));
        Assert.True(registry.TryDraw(out _));
        Assert.True(registry.TryDraw(out _));
        Assert.False(registry.TryDraw(out _));
        Assert.True(registry.IsInUse(a));
        Assert.True(registry.Release(a));
        Assert.False(registry.IsInUse(a));
        Assert.False(registry.Release(a));
        Assert.True(registry.TryDraw(out _));
        Assert.Equal(3, registry.Count);
    }

    [Fact]
    public void DrawsAreSpreadOverTheWholeRange()
    {
        // A cryptographic RNG over 65,534 values: 2,000 draws land in all four quarters of the range.
        var registry = new ChallengeRegistry(ChallengeRegistry.Assignable);
        var quarters = new int[4];
        for (var i = 0; i < 2_000; i++)
        {
            registry.TryDraw(out var challenge);
            quarters[challenge >> 14]++;
        }

        Assert.All(quarters, q => Assert.InRange(q, 300, 700));
    }

    [Fact]
    public void CapacityOutOfRangeIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChallengeRegistry(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChallengeRegistry(ChallengeRegistry.Assignable + 1));
    }

    [Fact]
    public void DrawingAndReleasingAllocateNothing()
    {
        var registry = new ChallengeRegistry(16);
        registry.TryDraw(out var warm);
        registry.Release(warm);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            registry.TryDraw(out var challenge);
            registry.Release(challenge);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
