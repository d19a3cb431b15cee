using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace VcspGen.Runtime.Sip;

/// <summary>
/// Accepting TCP connections: the listener's loop, and the bound on accepted connections (<see
/// cref="SipEndpoint.MaxConnections"/>), at which a new connection takes the place of the oldest one that has sent no
/// whole message yet, and is refused only when every one has spoken.
/// </summary>
internal sealed partial class SipTcpTransport
{
    /// <summary>Accepts connections until the endpoint stops (the endpoint stops too should accepting fail).</summary>
    public async Task AcceptLoopAsync()
    {
        try
        {
            await AcceptUntilStoppedAsync().ConfigureAwait(false);
        }
        finally
        {
            _endpoint.Stop();
        }
    }

    private async Task AcceptUntilStoppedAsync()
    {
        while (!_endpoint.StopToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_endpoint.StopToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                if (_endpoint.StopToken.IsCancellationRequested)
                {
                    return;
                }

                // A connection reset before it was accepted, or out of descriptors: try again, not in a tight loop.
                LogAcceptFailed(_logger, e.SocketErrorCode);
                try
                {
                    await Task.Delay(AcceptRetry, _endpoint.StopToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            Accept(socket);
        }
    }

    private void Accept(Socket socket)
    {
        IPEndPoint remote;
        try
        {
            remote = (IPEndPoint)socket.RemoteEndPoint!;
            socket.NoDelay = true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            socket.Dispose(); // reset already
            return;
        }

        SipConnection? evicted = null;
        var registered = false;
        lock (_gate)
        {
            if (_stopping)
            {
                socket.Dispose();
                return;
            }

            if (_accepted >= SipEndpoint.MaxConnections && OldestSilent() is { } victim)
            {
                // Room for the new one: the oldest that has sent nothing goes (closed once the lock is released).
                victim.Counted = false;
                _accepted--;
                evicted = victim;
                Interlocked.Increment(ref _evicted);
            }

            if (_accepted < SipEndpoint.MaxConnections)
            {
                Register(new SipConnection(socket, remote) { Order = ++_order }, outbound: false);
                registered = true;
            }
        }

        if (evicted is not null)
        {
            LogConnectionEvicted(_logger, evicted.Peer);
            Close(evicted);
        }

        if (!registered)
        {
            Interlocked.Increment(ref _refused);
            LogConnectionRefused(_logger, remote, SipEndpoint.MaxConnections);
            socket.Dispose();
        }
    }

    // The oldest accepted connection that has not sent a whole message; called under the lock.
    private SipConnection? OldestSilent()
    {
        SipConnection? oldest = null;
        foreach (var connection in _live)
        {
            if (!connection.Outbound && connection.Counted && !connection.HasSpoken && !connection.IsClosed && (oldest is null || connection.Order < oldest.Order))
            {
                oldest = connection;
            }
        }

        return oldest;
    }
}
