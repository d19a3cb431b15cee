using System;

namespace VcspGen.Benchmarks;

/// <summary>A hand-written dispatch's handler: one method per packet kind, and one for every refused datagram.</summary>
public interface IHandWrittenHandler
{
    /// <summary>A valid JoinRequest.</summary>
    /// <param name="packet">The packet.</param>
    void OnJoinRequest(in HandWritten.JoinRequestPacket packet);

    /// <summary>A valid VoiceJoin.</summary>
    /// <param name="packet">The packet.</param>
    void OnVoiceJoin(in HandWritten.VoiceJoinPacket packet);

    /// <summary>A valid Silent.</summary>
    /// <param name="packet">The packet.</param>
    void OnSilent(in HandWritten.SilentPacket packet);

    /// <summary>A valid Kick.</summary>
    /// <param name="packet">The packet.</param>
    void OnKick(in HandWritten.KickPacket packet);

    /// <summary>A valid Syn.</summary>
    /// <param name="packet">The packet.</param>
    void OnSyn(in HandWritten.SynPacket packet);

    /// <summary>A valid Response.</summary>
    /// <param name="packet">The packet.</param>
    void OnResponse(in HandWritten.ResponsePacket packet);

    /// <summary>A valid ResendRequest.</summary>
    /// <param name="packet">The packet.</param>
    void OnResendRequest(in HandWritten.ResendRequestPacket packet);

    /// <summary>A valid Ack.</summary>
    /// <param name="packet">The packet.</param>
    void OnAck(in HandWritten.AckPacket packet);

    /// <summary>A valid Media.</summary>
    /// <param name="packet">The packet.</param>
    void OnMedia(in HandWritten.MediaPacket packet);

    /// <summary>A valid Msg.</summary>
    /// <param name="packet">The packet.</param>
    void OnMsg(in HandWritten.MsgPacket packet);

    /// <summary>A valid Command.</summary>
    /// <param name="packet">The packet.</param>
    void OnCommand(in HandWritten.CommandPacket packet);

    /// <summary>A valid CommandReply.</summary>
    /// <param name="packet">The packet.</param>
    void OnCommandReply(in HandWritten.CommandReplyPacket packet);

    /// <summary>A valid Ping.</summary>
    /// <param name="packet">The packet.</param>
    void OnPing(in HandWritten.PingPacket packet);

    /// <summary>A valid Pong.</summary>
    /// <param name="packet">The packet.</param>
    void OnPong(in HandWritten.PongPacket packet);

    /// <summary>A valid Reject.</summary>
    /// <param name="packet">The packet.</param>
    void OnReject(in HandWritten.RejectPacket packet);

    /// <summary>A valid CodecReject.</summary>
    /// <param name="packet">The packet.</param>
    void OnCodecReject(in HandWritten.CodecRejectPacket packet);

    /// <summary>A valid DirectMessage.</summary>
    /// <param name="packet">The packet.</param>
    void OnDirectMessage(in HandWritten.DirectMessagePacket packet);

    /// <summary>A valid Error.</summary>
    /// <param name="packet">The packet.</param>
    void OnError(in HandWritten.ErrorPacket packet);

    /// <summary>A valid VoiceFin.</summary>
    /// <param name="packet">The packet.</param>
    void OnVoiceFin(in HandWritten.VoiceFinPacket packet);

    /// <summary>A valid Fin.</summary>
    /// <param name="packet">The packet.</param>
    void OnFin(in HandWritten.FinPacket packet);

    /// <summary>A datagram that is too short for a flag, has an unknown flag, or is not a valid packet of its flag's kind.</summary>
    /// <param name="datagram">The datagram.</param>
    void OnRefused(ReadOnlySpan<byte> datagram);
}

