using System.Net;

namespace VcspGen.Runtime;

/// <summary>What a client is given by its <see cref="VcspClientHost"/> before its call options are made.</summary>
/// <param name="Local">The client's bound UDP endpoint (group messages, DMs and the call's media).</param>
/// <param name="Sip">The client's SIP endpoint (UDP and TCP), or null for a client without calls.</param>
public readonly record struct ClientBinding(IPEndPoint Local, IPEndPoint? Sip);
