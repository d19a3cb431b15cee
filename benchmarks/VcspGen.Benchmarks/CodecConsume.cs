using System;
using System.Runtime.CompilerServices;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>
/// Keeps the JIT from dropping decode work: every field of a decoded packet is folded into an int (a span by its
/// length, an address by port and family), the same fold for the generated and the hand-written packet of a kind.
/// The dispatch handlers add the fold to <c>Sum</c>.
/// </summary>
public static class CodecConsume
{
    /// <summary>Folds a generated JoinRequest's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in JoinRequest p) => (int)p.Challenge + (int)p.Sequence + p.Server.Port + (int)p.Server.Family + p.Name.Length + p.Padding.Length;

    /// <summary>Folds a hand-written JoinRequest's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.JoinRequestPacket p) => (int)p.Challenge + (int)p.Sequence + p.Server.Port + (int)p.Server.Family + p.Name.Length + p.Padding.Length;

    /// <summary>Folds a generated VoiceJoin's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in VoiceJoin p) => (int)p.Challenge + (int)p.Sequence + (int)p.SipPort + (int)p.SipTransport + p.Codecs.Length;

    /// <summary>Folds a hand-written VoiceJoin's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.VoiceJoinPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.SipPort + (int)p.SipTransport + p.Codecs.Length;

    /// <summary>Folds a generated Silent's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Silent p) => (int)p.Challenge + (int)p.Sequence + p.Peer.Port + (int)p.Peer.Family;

    /// <summary>Folds a hand-written Silent's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.SilentPacket p) => (int)p.Challenge + (int)p.Sequence + p.Peer.Port + (int)p.Peer.Family;

    /// <summary>Folds a generated Kick's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Kick p) => (int)p.Challenge + (int)p.Sequence + p.Member.Port + (int)p.Member.Family + p.Reason.Length;

    /// <summary>Folds a hand-written Kick's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.KickPacket p) => (int)p.Challenge + (int)p.Sequence + p.Member.Port + (int)p.Member.Family + p.Reason.Length;

    /// <summary>Folds a generated Syn's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Syn p) => (int)p.Challenge + (int)p.Sequence + (int)p.FragmentOffset + p.Data.Length;

    /// <summary>Folds a hand-written Syn's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.SynPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.FragmentOffset + p.Data.Length;

    /// <summary>Folds a generated Response's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Response p) => (int)p.Challenge + (int)p.Sequence + (int)p.InReplyTo + p.Server.Port + (int)p.Server.Family + p.GroupName.Length;

    /// <summary>Folds a hand-written Response's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.ResponsePacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.InReplyTo + p.Server.Port + (int)p.Server.Family + p.GroupName.Length;

    /// <summary>Folds a generated ResendRequest's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in ResendRequest p) => (int)p.Challenge + (int)p.Sequence + (int)p.Count;

    /// <summary>Folds a hand-written ResendRequest's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.ResendRequestPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.Count;

    /// <summary>Folds a generated Ack's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Ack p) => (int)p.Challenge + (int)p.Sequence + (int)p.RelayNext + (int)p.Window + (int)p.Flags;

    /// <summary>Folds a hand-written Ack's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.AckPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.RelayNext + (int)p.Window + (int)p.Flags;

    /// <summary>Folds a generated Media's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Media p) => (int)p.Challenge + (int)p.Timestamp + (int)p.Source + (int)p.Codec + p.Data.Length;

    /// <summary>Folds a hand-written Media's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.MediaPacket p) => (int)p.Challenge + (int)p.Timestamp + (int)p.Source + (int)p.Codec + p.Data.Length;

    /// <summary>Folds a generated Msg's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Msg p) => (int)p.Challenge + (int)p.Sequence + (int)p.FragmentOffset + p.Sender.Length + p.Data.Length;

    /// <summary>Folds a hand-written Msg's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.MsgPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.FragmentOffset + p.Sender.Length + p.Data.Length;

    /// <summary>Folds a generated Command's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Command p) => (int)p.Challenge + (int)p.Sequence + (int)p.Code + p.Argument.Length;

    /// <summary>Folds a hand-written Command's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.CommandPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.Code + p.Argument.Length;

    /// <summary>Folds a generated CommandReply's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in CommandReply p) => (int)p.Challenge + (int)p.Sequence + (int)p.FragmentOffset + (int)p.Code + (int)p.Status + p.Data.Length;

    /// <summary>Folds a hand-written CommandReply's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.CommandReplyPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.FragmentOffset + (int)p.Code + (int)p.Status + p.Data.Length;

    /// <summary>Folds a generated Ping's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Ping p) => (int)p.Challenge + (int)p.Sequence + (int)p.Timestamp;

    /// <summary>Folds a hand-written Ping's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.PingPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.Timestamp;

    /// <summary>Folds a generated Pong's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Pong p) => (int)p.Challenge + (int)p.Sequence + (int)p.Timestamp;

    /// <summary>Folds a hand-written Pong's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.PongPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.Timestamp;

    /// <summary>Folds a generated Reject's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Reject p) => (int)p.Challenge + (int)p.Sequence + (int)p.Reason + p.Text.Length;

