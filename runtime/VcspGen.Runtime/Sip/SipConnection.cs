using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace VcspGen.Runtime.Sip;

/// <summary>One TCP connection: its socket, the endpoint it is keyed by, and the queue of bytes to write.</summary>
internal sealed class SipConnection(Socket socket, IPEndPoint peer)
{
    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private long _queuedBytes;
    private int _closed;

    public Socket Socket { get; } = socket;

    public IPEndPoint Peer { get; } = peer;

    /// <summary>Whether this side opened it (set under the transport's lock, before it starts).</summary>
    public bool Outbound { get; set; }

    /// <summary>Whether it still counts against its bound (false once evicted; under the transport's lock).</summary>
    public bool Counted { get; set; }

    /// <summary>When it was accepted, as a sequence number (the oldest silent one is evicted first).</summary>
    public long Order { get; set; }

    /// <summary>Whether a whole message has arrived on it.</summary>
    public bool HasSpoken
    {
        get => Volatile.Read(ref _spoken) != 0;
        set => Volatile.Write(ref _spoken, value ? 1 : 0);
    }

    private int _spoken;

    /// <summary>The connection's life (connect, read, write, close); set under the endpoint's lock.</summary>
    public Task Task { get; set; } = Task.CompletedTask;

    public ChannelReader<byte[]> Queue => _queue.Reader;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public bool TryEnqueue(byte[] bytes)
    {
        if (Interlocked.Add(ref _queuedBytes, bytes.Length) <= SipEndpoint.MaxQueuedBytes && _queue.Writer.TryWrite(bytes))
        {
            return true;
        }

        Interlocked.Add(ref _queuedBytes, -bytes.Length);
        return false;
    }

    public bool TryDequeue(out byte[] bytes)
    {
        if (_queue.Reader.TryRead(out bytes!))
        {
            Interlocked.Add(ref _queuedBytes, -bytes.Length);
            return true;
        }

        return false;
    }

    /// <summary>Closes the queue to new bytes; the writer ends once it has written what waits there.</summary>
    public void EndQueue() => _queue.Writer.TryComplete();

    /// <summary>Closes the queue to new bytes and the socket; false when closed already.</summary>
    public bool TryClose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }

        _queue.Writer.TryComplete();
        Socket.Dispose();
        return true;
    }
}
