using System;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>How a client session reports its end: a <see cref="CloseReason"/>, and the text logs have always printed.</summary>
public sealed class SessionEndTests
{
    private static readonly VcspAddress Group = VcspAddress.IPv4([127, 0, 0, 1], 50431);

    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryNetwork _network = new();
    private readonly GroupServer _server;

    public SessionEndTests()
    {
        GroupServer? server = null;
        var serverSink = _network.Attach(Group, (d, from) => server!.Receive(d, from));
        _server = server = new GroupServer(new GroupOptions { Name = "lobby", Address = Group }, serverSink, _time);
    }

    [Theory]
    [InlineData(CloseReason.Left, "left", true)]
    [InlineData(CloseReason.LeftUnanswered, "left (the server did not answer the FIN)", true)]
    [InlineData(CloseReason.Kicked, "kicked", false)]
    [InlineData(CloseReason.NoAnswer, "the server did not answer", false)]
    [InlineData(CloseReason.ServerRestarted, "the server no longer knows this member", false)]
    public void EachEndReadsAsBefore(CloseReason reason, string text, bool isLeave)
    {
        var end = new SessionEnd(reason);
        Assert.Equal(text, end.ToString());
        Assert.Equal(isLeave, end.IsLeave);
        Assert.Null(end.Rejection);
    }

    [Fact]
    public void ARejectionCarriesTheServersReason()
    {
        var end = SessionEnd.Rejected(RejectReason.GroupFull);
        Assert.Equal(CloseReason.Rejected, end.Reason);
        Assert.Equal(RejectReason.GroupFull, end.Rejection);
        Assert.Equal("rejected: GroupFull", end.ToString());
        Assert.False(end.IsLeave);
        Assert.Equal(end, new SessionEnd(CloseReason.Rejected, RejectReason.GroupFull));
    }

    [Fact]
    public void OnlyARejectionHasAReason()
    {
        Assert.Throws<ArgumentException>(() => new SessionEnd(CloseReason.Rejected));
        Assert.Throws<ArgumentException>(() => new SessionEnd(CloseReason.Kicked, RejectReason.NameInUse));
    }

    [Fact]
    public void ASessionReportsTheRejectionAndTheLeaveAsValues()
    {
        var first = Client("alice", 40011, out var firstEvents);
        var second = Client("alice", 40012, out var secondEvents);
        first.Join();
        _network.Pump();
        second.Join();
        _network.Pump();

        Assert.Equal(ClientState.Closed, second.State);
        Assert.Equal([SessionEnd.Rejected(RejectReason.NameInUse)], secondEvents.Ends);
        Assert.Equal("closed: rejected: NameInUse", secondEvents.Log[^1]);

        first.Leave();
        _network.Pump();
        Assert.Equal([new SessionEnd(CloseReason.Left)], firstEvents.Ends);
        Assert.Equal(0, _server.MemberCount);
    }

    private ClientSession Client(string name, ushort port, out RecordingEvents events)
    {
        var address = VcspAddress.IPv4([127, 0, 0, 1], port);
        var recording = events = new RecordingEvents();
        ClientSession? session = null;
        session = new ClientSession(new ClientOptions { Server = Group, Name = name }, _network.Attach(address, (d, from) => session!.Receive(d, from)), _time, recording);
        return session;
    }
}
