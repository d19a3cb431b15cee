using System;
using System.Text;
using VcspGen.Spec;
using Xunit;

using static VcspGen.Runtime.Tests.Datagrams;

namespace VcspGen.Runtime.Tests;

/// <summary>The member name rule (PROTOCOL.md §4), the same on both sides: the server refuses a name that breaks it with Reject BadName, and a client will not join with one.</summary>
public sealed class MemberNameTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50429);
    private static readonly VcspAddress Source = VcspAddress.IPv4([127, 0, 0, 1], 40001);

    /// <summary>Names that break the rule, one for each class of character it excludes.</summary>
    public static readonly TheoryData<string> Invalid =
    [
        "carol smith", // U+0020, a space separator
        "tab\tname", // C0
        "esc\u001b[31m", // C0: the start of a terminal escape
        "del\u007f", // DEL
        "csi\u009b31m", // C1
        "nel\u0085x", // C1 (a line break to some terminals)
        "evil\u202etxt.exe", // a bidi override
        "iso\u2066late", // a bidi isolate
        "alm\u061c", // the Arabic letter mark
        "zero\u200bwidth", // a zero-width space (Cf)
        "nb\u00a0space", // a no-break space (Zs)
        "line\u2028sep", // Zl
        "para\u2029sep", // Zp
        "ideo\u3000space", // an ideographic space (Zs)
        "",
        "this-member-name-is-longer-than-32-bytes",
    ];

    [Theory]
    [MemberData(nameof(Invalid))]
    public void TheRuleRefusesEveryExcludedClass(string name)
    {
        Assert.False(MemberNames.IsValid(name));
        Assert.False(MemberNames.IsValid(Encoding.UTF8.GetBytes(name)));
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("Zoë")]
    [InlineData("日本語の名前")]
    [InlineData("o'brien-2")]
    [InlineData("🦊")]
    [InlineData("exactly-thirty-two-bytes-long-xx")]
    public void TheRuleAcceptsVisibleNames(string name)
    {
        Assert.True(MemberNames.IsValid(name));
        Assert.True(MemberNames.IsValid(Encoding.UTF8.GetBytes(name)));
    }

    [Theory]
    [InlineData(new byte[] { 0xC3 })] // a truncated sequence
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // an encoded surrogate
    [InlineData(new byte[] { 0xC0, 0xAF })] // an overlong '/'
    public void MalformedUtf8IsNoName(byte[] name) => Assert.False(MemberNames.IsValid(name));

    [Fact]
    public void AnUnpairedSurrogateIsNoName() => Assert.False(MemberNames.IsValid("a\ud800b"));

    [Theory]
    [MemberData(nameof(Invalid))]
    public void TheServerRejectsSuchANameWithBadName(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        if (bytes.Length is < 1 or > 32)
        {
            return; // such a name does not decode at all (FieldLength): covered by the codec's tests
        }

        var sink = new RecordingSink();
        var server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group }, sink, new ManualTimeProvider());
        server.Receive(Encode(new JoinRequest { Challenge = VcspChallenge.FirstContact, Sequence = 7, Server = Group, Name = bytes }), Source);
        var (datagram, destination) = Assert.Single(sink.Take());
        Assert.Equal(Source, destination);
        Assert.Equal(VcspDecodeStatus.Ok, Reject.TryDecode(datagram, out var reject));
        Assert.Equal(RejectReason.BadName, reject.Reason);
        Assert.Equal(0, server.MemberCount);
    }

    [Theory]
    [InlineData("carol smith")]
    [InlineData("evil\u202etxt")]
    [InlineData("csi\u009b31m")]
    public void AClientWillNotJoinWithSuchAName(string name)
    {
        var options = new ClientOptions { Server = Group, Name = name };
        var error = Assert.Throws<ArgumentException>(() => new ClientSession(options, new RecordingSink(), new ManualTimeProvider(), new RecordingEvents()));
        Assert.Contains("PROTOCOL.md §4", error.Message, StringComparison.Ordinal);
    }
}
