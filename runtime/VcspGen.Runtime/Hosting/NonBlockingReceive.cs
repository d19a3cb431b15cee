using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace VcspGen.Runtime;

/// <summary>
/// One datagram from a socket that the event loop saw readable, without blocking and without an exception when there
/// is none left: on Linux, recvfrom(2) with MSG_DONTWAIT into the <see cref="SocketAddress"/>'s own buffer (its bytes
/// are the native sockaddr), one system call per datagram. .NET has no such call (a non-blocking
/// <see cref="Socket.ReceiveFrom(Span{byte}, SocketFlags, SocketAddress)"/> throws when the socket is empty, and asking
/// <see cref="Socket.Available"/> first costs a second system call per datagram, measured as 0.84x of the raw fan-out
/// in the relay suite); elsewhere that is what it does. Hand-written because it is the hot path and no library does it.
/// </summary>
internal static partial class NonBlockingReceive
{
    private const int MsgDontWait = 0x40; // Linux
    private const int EIntr = 4;

    /// <summary>Receives one datagram if one is queued.</summary>
    /// <param name="socket">A bound UDP socket.</param>
    /// <param name="buffer">Where the datagram goes.</param>
    /// <param name="remote">Where its source goes.</param>
    /// <param name="first">Whether the loop has just seen the socket readable (then a blocking receive cannot block).</param>
    /// <param name="received">The datagram's length.</param>
    /// <returns>False when nothing is queued, or the socket reported an error (an ICMP unreachable for an earlier send).</returns>
    public static bool TryReceive(Socket socket, byte[] buffer, SocketAddress remote, bool first, out int received)
    {
        if (OperatingSystem.IsLinux())
        {
            while (true)
            {
                var addressLength = remote.Buffer.Length;
                nint result;
                try
                {
                    result = RecvFrom(socket.SafeHandle, ref MemoryMarshal.GetArrayDataReference(buffer), buffer.Length, MsgDontWait, ref MemoryMarshal.GetReference(remote.Buffer.Span), ref addressLength);
                }
                catch (ObjectDisposedException)
                {
                    received = 0;
                    return false; // closed under the loop
                }

                if (result >= 0)
                {
                    remote.Size = addressLength;
                    received = (int)result;
                    return true;
                }

                if (Marshal.GetLastPInvokeError() != EIntr)
                {
                    received = 0;
                    return false; // EAGAIN: drained; anything else (ECONNREFUSED from an ICMP error) was consumed by the call
                }
            }
        }

        received = 0;
        if (!first && socket.Available == 0)
        {
            return false;
        }

        try
        {
            received = socket.ReceiveFrom(buffer, SocketFlags.None, remote);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false; // an ICMP error from an earlier send, the socket's receive timeout, or closed under the loop
        }
    }

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    private static partial nint RecvFrom(SafeHandle socket, ref byte buffer, nint length, int flags, ref byte address, ref int addressLength);
}