/// <summary>The hand-written dispatch: a switch on the flag over every kind's hand-written decoder.</summary>
public static partial class HandWritten
{
    /// <summary>
    /// Decodes <paramref name="datagram"/> by its flag (header byte 1, in both layouts) and hands the packet to
    /// <paramref name="handler"/>, or tells it the datagram was refused.
    /// </summary>
    /// <typeparam name="THandler">The handler, a struct so that its calls are direct.</typeparam>
    /// <param name="datagram">The datagram.</param>
    /// <param name="handler">The handler.</param>
    /// <returns>Whether a packet was handled.</returns>
    public static bool Dispatch<THandler>(ReadOnlySpan<byte> datagram, ref THandler handler)
        where THandler : struct, IHandWrittenHandler
    {
        if (datagram.Length < 2)
        {
            handler.OnRefused(datagram);
            return false;
        }

        switch (datagram[1])
        {
            case JoinRequestFlag:
                if (TryDecodeJoinRequest(datagram, out var joinRequest))
                {
                    handler.OnJoinRequest(in joinRequest);
                    return true;
                }

                break;
            case VoiceJoinFlag:
                if (TryDecodeVoiceJoin(datagram, out var voiceJoin))
                {
                    handler.OnVoiceJoin(in voiceJoin);
                    return true;
                }

                break;
            case SilentFlag:
                if (TryDecodeSilent(datagram, out var silent))
                {
                    handler.OnSilent(in silent);
                    return true;
                }

                break;
            case KickFlag:
                if (TryDecodeKick(datagram, out var kick))
                {
                    handler.OnKick(in kick);
                    return true;
                }

                break;
            case SynFlag:
                if (TryDecodeSyn(datagram, out var syn))
                {
                    handler.OnSyn(in syn);
                    return true;
                }

                break;
            case ResponseFlag:
                if (TryDecodeResponse(datagram, out var response))
                {
                    handler.OnResponse(in response);
                    return true;
                }

                break;
            case ResendRequestFlag:
                if (TryDecodeResendRequest(datagram, out var resendRequest))
                {
                    handler.OnResendRequest(in resendRequest);
                    return true;
                }

                break;
            case AckFlag:
                if (TryDecodeAck(datagram, out var ack))
                {
                    handler.OnAck(in ack);
                    return true;
                }

                break;
            case MediaFlag:
                if (TryDecodeMedia(datagram, out var media))
                {
                    handler.OnMedia(in media);
                    return true;
                }

                break;
            case MsgFlag:
                if (TryDecodeMsg(datagram, out var msg))
                {
                    handler.OnMsg(in msg);
                    return true;
                }

                break;
            case CommandFlag:
                if (TryDecodeCommand(datagram, out var command))
                {
                    handler.OnCommand(in command);
                    return true;
                }

                break;
            case CommandReplyFlag:
                if (TryDecodeCommandReply(datagram, out var commandReply))
                {
                    handler.OnCommandReply(in commandReply);
                    return true;
                }

                break;
            case PingFlag:
                if (TryDecodePing(datagram, out var ping))
                {
                    handler.OnPing(in ping);
                    return true;
                }

                break;
            case PongFlag:
                if (TryDecodePong(datagram, out var pong))
                {
                    handler.OnPong(in pong);
                    return true;
                }

                break;
            case RejectFlag:
                if (TryDecodeReject(datagram, out var reject))
                {
                    handler.OnReject(in reject);
                    return true;
                }

                break;
            case CodecRejectFlag:
                if (TryDecodeCodecReject(datagram, out var codecReject))
                {
                    handler.OnCodecReject(in codecReject);
                    return true;
                }

                break;
            case DirectMessageFlag:
                if (TryDecodeDirectMessage(datagram, out var directMessage))
                {
                    handler.OnDirectMessage(in directMessage);
                    return true;
                }

                break;
            case ErrorFlag:
                if (TryDecodeError(datagram, out var error))
                {
                    handler.OnError(in error);
                    return true;
                }

                break;
            case VoiceFinFlag:
                if (TryDecodeVoiceFin(datagram, out var voiceFin))
                {
                    handler.OnVoiceFin(in voiceFin);
                    return true;
                }

                break;
            case FinFlag:
                if (TryDecodeFin(datagram, out var fin))
                {
                    handler.OnFin(in fin);
                    return true;
                }

                break;
        }

        handler.OnRefused(datagram);
        return false;
    }
}
