using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using VcspGen;
using VcspGen.Spec;

namespace Vcsp.Cli;

/// <summary>
/// Writes a decoded packet's kind and fields into a JSON object that is open on <paramref name="writer"/>: numbers as
/// numbers, enumerations and addresses as their names, text fields as strings (the datagram's UTF-8, JSON-escaped).
/// </summary>
internal readonly struct DecodeJson(Utf8JsonWriter writer) : IVcspPacketHandler
{
    private void Kind(string kind)
    {
        writer.WriteString("kind", kind);
        writer.WriteStartObject("fields");
    }

    private void End() => writer.WriteEndObject();

    private void Text(string name, ReadOnlySpan<byte> bytes) => writer.WriteString(name, Encoding.UTF8.GetString(bytes));

    private void Codecs(string name, ReadOnlySpan<byte> codecs)
    {
        writer.WriteStartArray(name);
        foreach (var codec in codecs)
        {
            writer.WriteStringValue(CodecNames.Describe([codec]));
        }

        writer.WriteEndArray();
    }

    public void OnJoinRequest(in JoinRequest p)
    {
        Kind(nameof(JoinRequest));
        writer.WriteNumber("sequence", p.Sequence);
        writer.WriteString("server", p.Server.ToString());
        Text("name", p.Name);
        End();
    }

    public void OnResponse(in Response p)
    {
        Kind(nameof(Response));
        writer.WriteString("inReplyTo", p.InReplyTo.ToString());
        writer.WriteNumber("challenge", p.Challenge);
        writer.WriteNumber("sequence", p.Sequence);
        writer.WriteString("server", p.Server.ToString());
        Text("groupName", p.GroupName);
        End();
    }

    public void OnReject(in Reject p)
    {
        Kind(nameof(Reject));
        writer.WriteString("reason", p.Reason.ToString());
        Text("text", p.Text);
        End();
    }

    public void OnSyn(in Syn p)
    {
        Kind(nameof(Syn));
        writer.WriteNumber("challenge", p.Challenge);
        writer.WriteNumber("sequence", p.Sequence);
        writer.WriteNumber("fragmentOffset", p.FragmentOffset);
        Text("data", p.Data);
        End();
    }

    public void OnMsg(in Msg p)
    {
        Kind(nameof(Msg));
        writer.WriteNumber("sequence", p.Sequence);
        writer.WriteNumber("fragmentOffset", p.FragmentOffset);
        Text("sender", p.Sender);
        Text("data", p.Data);
        End();
    }

    public void OnError(in Error p)
    {
        Kind(nameof(Error));
        writer.WriteString("code", p.Code.ToString());
        writer.WriteNumber("expected", p.Expected);
        Text("text", p.Text);
        End();
    }

    public void OnResendRequest(in ResendRequest p)
    {
        Kind(nameof(ResendRequest));
        writer.WriteNumber("sequence", p.Sequence);
        writer.WriteNumber("count", p.Count);
        End();
    }

    public void OnAck(in Ack p)
    {
        Kind(nameof(Ack));
        writer.WriteNumber("sequence", p.Sequence);
        writer.WriteNumber("relayNext", p.RelayNext);
        writer.WriteNumber("window", p.Window);
        writer.WriteString("flags", p.Flags.ToString());
        End();
    }

    public void OnFin(in Fin p)
    {
        Kind(nameof(Fin));
        writer.WriteNumber("challenge", p.Challenge);
        writer.WriteNumber("sequence", p.Sequence);
        End();
    }

    public void OnDirectMessage(in DirectMessage p)
    {
        Kind(nameof(DirectMessage));
        writer.WriteNumber("challenge", p.Challenge);
        writer.WriteNumber("sequence", p.Sequence);
        Text("sender", p.Sender);
        Text("data", p.Data);
        End();
    }

    public void OnSilent(in Silent p)
    {
        Kind(nameof(Silent));
        writer.WriteNumber("challenge", p.Challenge);
        writer.WriteNumber("sequence", p.Sequence);
        writer.WriteString("peer", p.Peer.ToString());
        End();
    }

    public void OnKick(in Kick p)
    {
        Kind(nameof(Kick));
        writer.WriteString("member", p.Member.ToString());
        Text("reason", p.Reason);
        End();
    }

    public void OnCommand(in Command p)
    {
        Kind(nameof(Command));
        writer.WriteString("code", p.Code.ToString());
        Text("argument", p.Argument);
        End();
    }

    public void OnCommandReply(in CommandReply p)
    {
        Kind(nameof(CommandReply));
        writer.WriteString("code", p.Code.ToString());
        writer.WriteString("status", p.Status.ToString());
        Text("data", p.Data);
        End();
    }

    public void OnPing(in Ping p)
    {
        Kind(nameof(Ping));
        writer.WriteNumber("timestamp", p.Timestamp);
        End();
    }

    public void OnPong(in Pong p)
    {
        Kind(nameof(Pong));
        writer.WriteNumber("timestamp", p.Timestamp);
        End();
    }

    public void OnVoiceJoin(in VoiceJoin p)
    {
        Kind(nameof(VoiceJoin));
        writer.WriteNumber("sipPort", p.SipPort);
        writer.WriteString("sipTransport", p.SipTransport.ToString());
        Codecs("codecs", p.Codecs);
        End();
    }

    public void OnCodecReject(in CodecReject p)
    {
        Kind(nameof(CodecReject));
        writer.WriteString("reason", p.Reason.ToString());
        Codecs("codecs", p.Codecs);
        End();
    }

    public void OnVoiceFin(in VoiceFin p)
    {
        Kind(nameof(VoiceFin));
        writer.WriteNumber("challenge", p.Challenge);
        End();
    }

    public void OnMedia(in Media p)
    {
        Kind(nameof(Media));
        writer.WriteNumber("challenge", p.Challenge);
        writer.WriteNumber("source", p.Source);
        writer.WriteNumber("timestamp", p.Timestamp);
        writer.WriteString("codec", CodecNames.Describe([p.Codec]));
        writer.WriteNumber("dataLength", p.Data.Length);
        End();
    }
}
