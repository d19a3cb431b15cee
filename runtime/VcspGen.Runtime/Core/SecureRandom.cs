using System;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace VcspGen.Runtime;

/// <summary>The protocol's random numbers, all from the cryptographic RNG (PROTOCOL.md §5.3, §6.1).</summary>
internal static class SecureRandom
{
    /// <summary>A random 32-bit sequence number, uniform over all 2^32 values.</summary>
    public static uint Sequence()
    {
        Span<byte> bytes = stackalloc byte[4];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>A random challenge, uniform over the 65,534 values that are not reserved.</summary>
    public static ushort Challenge()
    {
        ushort challenge;
        do
        {
            challenge = (ushort)RandomNumberGenerator.GetInt32(0, 65536);
        }
        while (VcspChallenge.IsReserved(challenge));

        return challenge;
    }
}
