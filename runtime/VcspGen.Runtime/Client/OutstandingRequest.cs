using System;
using VcspGen.Spec;

namespace VcspGen.Runtime;

/// <summary>
/// A session's one outstanding request (PROTOCOL.md §11.1): the join, the FIN or a command, held encoded and
/// retransmitted on the request schedule until answered; for a command, its reply put together from its fragments.
/// </summary>
internal sealed class OutstandingRequest
{
    private readonly ServerLink _link;
    private readonly IClientEvents _events;
    private readonly byte[] _messageBuffer;
    private readonly byte[] _request = new byte[VcspWire.TextDatagramLimit];
    private readonly MessageReassembly _reply = new(VcspWire.TextPayloadLimit - 2);
    private RetransmitSchedule _schedule;
    private int _length;
    private uint _nextRequestId = SecureRandom.Sequence();
    private uint? _commandId;
    private CommandCode _command;

    /// <summary>Creates the request slot.</summary>
    /// <param name="link">The way to the server.</param>
    /// <param name="events">Where a command's reply is reported.</param>
    /// <param name="messageBuffer">Where a fragmented reply is put together: room for the longest.</param>
    public OutstandingRequest(ServerLink link, IClientEvents events, byte[] messageBuffer)
    {
        _link = link;
        _events = events;
        _messageBuffer = messageBuffer;
    }

    /// <summary>Whether a request is outstanding.</summary>
    public bool IsOutstanding => _schedule.IsRunning;

    /// <summary>The command whose reply is awaited (the one sent last, until its whole reply came), or null.</summary>
    public CommandCode? AwaitedCommand => _commandId is not null ? _command : null;

    /// <summary>Sends <paramref name="packet"/> (a join or a FIN), retransmitted until <see cref="Stop"/>.</summary>
    /// <typeparam name="T">The packet kind.</typeparam>
    /// <param name="packet">The request.</param>
    public void Start<T>(in T packet)
        where T : IVcspPacket<T>, allows ref struct
    {
        if (!_link.SendAndKeep(packet, _request, out _length))
        {
            _schedule.Stop(); // nothing outstanding: callers check the arguments, so this does not happen
            return;
        }

        _schedule.Start(_link.Retry, _link.Time);
    }

    /// <summary>Sends a command under a fresh request id; <see cref="IClientEvents.OnCommandReply"/> reports the whole reply.</summary>
    /// <param name="command">The command.</param>
    /// <param name="argument">Its argument, at most 32 bytes.</param>
    public void StartCommand(CommandCode command, ReadOnlySpan<byte> argument)
    {
        var id = _nextRequestId;
        _commandId = id;
        _command = command;
        _nextRequestId = unchecked(_nextRequestId + 256); // room for the reply's fragment numbering
        _reply.Reset();
        Start(new Command { Challenge = _link.Challenge, Sequence = id, Code = command, Argument = argument });
    }

    /// <summary>The request was answered, or the session ended: no more retransmissions.</summary>
    public void Stop() => _schedule.Stop();

    /// <summary>Retransmits the request when due.</summary>
    /// <returns>False when the last try went unanswered: the request has failed.</returns>
    public bool Poll()
    {
        switch (_schedule.Poll(_link.Time))
        {
            case RetryStep.Send:
                _link.Forward(_request.AsSpan(0, _length));
                return true;
            case RetryStep.GiveUp:
                return false;
            default:
                return true;
        }
    }

    /// <summary>How long until <see cref="Poll"/> has work, or null when nothing is outstanding.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan? Delay() => _schedule.Delay(_link.Time);

    /// <summary>A fragment of the awaited command's reply (the caller checked <see cref="AwaitedCommand"/>), or all of it.</summary>
    /// <param name="reply">The CommandReply.</param>
    public void OnCommandReply(in CommandReply reply)
    {
        var id = _commandId!.Value;
        if (reply.FragmentOffset == VcspWire.WholeMessage)
        {
            if (reply.Sequence == id)
            {
                EndCommand(reply.Status, reply.Data);
            }

            return;
        }

        if (!_reply.IsOpen)
        {
            _reply.Open(id);
        }

        if (_reply.Add(reply.Sequence, reply.FragmentOffset, reply.Data) == ReassemblyResult.Complete)
        {
            var length = _reply.CopyTo(_messageBuffer);
            _reply.Reset();
            EndCommand(reply.Status, _messageBuffer.AsSpan(0, length));
        }
    }

    private void EndCommand(CommandStatus status, ReadOnlySpan<byte> data)
    {
        _commandId = null;
        _schedule.Stop();
        _events.OnCommandReply(_command, status, data);
    }
}
