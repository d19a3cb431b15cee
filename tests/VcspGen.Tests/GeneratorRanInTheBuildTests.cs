using System.CodeDom.Compiler;
using System.Linq;
using System.Reflection;
using VcspGen.Spec;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// The real <c>dotnet build</c> of spec/VcspGen.Spec ran the generator (this project compiles against its output,
/// and the assembly carries what the generator writes), not only the test driver in VcspGen.Generator.Tests.
/// </summary>
public sealed class GeneratorRanInTheBuildTests
{
    [Fact]
    public void EveryPacketStructInTheSpecAssemblyHasGeneratedMembers()
    {
        var assembly = typeof(JoinRequest).Assembly;
        var packets = assembly.GetTypes().Where(t => t.GetCustomAttribute<VcspPacketAttribute>() is not null).ToList();
        Assert.Equal(20, packets.Count);
        foreach (var packet in packets)
        {
            var decode = packet.GetMethod("TryDecode", BindingFlags.Public | BindingFlags.Static);
            Assert.NotNull(decode);
            Assert.Equal("VcspGen.Generator", decode.GetCustomAttribute<GeneratedCodeAttribute>()?.Tool);
            Assert.NotNull(packet.GetMethod("TryEncode"));
            Assert.Equal(packet.GetCustomAttribute<VcspPacketAttribute>()!.Flag, (byte)packet.GetField("Flag")!.GetValue(null)!);
            Assert.Contains(typeof(IVcspPacket<>).MakeGenericType(packet), packet.GetInterfaces());
        }

        Assert.NotNull(assembly.GetType("VcspGen.Spec.VcspPacketDispatcher"));
        Assert.NotNull(assembly.GetType("VcspGen.Spec.IVcspPacketHandler"));
    }
}
