using System;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>Encoders validate before writing and report why they wrote nothing.</summary>
public sealed class EncodeRefusalTests
{
    private static readonly VcspAddress Server = VcspAddress.IPv4([127, 0, 0, 1], 50429);

    [Fact]
    public void EverySmallerDestinationIsTooSmallAndLeftUntouched()
    {
        var p = new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 1, Server = Server, Name = "alice"u8 };
        for (var size = 0; size < p.EncodedSize; size++)
        {
            var destination = new byte[size];
            Array.Fill(destination, (byte)0xAA);
            Assert.Equal(VcspEncodeStatus.DestinationTooSmall, p.TryEncode(destination, out var written));
            Assert.Equal(0, written);
            Assert.All(destination, b => Assert.Equal(0xAA, b));
        }

        Assert.Equal(VcspEncodeStatus.Ok, p.TryEncode(new byte[p.EncodedSize], out var n));
        Assert.Equal(p.EncodedSize, n);
    }

    [Fact]
    public void APacketLongerThanItsDatagramLimitIsOversize()
    {
        var syn = new Syn { Challenge = 0x1234, Data = new byte[VcspWire.TextPayloadLimit + 1] };
        Assert.Equal(VcspEncodeStatus.Oversize, syn.TryEncode(new byte[1024], out _));
        syn.Data = new byte[VcspWire.TextPayloadLimit];
        Assert.Equal(VcspEncodeStatus.Ok, syn.TryEncode(new byte[1024], out var n));
        Assert.Equal(VcspWire.TextDatagramLimit, n);

        var media = new Media { Challenge = 0x1234, Data = new byte[229] };
        Assert.Equal(VcspEncodeStatus.Oversize, media.TryEncode(new byte[1024], out _));
        media.Data = new byte[228];
        Assert.Equal(VcspEncodeStatus.Ok, media.TryEncode(new byte[1024], out n));
        Assert.Equal(VcspWire.MediaDatagramLimit, n);
    }

    [Theory]
    [InlineData(VcspChallenge.FirstContact)]
    [InlineData(VcspChallenge.None)]
    public void AMemberPacketRefusesAReservedChallenge(ushort challenge)
    {
        Assert.Equal(VcspEncodeStatus.ReservedChallenge, new Syn { Challenge = challenge, Data = "hi"u8 }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.ReservedChallenge, new Fin { Challenge = challenge }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.ReservedChallenge, new Media { Challenge = challenge, Data = "x"u8 }.TryEncode(new byte[240], out _));
    }

    [Fact]
    public void ReservedOnlyPacketsRefuseAMembersChallenge()
    {
#pragma warning disable VCSP011 // the refusal at run time is what this test proves
        Assert.Equal(VcspEncodeStatus.ReservedChallenge, new JoinRequest { Challenge = 0x1234, Server = Server, Name = "a"u8 }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.ReservedChallenge, new Msg { Challenge = 0x1234, Sender = "a"u8, Data = "b"u8 }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.ReservedChallenge, new DirectMessage { Challenge = VcspChallenge.FirstContact, Sender = "a"u8, Data = "b"u8 }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.Ok, new DirectMessage { Challenge = VcspChallenge.None, Sender = "a"u8, Data = "b"u8 }.TryEncode(new byte[128], out _));
#pragma warning restore VCSP011
    }

    [Fact]
    public void FieldsOutsideTheirBoundsAreRefused()
    {
        Assert.Equal(VcspEncodeStatus.FieldLength, new JoinRequest { Challenge = VcspChallenge.FirstContact, Server = Server, Name = default }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.FieldLength, new JoinRequest { Challenge = VcspChallenge.FirstContact, Server = Server, Name = new byte[33] }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.FieldLength, new Syn { Challenge = 0x1234, Data = default }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.FieldLength, new VoiceJoin { Challenge = 0x1234, Codecs = new byte[33] }.TryEncode(new byte[128], out _));
    }

    [Fact]
    public void UndefinedValuesAreRefused()
    {
        Assert.Equal(VcspEncodeStatus.InvalidValue, new JoinRequest { Challenge = VcspChallenge.FirstContact, Server = default, Name = "a"u8 }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.InvalidValue, new Reject { Challenge = VcspChallenge.None, Reason = (RejectReason)0 }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.InvalidValue, new Command { Challenge = 0x1234, Code = (CommandCode)77 }.TryEncode(new byte[128], out _));
        Assert.Equal(VcspEncodeStatus.InvalidValue, new ResendRequest { Challenge = 0x1234, Count = 0 }.TryEncode(new byte[128], out _));
    }
}
