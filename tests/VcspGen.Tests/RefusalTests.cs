using System;
using System.Collections.Generic;
using System.Linq;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>Every refusal reason of the decoders, reached by a malformed datagram, for every packet kind.</summary>
public sealed class RefusalTests
{
    public static TheoryData<string> Kinds => new(PacketKind.All.Select(k => k.Name));

    private static PacketKind Kind(string name) => PacketKind.All.Single(k => k.Name == name);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void GoldenVectorDecodes(string name)
    {
        var kind = Kind(name);
        Assert.Equal(VcspDecodeStatus.Ok, kind.Decode(kind.Vector));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryTruncationIsRefused(string name)
    {
        var kind = Kind(name);
        for (var length = 0; length < kind.Vector.Length; length++)
        {
            var cut = kind.Vector.AsSpan(0, length).ToArray();
            var expected = length < kind.HeaderSize ? VcspDecodeStatus.Truncated : VcspDecodeStatus.BadLength;
            Assert.True(expected == kind.Decode(cut), $"{name} cut to {length} bytes: expected {expected}, got {kind.Decode(cut)}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryTruncationWithAConsistentLengthByteIsTruncatedUnlessOnlyTheRestFieldShrank(string name)
    {
        var kind = Kind(name);
        for (var length = kind.HeaderSize; length < kind.Vector.Length; length++)
        {
            var cut = kind.WithLengthFixed(kind.Vector.AsSpan(0, length).ToArray());
            VcspDecodeStatus expected;
            if (kind.RestStart < 0 || length < kind.RestStart)
            {
                expected = VcspDecodeStatus.Truncated;
            }
            else
            {
                expected = length - kind.RestStart >= kind.RestMin ? VcspDecodeStatus.Ok : VcspDecodeStatus.FieldLength;
            }

            Assert.True(expected == kind.Decode(cut), $"{name} cut to {length} bytes: expected {expected}, got {kind.Decode(cut)}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void OversizeIsRefused(string name)
    {
        var kind = Kind(name);
        var big = new byte[kind.Limit + 1];
        kind.Vector.CopyTo(big, 0);
        Assert.Equal(VcspDecodeStatus.Oversize, kind.Decode(kind.WithLengthFixed(big)));
        var huge = new byte[65507];
        kind.Vector.CopyTo(huge, 0);
        Assert.Equal(VcspDecodeStatus.Oversize, kind.Decode(huge));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void BadVersionIsRefused(string name)
    {
        var kind = Kind(name);
        foreach (var version in new byte[] { 0, 2, 0xFF })
        {
            var copy = (byte[])kind.Vector.Clone();
            copy[0] = version;
            Assert.Equal(VcspDecodeStatus.BadVersion, kind.Decode(copy));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AnotherFlagIsRefused(string name)
    {
        var kind = Kind(name);
        for (var flag = 0; flag < 256; flag++)
        {
            if (flag == kind.Vector[1])
            {
                continue;
            }

            var copy = (byte[])kind.Vector.Clone();
            copy[1] = (byte)flag;
            Assert.Equal(VcspDecodeStatus.WrongFlag, kind.Decode(copy));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ChallengeRuleIsEnforced(string name)
    {
        var kind = Kind(name);
        foreach (var challenge in new ushort[] { VcspChallenge.FirstContact, VcspChallenge.None, 0x1234, 0x0000, 0xFFFE })
        {
            var copy = (byte[])kind.Vector.Clone();
            copy[2] = (byte)(challenge >> 8);
            copy[3] = (byte)challenge;
            var expected = VcspChallenge.IsAllowed(kind.Rule, challenge) ? VcspDecodeStatus.Ok : VcspDecodeStatus.ReservedChallenge;
            Assert.True(expected == kind.Decode(copy), $"{name} with challenge 0x{challenge:X4}: expected {expected}, got {kind.Decode(copy)}");
        }
    }

    [Fact]
    public void ChallengeRulesRefuseExactlyTheReservedValuesTheProtocolNames()
    {
#pragma warning disable VCSP010 // the raw values are the point: they pin what PROTOCOL.md §5.1 reserves
        Assert.False(VcspChallenge.IsAllowed(VcspChallengeRule.Member, 0x00FF));
        Assert.False(VcspChallenge.IsAllowed(VcspChallengeRule.Member, 0xFFFF));
        Assert.True(VcspChallenge.IsAllowed(VcspChallengeRule.Member, 0x0100));
        Assert.True(VcspChallenge.IsAllowed(VcspChallengeRule.FirstContact, 0x00FF));
        Assert.False(VcspChallenge.IsAllowed(VcspChallengeRule.FirstContact, 0xFFFF));
        Assert.True(VcspChallenge.IsAllowed(VcspChallengeRule.None, 0xFFFF));
        Assert.False(VcspChallenge.IsAllowed(VcspChallengeRule.None, 0x1234));
        Assert.True(VcspChallenge.IsAllowed(VcspChallengeRule.NoneOrMember, 0xFFFF));
        Assert.False(VcspChallenge.IsAllowed(VcspChallengeRule.NoneOrMember, 0x00FF));
#pragma warning restore VCSP010
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void FragmentOffsetIsRefusedUnlessTheKindIsFragmentable(string name)
    {
        var kind = Kind(name);
        if (kind.IsMedia)
        {
            return; // the media layout has no fragmentation offset: byte 8 is body
        }

        foreach (var offset in new byte[] { 1, 0x7F, 0xFE, 0xFF })
        {
            var copy = (byte[])kind.Vector.Clone();
            copy[8] = offset;
            var expected = kind.Fragmentable ? VcspDecodeStatus.Ok : VcspDecodeStatus.BadFragmentOffset;
            Assert.Equal(expected, kind.Decode(copy));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TrailingBytesAreRefusedWhenNoFieldTakesTheRest(string name)
    {
        var kind = Kind(name);
        var longer = kind.WithLengthFixed([.. kind.Vector, 0x00]);
        var expected = kind.RestStart < 0 ? VcspDecodeStatus.TrailingBytes : VcspDecodeStatus.Ok;
        Assert.Equal(expected, kind.Decode(longer));
    }

    public static TheoryData<string, string, string> InvalidValues => new()
    {
        // packet, malformed vector, why
        { "Response", "01 2F 1234 12345678 00 0F  20  04 00 C4FD 7F000001  05 6C6F626279", "InReplyTo 0x20 is not a ResponseTo" },
        { "Reject", "01 C9 FFFF 12345678 00 08  00  76657273696F6E", "reason 0 is not a RejectReason" },
        { "Error", "01 E0 1234 00000012 00 08  63 00000010 676170", "code 99 is not an ErrorCode" },
        { "Command", "01 4C 1234 00000007 00 04  00 626F62", "command 0 is not a CommandCode" },
        { "CommandReply", "01 4D 1234 00000007 00 02  01 09", "status 9 is not a CommandStatus" },
        { "VoiceJoin", "01 25 1234 00000000 00 06  13C4 02 00086F", "transport 2 is not a SipTransport" },
        { "CodecReject", "01 CA 1234 00000000 00 03  00 2160", "reason 0 is not a CodecRejectReason" },
        { "JoinRequest", "01 1F 00FF 12345678 00 0E  05 00 C4FD 7F000001  05 616C696365", "address family 5" },
        { "JoinRequest", "01 1F 00FF 12345678 00 0E  04 01 C4FD 7F000001  05 616C696365", "address reserved byte 1" },
        { "Kick", "01 2D 1234 00000020 00 0C  00 00 D431 C0000201 7370616D", "address family 0" },
        { "ResendRequest", "01 3A 1234 00000011 00 01  00", "Count 0 is below its MinValue of 1" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void UndefinedValuesAreRefused(string name, string vector, string why)
    {
        Assert.True(VcspDecodeStatus.InvalidValue == Kind(name).Decode(Hex.Bytes(vector)), why);
    }

    public static TheoryData<string, string, string> BadFieldLengths => new()
    {
        { "JoinRequest", "01 1F 00FF 12345678 00 09  04 00 C4FD 7F000001  00", "empty name" },
        { "JoinRequest", "01 1F 00FF 12345678 00 2A  04 00 C4FD 7F000001  21 " + string.Concat(Enumerable.Repeat("61", 33)), "33-byte name" },
        { "Response", "01 2F 1234 12345678 00 0A  1F  04 00 C4FD 7F000001  00", "empty group name" },
        { "Syn", "01 2E 1234 00000010 00 00", "empty message" },
        { "Msg", "01 3F FFFF 00000010 00 06  05 616C696365", "empty message" },
        { "Msg", "01 3F FFFF 00000010 00 03  00 6869", "empty sender" },
        { "Command", "01 4C 1234 00000007 00 22  03 " + string.Concat(Enumerable.Repeat("62", 33)), "33-byte argument" },
        { "VoiceJoin", "01 25 1234 00000000 00 03  13C4 00", "no codecs" },
        { "VoiceJoin", "01 25 1234 00000000 00 24  13C4 00 " + string.Concat(Enumerable.Repeat("00", 33)), "33 codecs" },
        { "CodecReject", "01 CA 1234 00000000 00 22  01 " + string.Concat(Enumerable.Repeat("00", 33)), "33 codecs" },
        { "Media", "01 3E 9ABC 07  00015F90 0000 21", "no media data" },
    };

    [Theory]
    [MemberData(nameof(BadFieldLengths))]
    public void FieldLengthsOutsideTheirBoundsAreRefused(string name, string vector, string why)
    {
        Assert.True(VcspDecodeStatus.FieldLength == Kind(name).Decode(Hex.Bytes(vector)), why);
    }

    [Fact]
    public void DispatchRefusesUnknownFlagsAndRoutesKnownOnes()
    {
        var known = new HashSet<byte>(PacketKind.All.Select(k => k.Vector[1]));
        Assert.Equal(known.OrderBy(f => f).ToArray(), VcspPacketDispatcher.Flags.ToArray());
        var handler = new RecordingHandler();
        for (var flag = 0; flag < 256; flag++)
        {
            var datagram = new byte[] { 1, (byte)flag, 0x12, 0x34, 0, 0, 0, 0, 0, 0 };
            var status = VcspPacketDispatcher.Dispatch(datagram, ref handler);
            Assert.Equal(known.Contains((byte)flag), VcspPacketDispatcher.IsKnownFlag((byte)flag));
            if (!known.Contains((byte)flag))
            {
                Assert.Equal(VcspDecodeStatus.UnknownFlag, status);
                Assert.Null(VcspPacketDispatcher.GetPacketName((byte)flag));
            }
        }

        Assert.Equal(VcspDecodeStatus.Truncated, VcspPacketDispatcher.Dispatch([], ref handler));
        Assert.Equal(VcspDecodeStatus.Truncated, VcspPacketDispatcher.Dispatch([1], ref handler));
    }

    [Fact]
    public void DispatchCallsTheHandlerOfTheDatagramsFlagOnly()
    {
        foreach (var kind in PacketKind.All)
        {
            var handler = new RecordingHandler();
            Assert.Equal(VcspDecodeStatus.Ok, VcspPacketDispatcher.Dispatch(kind.Vector, ref handler));
            Assert.Equal(kind.Name, handler.LastPacket);
            Assert.Equal(1, handler.Calls);
            Assert.Equal(kind.Name, VcspPacketDispatcher.GetPacketName(kind.Vector[1]));

            // A refused datagram calls nothing.
            handler = new RecordingHandler();
            Assert.NotEqual(VcspDecodeStatus.Ok, VcspPacketDispatcher.Dispatch(kind.Vector.AsSpan(0, kind.Vector.Length - 1), ref handler));
            Assert.Equal(0, handler.Calls);
        }
    }
}
