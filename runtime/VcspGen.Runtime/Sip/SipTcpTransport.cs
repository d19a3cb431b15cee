using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using VcspGen.Spec;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// The TCP half of a <see cref="SipEndpoint"/> (RFC 3261 §18): the listener's accept loop, connections keyed by the
/// remote endpoint (an accepted one by its remote endpoint, one this side opens by its destination), each with a
/// write queue and a reader that frames messages through <see cref="SipStreamFramer"/>. At most
/// <see cref="SipEndpoint.MaxConnections"/> accepted connections at once, more are refused and counted; and as many
/// opened by this side, counted apart, so that idle connections from anyone never stop this side from calling out
/// (the server's INVITE to a member over TCP). An accepted connection that has sent no whole message within
/// <see cref="SipEndpoint.FirstMessageTimeout"/> is closed, and when the accepted ones are at their bound, a new one
/// evicts the oldest of those that have sent nothing yet (it is refused only when every one has spoken). A stream that cannot be framed any further ends the
/// connection after what was answered to the messages before it has been written.
/// </summary>
internal sealed partial class SipTcpTransport(SipEndpoint endpoint, Socket listener, ILogger logger)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AcceptRetry = TimeSpan.FromMilliseconds(50);

    private readonly SipEndpoint _endpoint = endpoint;
    private readonly Socket _listener = listener;
    private readonly ILogger _logger = logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<IPEndPoint, SipConnection> _byPeer = [];
    private readonly HashSet<SipConnection> _live = [];
    private bool _stopping;
    private long _refused;
    private int _accepted;
    private int _opened;
    private long _order;
    private long _evicted;

    /// <summary>Silent accepted connections closed to make room for a new one.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Connections accepted and closed at once because <see cref="SipEndpoint.MaxConnections"/> were open.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Sends <paramref name="bytes"/> on the connection keyed by <paramref name="destination"/>, or a new one to it.</summary>
    public void Send(byte[] bytes, IPEndPoint destination) => SendOnConnection(bytes, destination);

    /// <summary>Closes every connection now (disposal).</summary>
    public void CloseAll()
    {
        SipConnection[] open;
        lock (_gate)
        {
            _stopping = true;
            open = [.. _live];
        }

        foreach (var connection in open)
        {
            Close(connection);
        }
    }


    private void SendOnConnection(byte[] bytes, IPEndPoint destination)
    {
        SipConnection? connection;
        string? refusal = null;
        lock (_gate)
        {
            if (!_byPeer.TryGetValue(destination, out connection))
            {
                if (_stopping)
                {
                    refusal = "the endpoint has stopped";
                }
                else if (_opened >= SipEndpoint.MaxConnections)
                {
                    refusal = "too many connections";
                }
                else
                {
                    try
                    {
                        connection = new SipConnection(new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp), destination);
                        Register(connection, outbound: true);
                    }
                    catch (SocketException e)
                    {
                        refusal = e.Message;
                    }
                }
            }
        }

        if (connection is null)
        {
            _endpoint.CountSendFailure(destination, SipTransport.Tcp, refusal!);
        }
        else if (!connection.TryEnqueue(bytes))
        {
            _endpoint.CountSendFailure(destination, SipTransport.Tcp, connection.IsClosed ? "the connection is closed" : "the connection's queue is full");
        }
    }

    /// <summary>Registers a connection under its peer and starts it; called under the lock.</summary>
    private void Register(SipConnection connection, bool outbound)
    {
        _byPeer[connection.Peer] = connection; // a newer connection from the same endpoint takes the key over
        _live.Add(connection);
        connection.Outbound = outbound;
        connection.Counted = true;
        if (outbound)
        {
            _opened++;
        }
        else
        {
            _accepted++;
        }

        // Task.Run, so that the connection starts after the lock is released, and its task is known before.
        connection.Task = Task.Run(() => RunConnectionAsync(connection, outbound));
    }

    private async Task RunConnectionAsync(SipConnection connection, bool outbound)
    {
        try
        {
            if (outbound && !await ConnectAsync(connection).ConfigureAwait(false))
            {
                return;
            }

            using var stream = new NetworkStream(connection.Socket, ownsSocket: false);
            var writing = WriteLoopAsync(connection, stream);
            var remoteClosed = false;
            try
            {
                // A connection opened before RunAsync waits for the callback to exist before it is read from.
                await _endpoint.Started.WaitAsync(_endpoint.StopToken).ConfigureAwait(false);
                remoteClosed = await ReadLoopAsync(connection, stream, outbound).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                LogConnectionEnded(_logger, connection.Peer, e.Message);
            }
            finally
            {
                if (remoteClosed)
                {
                    // The remote has finished sending, or sent what cannot be framed: what the callback answered to its
                    // last messages is still written, then the connection closes. New messages to that endpoint open a
                    // new connection.
                    Unregister(connection);
                    connection.EndQueue();
                }
                else
                {
                    Close(connection);
                }

                await writing.ConfigureAwait(false);
            }
        }
        finally
        {
            Close(connection);
            lock (_gate)
            {
                if (_live.Remove(connection) && connection.Counted)
                {
                    _ = connection.Outbound ? _opened-- : _accepted--;
                }
            }
        }
    }

    private async Task<bool> ConnectAsync(SipConnection connection)
    {
        try
        {
            var local = _endpoint.LocalEndPoint.Address;
            if (local.AddressFamily == connection.Peer.AddressFamily && !local.Equals(IPAddress.Any) && !local.Equals(IPAddress.IPv6Any))
            {
                connection.Socket.Bind(new IPEndPoint(local, 0)); // leave from the address we are bound to
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_endpoint.StopToken);
            timeout.CancelAfter(ConnectTimeout);
            await connection.Socket.ConnectAsync(connection.Peer, timeout.Token).ConfigureAwait(false);
            connection.Socket.NoDelay = true;
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogConnectFailed(_logger, connection.Peer, e.Message);
            return false; // closing the connection counts the messages waiting in its queue as failures
        }
    }

    private async Task WriteLoopAsync(SipConnection connection, NetworkStream stream)
    {
        try
        {
            while (await connection.Queue.WaitToReadAsync().ConfigureAwait(false))
            {
                while (connection.TryDequeue(out var bytes))
                {
                    try
                    {
                        await stream.WriteAsync(bytes).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                    {
                        _endpoint.CountSendFailure(connection.Peer, SipTransport.Tcp, e.Message);
                        return;
                    }
                }
            }
        }
        finally
        {
            Close(connection);
        }
    }

    /// <summary>
    /// Reads and delivers messages; true when the remote closed its side or sent what cannot be framed (the answers
    /// already queued are still written), and an exception when stopped, reset, or silent too long (an accepted
    /// connection without a whole message within <see cref="SipEndpoint.FirstMessageTimeout"/>).
    /// </summary>
    private async Task<bool> ReadLoopAsync(SipConnection connection, NetworkStream stream, bool outbound)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(_endpoint.StopToken);
        if (!outbound)
        {
            silence.CancelAfter(_endpoint.FirstMessageTimeout);
        }

        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(silence.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                SipParseStatus status;
                while ((status = SipStreamFramer.Next(ref buffer, out var message)) == SipParseStatus.Ok)
                {
                    silence.CancelAfter(Timeout.InfiniteTimeSpan); // a peer that speaks SIP: no more limit on its silence
                    connection.HasSpoken = true;
                    _endpoint.Deliver(message!, new SipPeer(connection.Peer, SipTransport.Tcp));
                }

                var left = buffer.Length;
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (status != SipParseStatus.Incomplete)
                {
                    _endpoint.CountMalformed(SipTransport.Tcp, connection.Peer, status);
                    return true;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    if (left > 0)
                    {
                        LogTruncated(_logger, connection.Peer, left);
                    }

                    return true;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes a connection (once): its key, its queue (what waits there counts as failed) and its socket.</summary>
    private void Close(SipConnection connection)
    {
        if (!connection.TryClose())
        {
            return;
        }

        Unregister(connection);
        while (connection.TryDequeue(out _))
        {
            _endpoint.CountSendFailure(connection.Peer, SipTransport.Tcp, "the connection closed first");
        }
    }

    /// <summary>Removes a connection's key, unless a newer connection has taken it over.</summary>
    private void Unregister(SipConnection connection)
    {
        lock (_gate)
        {
            if (_byPeer.TryGetValue(connection.Peer, out var current) && ReferenceEquals(current, connection))
            {
                _byPeer.Remove(connection.Peer);
            }
        }
    }

    /// <summary>Closes every connection and waits for each to end (the endpoint has stopped).</summary>
    public async Task CloseConnectionsAsync()
    {
        SipConnection[] open;
        lock (_gate)
        {
            _stopping = true;
            open = [.. _live];
        }

        var running = new Task[open.Length];
        for (var i = 0; i < open.Length; i++)
        {
            Close(open[i]);
            running[i] = open[i].Task;
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Could not connect to {Destination} over TCP: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, IPEndPoint destination, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Refused a TCP connection from {Remote}: {Max} connections are open")]
    private static partial void LogConnectionRefused(ILogger logger, IPEndPoint remote, int max);

    [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "Closed the silent TCP connection from {Remote} to make room for a new one")]
    private static partial void LogConnectionEvicted(ILogger logger, IPEndPoint remote);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "The TCP connection with {Peer} ended: {Reason}")]
    private static partial void LogConnectionEnded(ILogger logger, IPEndPoint peer, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "The TCP connection with {Peer} closed in the middle of a message ({Bytes} bytes)")]
    private static partial void LogTruncated(ILogger logger, IPEndPoint peer, long bytes);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Accepting a TCP connection failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);
}
