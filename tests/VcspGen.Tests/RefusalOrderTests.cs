using System;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// PROTOCOL.md §3 checks the body fields in wire order: an integer run the datagram cuts short is Truncated, unless a
/// value before the cut is already refused (InvalidValue). The generated decoders check a run of integers with one
/// length check and keep that order on the slow path.
/// </summary>
public sealed class RefusalOrderTests
{
    /// <summary>A text datagram of <paramref name="flag"/> from a member (challenge 0x1234), with <paramref name="body"/>.</summary>
    private static byte[] Datagram(byte flag, params byte[] body)
    {
        var datagram = new byte[10 + body.Length];
        datagram[0] = VcspWire.Version;
        datagram[1] = flag;
        datagram[2] = 0x12;
        datagram[3] = 0x34;
        datagram[7] = 0x01; // sequence 1
        datagram[9] = (byte)body.Length;
        body.CopyTo(datagram, 10);
        return datagram;
    }

    private static VcspDecodeStatus Dispatched(byte[] datagram)
    {
        var handler = new RecordingHandler();
        return VcspPacketDispatcher.Dispatch(datagram, ref handler);
    }

    [Theory]
    [InlineData(new byte[] { 99 }, VcspDecodeStatus.InvalidValue)] // an undefined code, then nothing
    [InlineData(new byte[] { 99, 0, 0 }, VcspDecodeStatus.InvalidValue)] // an undefined code, Expected cut short
    [InlineData(new byte[] { 1, 0, 0 }, VcspDecodeStatus.Truncated)] // a defined code, Expected cut short
    [InlineData(new byte[] { 99, 0, 0, 0, 0 }, VcspDecodeStatus.InvalidValue)] // the whole run there
    [InlineData(new byte[] { 1, 0, 0, 0, 0 }, VcspDecodeStatus.Ok)]
    public void ErrorChecksItsCodeBeforeTheLengthOfWhatFollows(byte[] body, VcspDecodeStatus expected)
    {
        var datagram = Datagram(Error.Flag, body);
        Assert.Equal(expected, Error.TryDecode(datagram, out _));
        Assert.Equal(expected, Dispatched(datagram));
    }

    [Theory]
    [InlineData(new byte[] { 0 }, VcspDecodeStatus.InvalidValue)] // code 0 is no command
    [InlineData(new byte[] { 1 }, VcspDecodeStatus.Truncated)] // a command, its status missing
    [InlineData(new byte[] { 1, 9 }, VcspDecodeStatus.InvalidValue)] // a command, an undefined status
    [InlineData(new byte[] { 1, 0 }, VcspDecodeStatus.Ok)]
    public void CommandReplyChecksItsCodeBeforeTheLengthOfItsStatus(byte[] body, VcspDecodeStatus expected)
    {
        var datagram = Datagram(CommandReply.Flag, body);
        Assert.Equal(expected, CommandReply.TryDecode(datagram, out _));
        Assert.Equal(expected, Dispatched(datagram));
    }
}
