using System;
using System.Collections.Generic;
using System.IO;
using SharpFuzz;

namespace VcspGen.Fuzz;

/// <summary>
/// The fuzzing executable (issue 14): <c>VcspGen.Fuzz TARGET</c> runs one target under afl-fuzz through SharpFuzz's
/// out-of-process fork server (a hang or a crash of the runtime itself restarts the child instead of ending the run);
/// <c>VcspGen.Fuzz TARGET FILE...</c> runs the target once on each file, outside afl, to replay a finding. A target
/// catches nothing: every exception out of the code under test, and every broken invariant
/// (<see cref="FuzzInvariantException"/>), is a crash.
/// </summary>
internal static class Program
{
    /// <summary>The largest input a target looks at (one SIP message may be 64 KiB; one more byte shows it too large).</summary>
    public const int MaxInput = 70_000;

    private static readonly Dictionary<string, Action<byte[]>> Targets = new(StringComparer.Ordinal)
    {
        ["dispatch"] = DispatchTarget.Run,
        ["sip"] = SipMessageTarget.Run,
        ["sdp"] = SdpTarget.Run,
        ["framer"] = FramerTarget.Run,
        ["ts"] = TransportStreamTarget.Run,
        ["relay"] = RelayTarget.Run,
    };

    private static int Main(string[] args)
    {
        if (args.Length == 0 || !Targets.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: VcspGen.Fuzz TARGET [FILE...]; TARGET is one of {string.Join(", ", Targets.Keys)}");
            return 2;
        }

        if (args.Length == 1)
        {
            Fuzzer.OutOfProcess.Run(stream => target(ReadInput(stream)));
            return 0;
        }

        for (var i = 1; i < args.Length; i++)
        {
            target(File.ReadAllBytes(args[i]));
        }

        Console.WriteLine($"{args[0]}: {args.Length - 1} input(s) ran without a finding");
        return 0;
    }

    private static byte[] ReadInput(Stream stream)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while (buffer.Length < MaxInput && (read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.ToArray();
        return bytes.Length > MaxInput ? bytes[..MaxInput] : bytes;
    }
}

/// <summary>A target's own check failed: reported to afl-fuzz as a crash, like any exception.</summary>
internal sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    public FuzzInvariantException()
    {
    }

    public FuzzInvariantException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Throws unless <paramref name="condition"/> holds.</summary>
    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(what);
        }
    }
}
