using System;
using VcspGen.Spec;

namespace VcspGen.Fuzz;

/// <summary>
/// The generated flag dispatch over every VCSP packet kind (spec/VcspGen.Spec): the input is one datagram. Dispatch
/// never throws, calls the handler at most once and only with Ok, and what it accepted re-encodes to the same bytes
/// (the encoding is canonical, PROTOCOL.md §8).
/// </summary>
internal static class DispatchTarget
{
    private static readonly byte[] Output = new byte[VcspWire.MediaDatagramLimit];

    public static void Run(byte[] input)
    {
        var handler = new ReencodingHandler(Output);
        var status = VcspPacketDispatcher.Dispatch(input, ref handler);
        FuzzInvariantException.Check(handler.Calls == (status == VcspDecodeStatus.Ok ? 1 : 0), $"dispatch returned {status} after {handler.Calls} handler call(s)");
        if (status != VcspDecodeStatus.Ok)
        {
            return;
        }

        FuzzInvariantException.Check(handler.Encode == VcspEncodeStatus.Ok, $"{handler.Kind} decoded but does not encode: {handler.Encode}");
        FuzzInvariantException.Check(Output.AsSpan(0, handler.Length).SequenceEqual(input), $"{handler.Kind} decoded but re-encodes to other bytes");
    }

    private struct ReencodingHandler(byte[] output) : IVcspPacketHandler
    {
        public int Calls { get; private set; }

        public string? Kind { get; private set; }

        public VcspEncodeStatus Encode { get; private set; }

        public int Length { get; private set; }

        private void Took(string kind, VcspEncodeStatus status, int length)
        {
            Calls++;
            Kind = kind;
            Encode = status;
            Length = length;
        }

        public void OnJoinRequest(in JoinRequest packet) => Took(nameof(JoinRequest), packet.TryEncode(output, out var n), n);

        public void OnVoiceJoin(in VoiceJoin packet) => Took(nameof(VoiceJoin), packet.TryEncode(output, out var n), n);

        public void OnSilent(in Silent packet) => Took(nameof(Silent), packet.TryEncode(output, out var n), n);

        public void OnKick(in Kick packet) => Took(nameof(Kick), packet.TryEncode(output, out var n), n);

        public void OnSyn(in Syn packet) => Took(nameof(Syn), packet.TryEncode(output, out var n), n);

        public void OnResponse(in Response packet) => Took(nameof(Response), packet.TryEncode(output, out var n), n);

        public void OnResendRequest(in ResendRequest packet) => Took(nameof(ResendRequest), packet.TryEncode(output, out var n), n);

        public void OnAck(in Ack packet) => Took(nameof(Ack), packet.TryEncode(output, out var n), n);

        public void OnMedia(in Media packet) => Took(nameof(Media), packet.TryEncode(output, out var n), n);

        public void OnMsg(in Msg packet) => Took(nameof(Msg), packet.TryEncode(output, out var n), n);

        public void OnCommand(in Command packet) => Took(nameof(Command), packet.TryEncode(output, out var n), n);

        public void OnCommandReply(in CommandReply packet) => Took(nameof(CommandReply), packet.TryEncode(output, out var n), n);

        public void OnPing(in Ping packet) => Took(nameof(Ping), packet.TryEncode(output, out var n), n);

        public void OnPong(in Pong packet) => Took(nameof(Pong), packet.TryEncode(output, out var n), n);

        public void OnReject(in Reject packet) => Took(nameof(Reject), packet.TryEncode(output, out var n), n);

        public void OnCodecReject(in CodecReject packet) => Took(nameof(CodecReject), packet.TryEncode(output, out var n), n);

        public void OnDirectMessage(in DirectMessage packet) => Took(nameof(DirectMessage), packet.TryEncode(output, out var n), n);

        public void OnError(in Error packet) => Took(nameof(Error), packet.TryEncode(output, out var n), n);

        public void OnVoiceFin(in VoiceFin packet) => Took(nameof(VoiceFin), packet.TryEncode(output, out var n), n);

        public void OnFin(in Fin packet) => Took(nameof(Fin), packet.TryEncode(output, out var n), n);
    }
}
