using System;
using System.Net;
using System.Net.Sockets;

namespace VcspGen.Runtime;

/// <summary>
/// A socket of a server could not be bound; the message names the address and port and what they were for (a group's
/// UDP port, or the SIP port). A <see cref="SocketException"/> with the same error code, so code that catches those
/// still does.
/// </summary>
public sealed class VcspBindException : SocketException
{
    private readonly string _message;

    /// <summary>Creates the exception.</summary>
    /// <param name="endPoint">The address and port that could not be bound.</param>
    /// <param name="purpose">What they were for, such as "the UDP port of group lobby" or "the SIP port (UDP and TCP)".</param>
    /// <param name="error">The socket's error.</param>
    public VcspBindException(IPEndPoint endPoint, string purpose, SocketException error)
        : base((int)(error ?? throw new ArgumentNullException(nameof(error))).SocketErrorCode)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(purpose);
        EndPoint = endPoint;
        Purpose = purpose;
        _message = $"cannot bind {purpose} on {endPoint}: {error.Message}";
    }

    /// <summary>The address and port that could not be bound.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>What they were for.</summary>
    public string Purpose { get; }

    /// <inheritdoc/>
    public override string Message => _message;
}
