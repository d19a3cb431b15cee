using System;
using System.Linq;
using System.Net;
using System.Text;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// The group call on a manual clock (PROTOCOL.md §8.16-§8.19, §11.9-§11.11, §12): VoiceJoin, the SIP dialog, Media
/// relay, VC-LEAVE, BYE, and the retransmission timers, with SIP encoded and parsed on every hop.
/// </summary>
public sealed class CallTests
{
    private static readonly TimeSpan T1 = TimeSpan.FromMilliseconds(500);

    [Fact]
    public void VcInitSetsUpTheCallWithTheServersPreferredCommonCodec()
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice", [(byte)VcspCodec.Pcmu, (byte)VcspCodec.Opus]);
        Assert.True(alice.Call.Join());
        lab.Pump();

        // The server prefers Opus (its list comes first), even though alice listed PCMU first.
        Assert.Equal(CallState.InCall, alice.Call.State);
        Assert.Equal((byte)VcspCodec.Opus, alice.Call.Codec);
        Assert.Equal(["started codec 111"], alice.Calls.Log);
        Assert.Equal(1, lab.Server.CallMemberCount);

        // INVITE, 200 OK, ACK: the exchange of PROTOCOL.md §12.4, with the offer's challenge the one alice now holds.
        var exchange = lab.Sip.Log.Select(m => m.Message.Method ?? m.Message.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(["INVITE", "200", "ACK"], exchange);
        var invite = lab.Sip.Log[0].Message;
        Assert.Equal("sip:alice@127.0.0.1:7001", invite.RequestUri);
        Assert.True(SdpSession.TryParse(invite.Body.Span, out var offer, out _));
        Assert.Equal(5000, offer!.MediaPort);
        Assert.Equal(IPAddress.Loopback, offer.ConnectionAddress);
        Assert.Equal([(byte)111], offer.Formats);
        Assert.Equal(alice.Call.CallChallenge, (ushort?)offer.CallChallenge);
        var ack = lab.Sip.Log[2].Message;
        Assert.NotEqual(SipHeaders.Parameter(invite.Get("Via"), "branch"), SipHeaders.Parameter(ack.Get("Via"), "branch"));
        Assert.Equal(SipHeaders.Parameter(lab.Sip.Log[1].Message.Get("To"), "tag"), SipHeaders.Parameter(ack.Get("To"), "tag"));
    }

    [Fact]
    public void AServerOnAWildcardAddressAnswersAndCallsFromTheAddressTheMemberJoinedThrough()
    {
        // Bound to 0.0.0.0 (a server on every interface): the Response echoes 127.0.0.1, and the SIP and SDP name it.
        var lab = new CallLab(new GroupOptions { Name = "lobby", Address = VcspAddress.IPv4([0, 0, 0, 0], 5000), RelayQuiet = TimeSpan.Zero });
        var alice = lab.JoinCall("alice");
        Assert.Equal(ClientState.Member, alice.Client.Group.State);
        var invite = lab.Sip.Log[0].Message;
        Assert.StartsWith("SIP/2.0/UDP 127.0.0.1:5060;", invite.Get("Via"), StringComparison.Ordinal);
        Assert.True(SdpSession.TryParse(invite.Body.Span, out var offer, out _));
        Assert.Equal(IPAddress.Loopback, offer!.ConnectionAddress);
        Assert.True(alice.Client.Group.TrySendCommand(CommandCode.Info, default));
        lab.Pump();
        Assert.Contains("address=127.0.0.1:5000", alice.Events.Replies.Single().Data, StringComparison.Ordinal);
    }

    [Fact]
    public void NoCommonCodecIsAnsweredWithTheServersList()
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice", [(byte)VcspCodec.G722]);
        var lab2Options = lab.Options.Codecs;
        Assert.True(alice.Call.Join([42]));
        lab.Pump();

