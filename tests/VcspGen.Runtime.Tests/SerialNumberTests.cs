using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>RFC 1982 comparison, including across the wrap.</summary>
public sealed class SerialNumberTests
{
    [Theory]
    [InlineData(1u, 0u)]
    [InlineData(0u, 0xFFFFFFFFu)]
    [InlineData(5u, 0xFFFFFFF0u)]
    [InlineData(0x7FFFFFFFu, 0u)]
    public void NewerAcrossTheWrap(uint candidate, uint reference)
    {
        Assert.True(SerialNumber.IsNewer(candidate, reference));
        Assert.False(SerialNumber.IsOlder(candidate, reference));
        Assert.True(SerialNumber.IsOlder(reference, candidate));
    }

    [Fact]
    public void EqualIsNeitherNewerNorOlder()
    {
        Assert.False(SerialNumber.IsNewer(7, 7));
        Assert.False(SerialNumber.IsOlder(7, 7));
    }

    [Fact]
    public void ExactlyHalfTheSpaceApartIsUndefined()
    {
        Assert.True(SerialNumber.IsUndefined(0, 0x80000000));
        Assert.False(SerialNumber.IsNewer(0x80000000, 0));
        Assert.False(SerialNumber.IsOlder(0x80000000, 0));
        Assert.False(SerialNumber.IsUndefined(0, 0x7FFFFFFF));
    }

    [Fact]
    public void DistanceWraps() => Assert.Equal(3u, SerialNumber.Distance(0xFFFFFFFE, 1));
}
