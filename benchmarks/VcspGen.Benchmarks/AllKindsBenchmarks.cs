using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using VcspGen.Spec;

namespace VcspGen.Benchmarks;

/// <summary>Dispatch (decode by flag and handle) of every packet kind's golden vector, with allocations.</summary>
[MemoryDiagnoser]
public class AllKindsDispatch
{
    /// <summary>Golden vectors of spec/PROTOCOL.md §8, by packet kind.</summary>
    public static readonly Dictionary<string, string> Vectors = new()
    {
        ["JoinRequest"] = "011F00FF12345678000E0400C4FD7F00000105616C696365",
        ["Response"] = "012F123412345678000F1F0400C4FD7F000001056C6F626279",
        ["Reject"] = "01C9FFFF1234567800080176657273696F6E",
        ["Syn"] = "012E12340000001000026869",
        ["Msg"] = "013FFFFF00000010000805616C6963656869",
        ["Error"] = "01E012340000001200080100000010676170",
        ["ResendRequest"] = "013A123400000011000103",
        ["Fin"] = "01FF1234000000130000",
        ["DirectMessage"] = "01D3FFFF0000ABCD000603626F62796F",
        ["Silent"] = "012A56780000ABCD00140600C4FE00000000000000000000000000000001",
        ["Kick"] = "012D123400000020000C0400D431C00002017370616D",
        ["Command"] = "014C123400000007000403626F62",
        ["CommandReply"] = "014D123400000007000C0100616C6963650A626F620A",
        ["Ping"] = "015012340000000900080000000000003039",
        ["Pong"] = "015112340000000900080000000000003039",
        ["VoiceJoin"] = "0125123400000000000613C40000086F",
        ["CodecReject"] = "01CA1234000000000003012160",
        ["VoiceFin"] = "01EF9ABC00",
        ["Media"] = "013E9ABC0B00015F9000002147000010",
    };

    private byte[] _datagram = [];

    /// <summary>The packet kind.</summary>
    [ParamsSource(nameof(Kinds))]
    public string Kind { get; set; } = "Fin";

    /// <summary>Every packet kind.</summary>
    public static IEnumerable<string> Kinds => Vectors.Keys;

    /// <summary>Decodes the vector once.</summary>
    [GlobalSetup]
    public void Setup() => _datagram = Convert.FromHexString(Vectors[Kind]);

    /// <summary>Dispatch through the generated table.</summary>
    [Benchmark]
    public VcspDecodeStatus Dispatch()
    {
        var handler = new NullHandler();
        return VcspPacketDispatcher.Dispatch(_datagram, ref handler);
    }

    private struct NullHandler : IVcspPacketHandler
    {
        public void OnJoinRequest(in JoinRequest packet) { }

        public void OnResponse(in Response packet) { }

        public void OnReject(in Reject packet) { }

        public void OnSyn(in Syn packet) { }

        public void OnMsg(in Msg packet) { }

        public void OnError(in Error packet) { }

        public void OnResendRequest(in ResendRequest packet) { }

        public void OnAck(in Ack packet) { }

        public void OnFin(in Fin packet) { }

        public void OnDirectMessage(in DirectMessage packet) { }

        public void OnSilent(in Silent packet) { }

        public void OnKick(in Kick packet) { }

        public void OnCommand(in Command packet) { }

        public void OnCommandReply(in CommandReply packet) { }

        public void OnPing(in Ping packet) { }

        public void OnPong(in Pong packet) { }

        public void OnVoiceJoin(in VoiceJoin packet) { }

        public void OnCodecReject(in CodecReject packet) { }

        public void OnVoiceFin(in VoiceFin packet) { }

        public void OnMedia(in Media packet) { }
    }
}
