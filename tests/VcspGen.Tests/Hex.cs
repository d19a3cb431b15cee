using System;

namespace VcspGen.Tests;

/// <summary>Hex strings written by hand in tests: spaces are ignored so fields can be grouped.</summary>
internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
