using System.Linq;
using System.Text;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// The group server's answers to a member's user agent within the call leg's dialog (RFC 3261 §14, §9.2; PROTOCOL.md
/// §12.8), in memory: a session refresh gets 200 OK with the server's SDP unchanged, and its retransmission the same
/// 200; an offer that changes the codec gets 488 and the call goes on; CANCEL of an answered re-INVITE gets 200, one of
/// nothing 481; OPTIONS gets 200 with Allow.
/// </summary>
public sealed class SipReInviteTests
{
    [Fact]
    public void TheServerAnswersAReInviteInTheLegsDialog()
    {
        var lab = new CallLab();
        var alice = lab.JoinCall("alice", [(byte)VcspCodec.Pcmu]);
        var invite = lab.Sip.Log.First(m => m.Message.Method == "INVITE").Message;
        var ok = lab.Sip.Log.First(m => m.Message.StatusCode == 200).Message;
        var from = new SipPeer(alice.SipEndPoint, SipTransport.Udp);

        SipMessage ReInvite(string branch, int cseq, string codec) =>
            SipMessage.Request("INVITE", "sip:vcsp@127.0.0.1:5060")
                .With("Via", $"SIP/2.0/UDP {alice.SipEndPoint};branch=z9hG4bK{branch}")
                .With("Max-Forwards", "70")
                .With("From", ok.Get("To")!)
                .With("To", ok.Get("From")!)
                .With("Call-ID", ok.Get("Call-ID")!)
                .With("CSeq", $"{cseq} INVITE")
                .With("Contact", $"<sip:alice@{alice.SipEndPoint}>")
                .WithBody("application/sdp", Encoding.ASCII.GetBytes($"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6001 RTP/AVP {codec}\r\n"));

        SipMessage Last() => lab.Sip.Log.Last().Message;

        var refresh = ReInvite("re1", 2, "0");
        lab.Server.ReceiveSip(refresh, from);
        var refreshed = Last();
        Assert.Equal(200, refreshed.StatusCode);
        Assert.Equal("2 INVITE", refreshed.Get("CSeq"));
        Assert.Equal(invite.Body.ToArray(), refreshed.Body.ToArray());
        Assert.Equal(invite.Get("Contact"), refreshed.Get("Contact"));
        lab.Server.ReceiveSip(ReInvite("re1", 2, "0"), from);
        Assert.Equal(refreshed.ToBytes(), Last().ToBytes());

        var cancel = SipMessage.Request("CANCEL", "sip:vcsp@127.0.0.1:5060");
        foreach (var (name, value) in refresh.Headers.Where(h => h.Key is "Via" or "From" or "To" or "Call-ID"))
        {
            cancel.With(name, value);
        }

        cancel.With("CSeq", "2 CANCEL");
        lab.Server.ReceiveSip(cancel, from);
        Assert.Equal((200, "2 CANCEL"), (Last().StatusCode, Last().Get("CSeq")));
        var stray = SipMessage.Request("CANCEL", "sip:vcsp@127.0.0.1:5060").With("Via", $"SIP/2.0/UDP {alice.SipEndPoint};branch=z9hG4bKnone")
            .With("From", ok.Get("To")!).With("To", ok.Get("From")!).With("Call-ID", ok.Get("Call-ID")!).With("CSeq", "9 CANCEL");
        lab.Server.ReceiveSip(stray, from);
        Assert.Equal(481, Last().StatusCode);

        lab.Server.ReceiveSip(ReInvite("re2", 3, "8"), from);
        Assert.Equal(488, Last().StatusCode);
        Assert.Equal(1, lab.Server.CallMemberCount);

        var options = SipMessage.Request("OPTIONS", "sip:vcsp@127.0.0.1:5060").With("Via", $"SIP/2.0/UDP {alice.SipEndPoint};branch=z9hG4bKopt")
            .With("From", ok.Get("To")!).With("To", ok.Get("From")!).With("Call-ID", ok.Get("Call-ID")!).With("CSeq", "4 OPTIONS");
        lab.Server.ReceiveSip(options, from);
        Assert.Equal((200, "INVITE, ACK, BYE, CANCEL, OPTIONS"), (Last().StatusCode, Last().Get("Allow")));
    }
}
