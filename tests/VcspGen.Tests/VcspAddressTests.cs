using System;
using System.Net;
using Xunit;

namespace VcspGen.Tests;

/// <summary>The Address field type (PROTOCOL.md §4): 8 bytes for IPv4, 20 for IPv6, held inline.</summary>
public sealed class VcspAddressTests
{
    [Fact]
    public void IPv4RoundTripsThroughTheWireAndEndPoints()
    {
        var endPoint = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 50429);
        var address = VcspAddress.FromEndPoint(endPoint);
        Assert.Equal(VcspAddressFamily.IPv4, address.Family);
        Assert.Equal(8, address.EncodedSize);
        var wire = new byte[8];
        Assert.Equal(VcspEncodeStatus.Ok, address.TryWrite(wire, out var written));
        Assert.Equal(8, written);
        Assert.Equal("0400C4FDC0000207", Hex.Of(wire));
        Assert.Equal(VcspDecodeStatus.Ok, VcspAddress.TryRead(wire, out var read, out var consumed));
        Assert.Equal(8, consumed);
        Assert.Equal(address, read);
        Assert.Equal(endPoint, read.ToIPEndPoint());
        Assert.Equal("192.0.2.7:50429", read.ToString());
    }

    [Fact]
    public void IPv6RoundTripsThroughTheWireAndEndPoints()
    {
        var endPoint = new IPEndPoint(IPAddress.Parse("2001:db8::42"), 5060);
        var address = VcspAddress.FromEndPoint(endPoint);
        Assert.Equal(VcspAddressFamily.IPv6, address.Family);
        var wire = new byte[20];
        Assert.Equal(VcspEncodeStatus.Ok, address.TryWrite(wire, out var written));
        Assert.Equal(20, written);
        Assert.Equal("060013C420010DB8000000000000000000000042", Hex.Of(wire));
        Assert.Equal(VcspDecodeStatus.Ok, VcspAddress.TryRead(wire, out var read, out _));
        Assert.Equal(endPoint, read.ToIPEndPoint());
        Assert.Equal("[2001:db8::42]:5060", read.ToString());
    }

    [Fact]
    public void AnIPv4MappedIPv6EndPointBecomesIPv4()
    {
        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 7);
        var address = VcspAddress.FromEndPoint(mapped);
        Assert.Equal(VcspAddressFamily.IPv4, address.Family);
        Assert.Equal(VcspAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 7)), address);
    }

    [Fact]
    public void EqualityCoversFamilyPortAndEveryAddressByte()
    {
        var a = VcspAddress.IPv6(IPAddress.Parse("2001:db8::1").GetAddressBytes(), 1);
        Assert.Equal(a, VcspAddress.IPv6(IPAddress.Parse("2001:db8::1").GetAddressBytes(), 1));
        Assert.NotEqual(a, VcspAddress.IPv6(IPAddress.Parse("2001:db8::1").GetAddressBytes(), 2));
        Assert.NotEqual(a, VcspAddress.IPv6(IPAddress.Parse("2001:db9::1").GetAddressBytes(), 1));
        Assert.NotEqual(VcspAddress.IPv4([0, 0, 0, 1], 1), VcspAddress.IPv6(IPAddress.Parse("::1").GetAddressBytes(), 1));
        Assert.True(a == VcspAddress.IPv6(IPAddress.Parse("2001:db8::1").GetAddressBytes(), 1));
    }

    [Fact]
    public void MalformedAddressesAreRefused()
    {
        Assert.Equal(VcspDecodeStatus.Truncated, VcspAddress.TryRead(Hex.Bytes("0400C4FD7F0000"), out _, out _));
        Assert.Equal(VcspDecodeStatus.Truncated, VcspAddress.TryRead(Hex.Bytes("0600C4FD7F000001"), out _, out _));
        Assert.Equal(VcspDecodeStatus.InvalidValue, VcspAddress.TryRead(Hex.Bytes("0500C4FD7F000001"), out _, out _));
        Assert.Equal(VcspDecodeStatus.InvalidValue, VcspAddress.TryRead(Hex.Bytes("0480C4FD7F000001"), out _, out _));
        Assert.Equal(VcspEncodeStatus.InvalidValue, default(VcspAddress).TryWrite(new byte[20], out _));
        Assert.Equal(VcspEncodeStatus.DestinationTooSmall, VcspAddress.IPv4([1, 2, 3, 4], 5).TryWrite(new byte[7], out _));
        Assert.Throws<ArgumentException>(() => VcspAddress.IPv4([1, 2, 3], 5));
        Assert.Throws<InvalidOperationException>(() => default(VcspAddress).ToIPEndPoint());
        Assert.Equal("unspecified", default(VcspAddress).ToString());
    }
}