        Assert.Equal(CallState.Idle, alice.Call.State);
        Assert.Equal([$"rejected NoCommonCodec [{string.Join(",", lab2Options)}]"], alice.Calls.Log);
        Assert.Empty(lab.Sip.Log);
    }

    [Fact]
    public void AFullCallIsAnsweredCallFull()
    {
        var lab = new CallLab(new GroupOptions { Name = "lobby", Address = VcspAddress.IPv4([127, 0, 0, 1], 5000), MaxCallMembers = 1 });
        lab.JoinCall("alice");
        var bob = lab.AddMember("bob");
        Assert.True(bob.Call.Join());
        lab.Pump();
        Assert.StartsWith("rejected CallFull", Assert.Single(bob.Calls.Log), StringComparison.Ordinal);
    }

    [Fact]
    public void AVoiceJoinFromANonMemberIsDroppedWithoutAnInvite()
    {
        var lab = new CallLab();
        var stranger = VcspAddress.IPv4([127, 0, 0, 1], 6999);
        var answers = new RecordingSink();
        lab.Network.Attach(stranger, (d, _) => answers.Send(d, stranger));
        var before = lab.Server.Dropped(DropReason.UnknownSender);
        lab.Server.Receive(Datagrams.Encode(new VoiceJoin { Challenge = 0x1234, Sequence = 1, SipPort = 7999, SipTransport = SipTransport.Udp, Codecs = [111] }), stranger);
        lab.Pump();
        Assert.Equal(before + 1, lab.Server.Dropped(DropReason.UnknownSender));
        Assert.Empty(lab.Sip.Log);
        Assert.Empty(answers.Sent);
    }

    [Fact]
    public void AClientDropsAVoiceJoinFromAnotherClient()
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice");
        var peer = VcspAddress.IPv4([127, 0, 0, 1], 6999);
        var sent = lab.Network.Delivered;
        alice.Client.Receive(Datagrams.Encode(new VoiceJoin { Challenge = 0x1234, Sequence = 1, SipPort = 7999, SipTransport = SipTransport.Udp, Codecs = [111] }), peer);
        lab.Pump();
        Assert.Equal(sent, lab.Network.Delivered);
        Assert.Empty(lab.Sip.Log);
    }

    [Fact]
    public void AnInviteFromAnotherAddressOrPortIsDroppedWithoutAnAnswer()
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice");
        Assert.True(alice.Call.Join());

        // The server's INVITE is held back; forged ones arrive first from another port and another address.
        lab.Sip.Drop = (m, from, _) => m.Method == "INVITE" && from.Equals(CallLab.ServerSip);
        lab.Pump();
        var invite = lab.Sip.Log.Single(m => m.Message.Method == "INVITE").Message;
        foreach (var forger in new[] { new IPEndPoint(IPAddress.Loopback, 5061), new IPEndPoint(IPAddress.Parse("127.0.0.2"), 5060) })
        {
            alice.Client.ReceiveSip(Reparse(invite), new SipPeer(forger, SipTransport.Udp));
        }

        Assert.Single(lab.Sip.Log); // no answer of any kind
        Assert.Equal(2, alice.Call.Dropped);
        Assert.Equal(CallState.Joining, alice.Call.State);

        // The real one is still accepted (Timer A resends it).
        lab.Sip.Drop = (_, _, _) => false;
        lab.Advance(T1);
        Assert.Equal(CallState.InCall, alice.Call.State);
    }

    [Fact]
    public void AnInviteWithoutAnOutstandingVcInitIsDropped()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var bob = lab.AddMember("bob");
        var invite = lab.Sip.Log.First(m => m.Message.Method == "INVITE").Message;
        var logged = lab.Sip.Log.Count;
        bob.Client.ReceiveSip(Reparse(invite), new SipPeer(CallLab.ServerSip, SipTransport.Udp));
        lab.Pump();
        Assert.Equal(logged, lab.Sip.Log.Count);
        Assert.Equal(1, bob.Call.Dropped);
        Assert.Equal(CallState.InCall, alice.Call.State);
    }

    [Theory]
    [InlineData("c=IN IP4 127.0.0.1", "c=IN IP4 127.0.0.9")] // the media address is not the server
    [InlineData("RTP/AVP 111", "RTP/AVP 8")] // a codec alice did not list
    [InlineData("a=vcsp-challenge:", "a=vcsp-challenge:255\r\na=x:")] // a reserved challenge
    public void AnUnacceptableOfferIsAnswered488(string from, string to)
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice");
        Assert.True(alice.Call.Join());
        lab.Sip.Drop = (m, _, _) => m.Method == "INVITE";
        lab.Pump();
        var invite = lab.Sip.Log.Single().Message;
        var body = Encoding.UTF8.GetString(invite.Body.Span).Replace(from, to, StringComparison.Ordinal);
        if (from.StartsWith("a=vcsp", StringComparison.Ordinal))
        {
            body = string.Join("\r\n", body.Split("\r\n").Where(l => !l.StartsWith("a=vcsp-challenge:", StringComparison.Ordinal) || l == "a=vcsp-challenge:255")) + "\r\n";
        }

        var forged = Reparse(invite).WithBody("application/sdp", Encoding.UTF8.GetBytes(body));
        lab.Sip.Drop = (_, _, _) => true;
        alice.Client.ReceiveSip(Reparse(forged), new SipPeer(CallLab.ServerSip, SipTransport.Udp));
        var answer = lab.Sip.Log.Last().Message;
        Assert.Equal(488, answer.StatusCode);
        Assert.Equal(CallState.Joining, alice.Call.State);
    }

    [Fact]
    public void AMalformedInviteIsAnswered400()
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice");
        Assert.True(alice.Call.Join());
        lab.Sip.Drop = (_, _, _) => true;
        lab.Pump();
        var text = Encoding.UTF8.GetString(lab.Sip.Log.Single().Message.ToBytes());
        var withoutCallId = string.Join("\r\n", text.Split("\r\n").Where(l => !l.StartsWith("Call-ID:", StringComparison.Ordinal)));
        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(Encoding.UTF8.GetBytes(withoutCallId), false, out var broken, out _));
        alice.Client.ReceiveSip(broken!, new SipPeer(CallLab.ServerSip, SipTransport.Udp));
        Assert.Equal(400, lab.Sip.Log.Last().Message.StatusCode);

        // The server answers a malformed request 400 as well, and one it does not take 405.
        lab.Server.ReceiveSip(broken!, new SipPeer(alice.SipEndPoint, SipTransport.Udp));
        Assert.Equal(400, lab.Sip.Log.Last().Message.StatusCode);
        var options = SipMessage.Request("REGISTER", "sip:vcsp@127.0.0.1:5060").With("Via", "SIP/2.0/UDP 127.0.0.1:7001;branch=z9hG4bKx").With("From", "<sip:a@127.0.0.1>;tag=1")
            .With("To", "<sip:vcsp@127.0.0.1>").With("Call-ID", "x@y").With("CSeq", "1 REGISTER");
        var before = lab.Sip.Log.Count;
        lab.Server.ReceiveSip(options, new SipPeer(alice.SipEndPoint, SipTransport.Udp));

        // That short REGISTER would get a longer 405 (a To tag, an Allow header): over UDP it is refused unanswered,
        // since the source may be forged (PROTOCOL.md §13.3). The same request with a few more headers is answered.
        Assert.Equal(before, lab.Sip.Log.Count);
        var longer = SipMessage.Request("REGISTER", "sip:vcsp@127.0.0.1:5060").With("Via", "SIP/2.0/UDP 127.0.0.1:7001;branch=z9hG4bKy").With("From", "<sip:a@127.0.0.1>;tag=1")
            .With("To", "<sip:vcsp@127.0.0.1>").With("Call-ID", "x@y").With("CSeq", "1 REGISTER").With("Max-Forwards", "70").With("User-Agent", "a user agent that names itself at length");
        lab.Server.ReceiveSip(longer, new SipPeer(alice.SipEndPoint, SipTransport.Udp));
        var answer = lab.Sip.Log.Last().Message;
        Assert.Equal(405, answer.StatusCode);
        Assert.True(answer.ToBytes().Length <= longer.ToBytes().Length);
        Assert.Equal(3, lab.Server.SipDropped);
    }

    [Fact]
    public void MediaIsRelayedAtOnceToEveryOtherCallMemberWithTheirChallengeAndTheSendersId()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var bob = lab.JoinCall("bob");
        var carol = lab.JoinCall("carol");
        var dave = lab.AddMember("dave"); // in the group, not in the call

        byte[] frame = [.. Enumerable.Range(0, 188).Select(i => (byte)i)];
        Assert.True(alice.Call.TrySendMedia(frame, 90_000));
        lab.Pump(); // no clock movement: relayed at once

        foreach (var receiver in new[] { bob, carol })
        {
            var (source, timestamp, codec, data) = Assert.Single(receiver.Calls.Media);
            Assert.Equal(90_000u, timestamp);
            Assert.Equal(alice.Call.Codec, codec);
            Assert.Equal(frame, data);
            Assert.NotEqual(0, source);
        }

        Assert.Equal(bob.Calls.Media[0].Source, carol.Calls.Media[0].Source);
        Assert.Empty(alice.Calls.Media);
        Assert.Equal(2, lab.Server.MediaRelayed);
        Assert.Equal(0, dave.Client.Group.AbandonedMessages);

        // Bob's answer carries bob's own id, which differs from alice's.
        Assert.True(bob.Call.TrySendMedia([1, 2, 3], 7));
        lab.Pump();
        Assert.NotEqual(bob.Calls.Media[0].Source, alice.Calls.Media.Single().Source);
    }

    [Fact]
    public void MediaWithTheWrongChallengeOrCodecIsNotRelayedAndAMemberOutsideTheCallIsToldNotInCall()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var bob = lab.JoinCall("bob");
        var challenge = alice.Call.CallChallenge!.Value;
        var server = lab.Server;

        server.Receive(Datagrams.Encode(new Media { Challenge = (ushort)(challenge ^ 1), Timestamp = 1, Codec = alice.Call.Codec, Data = [1] }), alice.Address);
        server.Receive(Datagrams.Encode(new Media { Challenge = challenge, Timestamp = 1, Codec = 8, Data = [1] }), alice.Address);
        lab.Pump();
        Assert.Empty(bob.Calls.Media);
        Assert.Equal(0, server.MediaRelayed);
        Assert.Equal(1, server.Dropped(DropReason.Inconsistent));

        // The wrong challenge was answered with Error NotInCall (text challenge), which ends alice's call state.
        Assert.Equal(CallState.Idle, alice.Call.State);
        Assert.Contains("ended: not in the call (the server says)", alice.Calls.Log);
    }

    [Fact]
    public void MediaDataLongerThan228BytesIsCutAndTheRestCounted()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var bob = lab.JoinCall("bob");
        Assert.True(alice.Call.TrySendMedia(new byte[300], 0));
        lab.Pump();
        Assert.Equal(228, bob.Calls.Media.Single().Data.Length);
        Assert.Equal(72, alice.Call.MediaBytesDiscarded);
        Assert.False(alice.Call.TrySendMedia([], 0));
    }

    [Fact]
    public void VcLeaveIsAnsweredWithVoiceFinAndByeAndKeepsTheMemberInTheGroup()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var bob = lab.JoinCall("bob");
        var challenge = alice.Call.CallChallenge!.Value;
        Assert.True(alice.Call.Leave());
        lab.Pump();

        Assert.Equal(CallState.Idle, alice.Call.State);
        Assert.Equal("ended: left", alice.Calls.Log.Last());
        Assert.Equal(1, lab.Server.CallMemberCount);
        var bye = lab.Sip.Log.Single(m => m.Message.Method == "BYE");
        Assert.Equal(alice.SipEndPoint, bye.To);
        Assert.Equal(200, lab.Sip.Log.Last().Message.StatusCode);

        // Still a member: text goes through, and media from the old challenge is not relayed.
        Assert.True(alice.Client.Group.TrySend("still here"u8));
        lab.Pump();
        Assert.Contains(("alice", "still here"), bob.Events.Messages);
        lab.Server.Receive(Datagrams.Encode(new Media { Challenge = challenge, Timestamp = 1, Codec = 111, Data = [1] }), alice.Address);
        lab.Pump();
        Assert.Empty(bob.Calls.Media);

        // A repeated VoiceFin (its answer lost) is answered again.
        var sink = new RecordingSink();
        var probe = VcspAddress.IPv4([127, 0, 0, 1], 6001);
        lab.Network.Attach(probe, (d, _) => sink.Send(d, probe));
        lab.Server.Receive(Datagrams.Encode(new VoiceFin { Challenge = challenge }), alice.Address);
        lab.Pump();
        Assert.Equal(Datagrams.Encode(new VoiceFin { Challenge = challenge }), Assert.Single(sink.Sent).Datagram);
    }

    [Fact]
    public void VcRestartGivesANewCallChallenge()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var first = alice.Call.CallChallenge;
        Assert.True(alice.Client.RestartCall());
        lab.Pump();
        Assert.Equal(CallState.InCall, alice.Call.State);
        Assert.NotEqual(first, alice.Call.CallChallenge);
        Assert.Equal(["started codec 111", "ended: left", "started codec 111"], alice.Calls.Log);
    }

    [Fact]
    public void ResInACallLeavesTheCallAndTheGroupThenJoinsBoth()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        Assert.True(alice.Client.Restart());
        lab.Pump();
        Assert.Equal(ClientState.Member, alice.Client.Group.State);
        Assert.Equal(CallState.InCall, alice.Call.State);
        Assert.Equal(1, lab.Server.CallMemberCount);
        Assert.Equal(["started codec 111", "ended: left", "started codec 111"], alice.Calls.Log);
        Assert.Equal(2, lab.Sip.Log.Count(m => m.Message.Method == "INVITE"));
    }

    [Fact]
    public void QuitInACallSendsTheVoiceFinThenTheFinAndTheServerEndsTheLeg()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var bob = lab.JoinCall("bob");
        alice.Client.Quit();
        lab.Pump();
        Assert.Equal(ClientState.Closed, alice.Client.Group.State);
        Assert.Equal(CallState.Idle, alice.Call.State);
        Assert.Equal(1, lab.Server.CallMemberCount);
        Assert.Equal(1, lab.Server.MemberCount);
        Assert.Single(lab.Sip.Log, m => m.Message.Method == "BYE" && m.To.Equals(alice.SipEndPoint));
        Assert.Equal(CallState.InCall, bob.Call.State);
    }

    [Fact]
    public void AFinWithoutVcLeaveEndsTheCallWithABye()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        alice.Client.Group.Leave(); // a FIN alone, as an older client might send
        lab.Pump();
        Assert.Equal(0, lab.Server.CallMemberCount);
        Assert.Equal("ended: ended by the server (BYE)", alice.Calls.Log.Last());
    }

    [Fact]
    public void AKickEndsTheCallWithAByeBeforeTheMemberGoes()
    {
        var lab = new CallLab(new GroupOptions { Name = "lobby", Address = VcspAddress.IPv4([127, 0, 0, 1], 5000), Owner = "admin", RelayQuiet = TimeSpan.Zero });
        var admin = lab.AddMember("admin");
        var alice = lab.JoinCall("alice");
        Assert.True(admin.Client.Group.TrySendCommand(CommandCode.Kick, "alice"u8));
        lab.Pump();
        Assert.Equal(0, lab.Server.CallMemberCount);
        Assert.Equal("ended: ended by the server (BYE)", alice.Calls.Log.Last());
        Assert.Equal(ClientState.Closed, alice.Client.Group.State);
    }

    [Fact]
    public void AByeFromTheMembersUserAgentIsAnsweredAndEndsItsLegWithoutAByeOfTheServers()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        lab.Server.ReceiveSip(ByeFromMember(lab), new SipPeer(alice.SipEndPoint, SipTransport.Udp));
        lab.Pump();
        Assert.Equal(200, lab.Sip.Log.Last().Message.StatusCode);
        Assert.Equal(0, lab.Server.CallMemberCount);
        Assert.DoesNotContain(lab.Sip.Log, m => m.Message.Method == "BYE" && m.From.Equals(CallLab.ServerSip));

        // The same BYE again is a retransmission (its branch): the same 200 OK again, To tag and all (RFC 3261 §17.2.2).
        var first = lab.Sip.Log.Last().Message.ToBytes();
        lab.Server.ReceiveSip(ByeFromMember(lab), new SipPeer(alice.SipEndPoint, SipTransport.Udp));
        Assert.Equal(first, lab.Sip.Log.Last().Message.ToBytes());

        // A new BYE (another branch) finds no call: 481.
        var again = ByeFromMember(lab);
        var renewed = SipMessage.Request("BYE", again.RequestUri!);
        foreach (var (name, value) in again.Headers)
        {
            renewed.With(name, name == "Via" ? "SIP/2.0/UDP 127.0.0.1:7001;branch=z9hG4bKbye2" : value);
        }

        lab.Server.ReceiveSip(renewed, new SipPeer(alice.SipEndPoint, SipTransport.Udp));
        Assert.Equal(481, lab.Sip.Log.Last().Message.StatusCode);
    }

    [Fact]
    public void TheCloseCallSendsAByeToEveryCallMember()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var bob = lab.JoinCall("bob");
        lab.Server.CloseCall();
        lab.Pump();
        Assert.Equal(0, lab.Server.CallMemberCount);
        Assert.All(new[] { alice, bob }, m => Assert.Equal(CallState.Idle, m.Call.State));
        Assert.Equal(2, lab.Server.MemberCount);
    }

    [Fact]
    public void TheInviteIsRetransmittedOnTimerAAndGivenUpOnTimerB()
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice");
        lab.Sip.Drop = (m, _, _) => m.Method == "INVITE";
        Assert.True(alice.Call.Join());
        lab.Pump();
        var sentAt = new System.Collections.Generic.List<TimeSpan>();
        var elapsed = TimeSpan.Zero;
        var step = TimeSpan.FromMilliseconds(50);
        while (elapsed < TimeSpan.FromSeconds(40))
        {
            var before = lab.Sip.Log.Count;
            lab.Advance(step);
            elapsed += step;
            if (lab.Sip.Log.Count > before)
            {
                sentAt.Add(elapsed);
            }
        }

        // Timer A: T1, then doubling: 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; Timer B at 64 × T1 = 32 s ends it.
        Assert.Equal([0.5, 1.5, 3.5, 7.5, 15.5, 31.5], sentAt.Select(t => t.TotalSeconds));
        Assert.Equal(0, lab.Server.CallMemberCount);
        Assert.True((lab.Server.NextPollDelay() ?? TimeSpan.MaxValue) > TimeSpan.FromSeconds(30)); // no SIP timer left, only the members' timeouts

        // The member may try again, and gets a new INVITE.
        lab.Sip.Drop = (_, _, _) => false;
        Assert.Equal(CallState.Idle, alice.Call.State);
        Assert.True(alice.Call.Join());
        lab.Pump();
        Assert.Equal(CallState.InCall, alice.Call.State);
    }

    [Fact]
    public void TheOkIsRetransmittedUntilTheAckAndEachRetransmissionIsAcknowledged()
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice");
        var acks = 0;
        lab.Sip.Drop = (m, _, _) => m.Method == "ACK" && ++acks <= 3;
        Assert.True(alice.Call.Join());
        lab.Pump();
        Assert.Equal(CallState.Answered, alice.Call.State);
        Assert.Equal(1, lab.Server.CallMemberCount); // the server counts the member once it has sent the ACK

        lab.Advance(T1);
        lab.Advance(T1 * 2);
        Assert.Equal(CallState.Answered, alice.Call.State);
        lab.Advance(T1 * 4);
        Assert.Equal(CallState.InCall, alice.Call.State);
        Assert.Equal(4, lab.Sip.Log.Count(m => m.Message.StatusCode == 200));
        Assert.Equal(4, acks);
    }

    [Fact]
    public void AByeIsRetransmittedUntilAnswered()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice");
        var byes = 0;
        lab.Sip.Drop = (m, _, _) => m.Method == "BYE" && ++byes <= 2;
        lab.Server.CloseCall();
        lab.Pump();
        Assert.Equal(CallState.InCall, alice.Call.State);
        lab.Advance(T1);
        lab.Advance(T1 * 2);
        Assert.Equal(CallState.Idle, alice.Call.State);
        Assert.True((lab.Server.NextPollDelay() ?? TimeSpan.MaxValue) > TimeSpan.FromSeconds(30)); // no SIP timer left, only the members' timeouts
    }

    [Fact]
    public void AnAnswerThatComesAfterTheMemberLeftIsAcknowledgedAndEnded()
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice");
        lab.Sip.Drop = (m, _, _) => m.StatusCode == 200 && m.Get("CSeq") == "1 INVITE";
        Assert.True(alice.Call.Join());
        lab.Pump();
        alice.Client.Group.Leave(); // FIN while the server waits for the 200 OK
        lab.Pump();
        lab.Sip.Drop = (_, _, _) => false;
        lab.Advance(T1); // alice resends the 200 OK
        Assert.Equal(0, lab.Server.CallMemberCount);
        Assert.Contains(lab.Sip.Log, m => m.Message.Method == "ACK");
        Assert.Contains(lab.Sip.Log, m => m.Message.Method == "BYE" && m.From.Equals(CallLab.ServerSip));
        Assert.Equal(CallState.Idle, alice.Call.State);
    }

    [Fact]
    public void RelayingMediaInSteadyStateAllocatesNothing()
    {
        var lab = new CallLab();
        var members = Enumerable.Range(0, 8).Select(i => lab.JoinCall("m" + i)).ToArray();
        var datagrams = members.Select(m => Datagrams.Encode(new Media { Challenge = m.Call.CallChallenge!.Value, Timestamp = 1, Codec = m.Call.Codec, Data = new byte[188] })).ToArray();
        var counting = new CountingSink();
        lab.ServerSink.Forward = counting;
        void Round()
        {
            for (var i = 0; i < members.Length; i++)
            {
                lab.Server.Receive(datagrams[i], members[i].Address);
            }
        }

        for (var r = 0; r < 20; r++)
        {
            Round();
        }

        var relayed = lab.Server.MediaRelayed;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 0; r < 200; r++)
        {
            Round();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(200 * 8 * 7, lab.Server.MediaRelayed - relayed);
        Assert.Equal(220 * 8 * 7, counting.Count);
        Assert.Equal(0, allocated);
    }

    private static SipMessage ByeFromMember(CallLab lab)
    {
        var ok = lab.Sip.Log.First(m => m.Message.StatusCode == 200).Message;
        return SipMessage.Request("BYE", "sip:vcsp@127.0.0.1:5060")
            .With("Via", "SIP/2.0/UDP 127.0.0.1:7001;branch=z9hG4bKbye1")
            .With("Max-Forwards", "70")
            .With("From", ok.Get("To")!)
            .With("To", ok.Get("From")!)
            .With("Call-ID", ok.Get("Call-ID")!)
            .With("CSeq", "1 BYE");
    }

    private static SipMessage Reparse(SipMessage message)
    {
        Assert.Equal(SipParseStatus.Ok, SipMessage.TryParse(message.ToBytes(), false, out var copy, out _));
        return copy!;
    }
}
