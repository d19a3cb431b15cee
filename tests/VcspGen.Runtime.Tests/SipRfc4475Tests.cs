using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using VcspGen.Runtime.Sip;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// RFC 4475's messages as parser tests: each with the verdict of the group server and of a member's client (the
/// status of their answer, or 0 for no answer: refused by the parser, a response that matches nothing, or an INVITE
/// that is not from the client's server, which the client never answers). The roles are fed in memory as from a
/// TCP peer (so no answer is withheld for its length); a second test sends each over real UDP from an unknown peer,
/// where an answer is the same or withheld, and never longer than the message.
/// </summary>
public sealed class SipRfc4475Tests
{
    public static TheoryData<string, int, int> Verdicts => new()
    {
        // Valid messages, or tolerated: OPTIONS gets 200, a method the peers do not take 405, an INVITE outside a call 403 (server) or silence (client).
        { "lwsdisp", 200, 200 },
        { "longreq", 403, 0 },
        { "semiuri", 200, 200 },
        { "transports", 200, 200 },
        { "inv2543", 403, 0 },
        { "cparam01", 405, 405 },
        { "cparam02", 405, 405 },
        { "regescrt", 405, 405 },
        { "regaut01", 405, 405 },
        { "escnull", 405, 405 },
        { "badbranch", 200, 200 },
        { "bext01", 200, 200 }, // Require is not looked at (PROTOCOL.md §12.8)
        { "badaspec", 200, 200 }, // tolerated: a name-addr with spaces in <>
        { "baddn", 200, 200 }, // tolerated: a display name with non-token characters
        { "quotbal", 403, 0 }, // tolerated: the unbalanced quote is in a To the server only copies
        { "noreason", 0, 0 }, // a response that matches no transaction
        { "scalarlg", 0, 0 },
        { "unreason", 0, 0 }, // a response that matches no transaction, with a UTF-8 reason phrase
        { "bcast", 0, 0 }, // a response that matches no transaction: its broadcast Via is never used
        { "wsinv", 481, 0 }, // folding, LWS and compact forms all parsed; an INVITE outside a call whose To has a tag gets 481 (§12.8)
        { "esc01", 403, 0 },
        { "sdp01", 403, 0 }, // the Accept is not looked at: the server takes no INVITE at all
        { "invut", 403, 0 }, // RFC 4475 has 415 for the unknown Content-Type, but the server takes no INVITE at all
        { "zeromf", 200, 200 }, // Max-Forwards 0 matters only to proxies
        { "unksm2", 405, 405 }, // REGISTER: 405 before the unknown URI schemes in To, From and Contact are looked at
        { "dblreq", 405, 405 }, // the REGISTER is answered; the INVITE after it in the datagram is ignored (RFC 3261 §18.3)
        { "esc02", 405, 405 }, // RE%47IST%45R is an unknown method, not REGISTER: 405 with Allow as for any method the peers do not take (§12.8; RFC 4475 has 501)
        { "intmeth", 405, 405 }, // the same for its unknown method (RFC 4475 has 501); the quoted BEL, NUL and DEL and the UTF-8 are parsed
        { "regbadct", 405, 405 }, // tolerated: a Contact with an escaped header outside <>, which a REGISTER's 405 never looks at
        { "escruri", 403, 0 }, // tolerated: an escaped header in the Request-URI (RFC 4475 allows 400 or ignoring it)
        { "baddate", 403, 0 }, // tolerated: the Date is not looked at (RFC 4475 allows that or 400)
        { "badinv01", 403, 0 }, // tolerated: the empty Via and Contact parameters are not looked at (RFC 4475 has 400); the INVITE is refused anyway

        // Invalid messages.
        { "badvers", 505, 505 },
        { "mismatch01", 400, 400 },
        { "mismatch02", 400, 400 },
        { "scalar02", 400, 400 },
        { "mcl01", 400, 400 },
        { "multi01", 400, 0 },
        { "insuf", 400, 0 },
        { "ltgtruri", 400, 0 },
        { "unkscm", 416, 416 },
        { "novelsc", 416, 416 },
        { "clerr", 0, 0 }, // Content-Length beyond the datagram: refused by the parser
        { "ncl", 0, 0 }, // negative Content-Length
        { "lwsruri", 0, 0 }, // LWS in the Request-URI: a bad request line
        { "lwsstart", 0, 0 },
        { "trws", 0, 0 },
        { "bigcode", 0, 0 },
    };

