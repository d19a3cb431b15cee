using System.Linq;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>The server's checks of a member's SDP answer (PROTOCOL.md §12.4), on a manual clock.</summary>
public sealed class CallAnswerTests
{
    [Fact]
    public void AnAnswerWithAnotherCodecIsAcknowledgedAndEndedAtOnceWithABye()
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice");

        // Alice's real 200 OK never reaches the server; a copy with another codec does.
        lab.Sip.Drop = (m, _, _) => m.StatusCode == 200 && m.Get("CSeq") == "1 INVITE";
        Assert.True(alice.Call.Join());
        lab.Pump();
        var (from, _, ok) = lab.Sip.Log.Last(m => m.Message.StatusCode == 200);
        Assert.True(SdpSession.TryParse(ok.Body.Span, out var answer, out _));
        var otherCodec = answer!.Formats[0] == 0 ? (byte)8 : (byte)0;
        var forged = SipMessage.Response(200, "OK");
        foreach (var header in ok.Headers)
        {
            if (header.Key != "Content-Type")
            {
                forged.With(header.Key, header.Value);
            }
        }

        forged.WithBody("application/sdp", SdpSession.ForCall(answer.ConnectionAddress, "audio", answer.MediaPort, otherCodec, null).ToBytes());
        var dropped = lab.Server.SipDropped;
        lab.Server.ReceiveSip(forged, new SipPeer(from, SipTransport.Udp));
        lab.Pump();

        Assert.Equal(dropped + 1, lab.Server.SipDropped);
        Assert.Equal(0, lab.Server.CallMemberCount);
        Assert.Contains(lab.Sip.Log, m => m.Message.Method == "ACK");
        Assert.Contains(lab.Sip.Log, m => m.Message.Method == "BYE" && m.From.Equals(CallLab.ServerSip));
        Assert.Equal(CallState.Idle, alice.Call.State);
    }
}