    /// <summary>Folds a hand-written Reject's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.RejectPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.Reason + p.Text.Length;

    /// <summary>Folds a generated CodecReject's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in CodecReject p) => (int)p.Challenge + (int)p.Sequence + (int)p.Reason + p.Codecs.Length;

    /// <summary>Folds a hand-written CodecReject's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.CodecRejectPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.Reason + p.Codecs.Length;

    /// <summary>Folds a generated DirectMessage's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in DirectMessage p) => (int)p.Challenge + (int)p.Sequence + (int)p.FragmentOffset + p.Sender.Length + p.Data.Length;

    /// <summary>Folds a hand-written DirectMessage's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.DirectMessagePacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.FragmentOffset + p.Sender.Length + p.Data.Length;

    /// <summary>Folds a generated Error's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Error p) => (int)p.Challenge + (int)p.Sequence + (int)p.Code + (int)p.Expected + p.Text.Length;

    /// <summary>Folds a hand-written Error's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.ErrorPacket p) => (int)p.Challenge + (int)p.Sequence + (int)p.Code + (int)p.Expected + p.Text.Length;

    /// <summary>Folds a generated VoiceFin's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in VoiceFin p) => (int)p.Challenge;

    /// <summary>Folds a hand-written VoiceFin's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.VoiceFinPacket p) => (int)p.Challenge;

    /// <summary>Folds a generated Fin's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in Fin p) => (int)p.Challenge + (int)p.Sequence;

    /// <summary>Folds a hand-written Fin's fields.</summary>
    /// <param name="p">The packet.</param>
    /// <returns>The fold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(in HandWritten.FinPacket p) => (int)p.Challenge + (int)p.Sequence;

    /// <summary>The generated dispatcher's handler: folds every packet into <see cref="Sum"/>.</summary>
    public struct GeneratedHandler : IVcspPacketHandler
    {
        /// <summary>The folds so far.</summary>
        public long Sum;

        public void OnJoinRequest(in JoinRequest packet) => Sum += CodecConsume.Of(in packet);

        public void OnVoiceJoin(in VoiceJoin packet) => Sum += CodecConsume.Of(in packet);

        public void OnSilent(in Silent packet) => Sum += CodecConsume.Of(in packet);

        public void OnKick(in Kick packet) => Sum += CodecConsume.Of(in packet);

        public void OnSyn(in Syn packet) => Sum += CodecConsume.Of(in packet);

        public void OnResponse(in Response packet) => Sum += CodecConsume.Of(in packet);

        public void OnResendRequest(in ResendRequest packet) => Sum += CodecConsume.Of(in packet);

        public void OnAck(in Ack packet) => Sum += CodecConsume.Of(in packet);

        public void OnMedia(in Media packet) => Sum += CodecConsume.Of(in packet);

        public void OnMsg(in Msg packet) => Sum += CodecConsume.Of(in packet);

        public void OnCommand(in Command packet) => Sum += CodecConsume.Of(in packet);

        public void OnCommandReply(in CommandReply packet) => Sum += CodecConsume.Of(in packet);

        public void OnPing(in Ping packet) => Sum += CodecConsume.Of(in packet);

        public void OnPong(in Pong packet) => Sum += CodecConsume.Of(in packet);

        public void OnReject(in Reject packet) => Sum += CodecConsume.Of(in packet);

        public void OnCodecReject(in CodecReject packet) => Sum += CodecConsume.Of(in packet);

        public void OnDirectMessage(in DirectMessage packet) => Sum += CodecConsume.Of(in packet);

        public void OnError(in Error packet) => Sum += CodecConsume.Of(in packet);

        public void OnVoiceFin(in VoiceFin packet) => Sum += CodecConsume.Of(in packet);

        public void OnFin(in Fin packet) => Sum += CodecConsume.Of(in packet);
    }

    /// <summary>The hand-written dispatch's handler: folds every packet into <see cref="Sum"/>, counts refusals.</summary>
    public struct HandWrittenHandler : IHandWrittenHandler
    {
        /// <summary>The folds so far.</summary>
        public long Sum;

        /// <summary>Refused datagrams.</summary>
        public int Refused;

        public void OnJoinRequest(in HandWritten.JoinRequestPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnVoiceJoin(in HandWritten.VoiceJoinPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnSilent(in HandWritten.SilentPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnKick(in HandWritten.KickPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnSyn(in HandWritten.SynPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnResponse(in HandWritten.ResponsePacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnResendRequest(in HandWritten.ResendRequestPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnAck(in HandWritten.AckPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnMedia(in HandWritten.MediaPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnMsg(in HandWritten.MsgPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnCommand(in HandWritten.CommandPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnCommandReply(in HandWritten.CommandReplyPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnPing(in HandWritten.PingPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnPong(in HandWritten.PongPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnReject(in HandWritten.RejectPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnCodecReject(in HandWritten.CodecRejectPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnDirectMessage(in HandWritten.DirectMessagePacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnError(in HandWritten.ErrorPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnVoiceFin(in HandWritten.VoiceFinPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnFin(in HandWritten.FinPacket packet) => Sum += CodecConsume.Of(in packet);

        public void OnRefused(ReadOnlySpan<byte> datagram) => Refused++;
    }
}