    [Fact]
    public void EveryMessageHasAVerdict() =>
        Assert.Equal(Rfc4475.Messages.Keys.Order(), Verdicts.Select(v => v.Data.Item1).Order());

    [Theory]
    [MemberData(nameof(Verdicts))]
    public void EachRoleAnswersAsItsVerdictSays(string name, int server, int client)
    {
        var lab = new CallLab();
        var alice = lab.AddMember("alice");
        Assert.Equal(server, Answer(lab, name, m => lab.Server.ReceiveSip(m, Peer())));
        Assert.Equal(client, Answer(lab, name, m => alice.Client.ReceiveSip(m, Peer())));
    }

    [Fact]
    public void LongreqsThirtyFourViasAreAllCopiedInOrder()
    {
        var lab = new CallLab();
        Assert.Equal(403, Answer(lab, "longreq", m => lab.Server.ReceiveSip(m, Peer())));
        SipMessage.TryParse(Encoding.UTF8.GetBytes(Rfc4475.Text("longreq")), false, out var request, out _);
        var vias = lab.Sip.Log.Last().Message.Headers.Where(h => h.Key == "Via").Select(h => h.Value).ToArray();
        Assert.Equal(34, vias.Length);
        Assert.Equal(request!.Headers.Where(h => h.Key.Equals("Via", StringComparison.OrdinalIgnoreCase) || h.Key == "v").Select(h => h.Value), vias);
    }

    [Fact]
    public async Task OverUdpFromAnUnknownPeerEachGetsItsVerdictOrNothingAndNeverMoreBytes()
    {
        await using var lab = new CallUdpLab([(byte)VcspCodec.Pcmu]);
        var member = await lab.MemberAsync("alice", [(byte)VcspCodec.Pcmu]);
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        foreach (var row in Verdicts)
        {
            var (name, server, client) = row.Data;
            var bytes = Encoding.UTF8.GetBytes(Rfc4475.Text(name));
            foreach (var (target, verdict) in new[] { (lab.ServerSip!.LocalEndPoint, server), (member.Sip.LocalEndPoint, client) })
            {
                peer.SendTo(bytes, target);
                var answer = await UdpLab.ReceiveAsync(peer, TimeSpan.FromMilliseconds(verdict == 0 ? 100 : 400));
                if (answer is not null)
                {
                    Assert.True(verdict != 0, name + " was answered");
                    Assert.StartsWith($"SIP/2.0 {verdict} ", Encoding.UTF8.GetString(answer), StringComparison.Ordinal);
                    Assert.True(answer.Length <= bytes.Length, $"{name}: {answer.Length} > {bytes.Length}");
                }
            }
        }

        // Both endpoints are still up: a fresh OPTIONS long enough is answered by each.
        foreach (var target in new[] { lab.ServerSip!.LocalEndPoint, member.Sip.LocalEndPoint })
        {
            var options = Encoding.UTF8.GetBytes(SipWireTests.Mixed(((IPEndPoint)peer.LocalEndPoint!).Port).Replace("lc1", "after", StringComparison.Ordinal));
            peer.SendTo(options, target);
            Assert.StartsWith("SIP/2.0 200 ", Encoding.UTF8.GetString((await UdpLab.ReceiveAsync(peer, UdpLab.Patience))!), StringComparison.Ordinal);
        }
    }

    private static SipPeer Peer() => new(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 5099), SipTransport.Tcp);

    // What the role answered: a status, or 0 for nothing (a message the parser refuses is never delivered).
    private static int Answer(CallLab lab, string name, Action<SipMessage> deliver)
    {
        if (SipMessage.TryParse(Encoding.UTF8.GetBytes(Rfc4475.Text(name)), false, out var message, out _) != SipParseStatus.Ok)
        {
            return 0;
        }

        var before = lab.Sip.Log.Count;
        deliver(message!);
        var sent = lab.Sip.Log.Skip(before).Where(m => !m.Message.IsRequest).ToList();
        return sent.Count == 0 ? 0 : sent.Last().Message.StatusCode;
    }
}
