using System;
using VcspGen.Spec;

namespace VcspGen.Tests;

/// <summary>
/// A dispatch handler that re-encodes every packet it receives into <see cref="Output"/>, so tests can check that
/// dispatch decoded the right kind and that decode followed by encode gives back the datagram. Allocates nothing
/// per packet: <see cref="Output"/> is allocated once.
/// </summary>
internal struct RecordingHandler : IVcspPacketHandler
{
    public RecordingHandler()
    {
    }

    public byte[] Output { get; } = new byte[VcspWire.MediaDatagramLimit];

    public int Calls { get; private set; }

    public string? LastPacket { get; private set; }

    public VcspEncodeStatus LastEncode { get; private set; }

    public int LastLength { get; private set; }

    public readonly ReadOnlySpan<byte> LastDatagram => Output.AsSpan(0, LastLength);

    private void Record(string name, VcspEncodeStatus status, int length)
    {
        Calls++;
        LastPacket = name;
        LastEncode = status;
        LastLength = length;
    }

    public void OnJoinRequest(in JoinRequest packet) => Record(nameof(JoinRequest), packet.TryEncode(Output, out var n), n);

    public void OnResponse(in Response packet) => Record(nameof(Response), packet.TryEncode(Output, out var n), n);

    public void OnReject(in Reject packet) => Record(nameof(Reject), packet.TryEncode(Output, out var n), n);

    public void OnSyn(in Syn packet) => Record(nameof(Syn), packet.TryEncode(Output, out var n), n);

    public void OnMsg(in Msg packet) => Record(nameof(Msg), packet.TryEncode(Output, out var n), n);

    public void OnError(in Error packet) => Record(nameof(Error), packet.TryEncode(Output, out var n), n);

    public void OnResendRequest(in ResendRequest packet) => Record(nameof(ResendRequest), packet.TryEncode(Output, out var n), n);

    public void OnAck(in Ack packet) => Record(nameof(Ack), packet.TryEncode(Output, out var n), n);

    public void OnFin(in Fin packet) => Record(nameof(Fin), packet.TryEncode(Output, out var n), n);

    public void OnDirectMessage(in DirectMessage packet) => Record(nameof(DirectMessage), packet.TryEncode(Output, out var n), n);

    public void OnSilent(in Silent packet) => Record(nameof(Silent), packet.TryEncode(Output, out var n), n);

    public void OnKick(in Kick packet) => Record(nameof(Kick), packet.TryEncode(Output, out var n), n);

    public void OnCommand(in Command packet) => Record(nameof(Command), packet.TryEncode(Output, out var n), n);

    public void OnCommandReply(in CommandReply packet) => Record(nameof(CommandReply), packet.TryEncode(Output, out var n), n);

    public void OnPing(in Ping packet) => Record(nameof(Ping), packet.TryEncode(Output, out var n), n);

    public void OnPong(in Pong packet) => Record(nameof(Pong), packet.TryEncode(Output, out var n), n);

    public void OnVoiceJoin(in VoiceJoin packet) => Record(nameof(VoiceJoin), packet.TryEncode(Output, out var n), n);

    public void OnCodecReject(in CodecReject packet) => Record(nameof(CodecReject), packet.TryEncode(Output, out var n), n);

    public void OnVoiceFin(in VoiceFin packet) => Record(nameof(VoiceFin), packet.TryEncode(Output, out var n), n);

    public void OnMedia(in Media packet) => Record(nameof(Media), packet.TryEncode(Output, out var n), n);
}
