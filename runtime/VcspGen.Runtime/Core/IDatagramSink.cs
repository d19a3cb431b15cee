using System;

namespace VcspGen.Runtime;

/// <summary>
/// Where a state machine's outgoing datagrams go. The UDP edge implements it with a socket; tests implement it
/// with a list. The datagram is only valid during the call: copy it to keep it.
/// </summary>
public interface IDatagramSink
{
    /// <summary>Sends one datagram.</summary>
    /// <param name="datagram">The encoded datagram.</param>
    /// <param name="destination">Where to send it.</param>
    void Send(ReadOnlySpan<byte> datagram, in VcspAddress destination);
}
