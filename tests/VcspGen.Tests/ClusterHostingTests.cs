using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VcspGen.Runtime;
using VcspGen.Runtime.Nats;
using Xunit;

namespace VcspGen.Tests;

/// <summary>
/// A node made the other two ways issue 16 asks for (item 1): <c>AddVcspServer</c> with <c>AddVcspNatsCluster</c> on
/// the generic host, and <c>vcsp server --config</c> with the cluster in its JSON file; each against a real
/// <c>nats-server</c>.
/// </summary>
[Collection(nameof(ClusterAlone))]
public sealed class ClusterHostingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TwoGenericHostsWithAddVcspServerAndAddVcspNatsClusterAreNodesOfOneGroup()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var nats = await NatsServer.StartAsync();
        using var a = Node(nats.Url, "a");
        using var b = Node(nats.Url, "b");
        await a.StartAsync(cancel);
        await b.StartAsync(cancel);
        var serverA = a.Services.GetRequiredService<VcspServerHost>();
        var serverB = b.Services.GetRequiredService<VcspServerHost>();
        Assert.True(Assert.IsType<NatsCluster>(serverA.Cluster).IsConnected);
        Assert.Equal("b", serverB.Cluster!.Node);

        // A member of node a is listed on node b; when a stops gracefully, it leaves the group there too.
        var (member, _) = await Loopback.JoinAsync(serverA.Groups[0].LocalEndPoint.Port, "dana", Patience);
        using var joined = member;
        await Eventually.UntilAsync(() => serverB.Groups[0].Invoke(g => g.RemoteMemberCount) == 1, "node b lists dana", Patience);
        await a.StopAsync(cancel);
        await Eventually.UntilAsync(() => serverB.Groups[0].Invoke(g => g.RemoteMemberCount) == 0, "dana left the group on node b", Patience);
        await b.StopAsync(cancel);
    }

    [Fact]
    public void AClusterWithoutItsTransportRegisteredIsAClearConfigurationError()
    {
        var services = new ServiceCollection();
        services.AddVcspServer(o =>
        {
            o.Bind = "127.0.0.1";
            o.SipPort = null;
            o.Cluster = "nats://127.0.0.1:4222";
            o.Node = "a";
        });
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<VcspServerHost>());
        Assert.Contains("services.AddVcspNatsCluster()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VcspServerTakesTheClusterAndTheNodeFromItsConfigurationFile()
    {
        using var nats = await NatsServer.StartAsync();
        var file = Path.GetTempFileName();
        try
        {
            var port = Loopback.FreeUdpPort().ToString(CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync(file, $$"""{ "Server": { "Cluster": "{{nats.Url}}", "Node": "from-file", "Port": {{port}} } }""", TestContext.Current.CancellationToken);
            using var server = VcspProcess.Start("server", "--config", file, "--bind", "127.0.0.1", "--sip-port", "0");
            await server.WaitForAsync($"group lobby on 127.0.0.1:{port}", Patience);
            Assert.Contains(server.Lines, l => l.EndsWith($", node from-file of cluster {nats.Url}", StringComparison.Ordinal));
            await server.SignalAsync("TERM");
            Assert.Equal(0, await server.WaitForExitAsync(Patience));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static IHost Node(string url, string node)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddVcspServer(o =>
        {
            o.Bind = "127.0.0.1";
            o.SipPort = null;
            o.EventLoops = 1;
            o.Cluster = url;
            o.Node = node;
            o.Groups.Add(new VcspGroupSettings { Name = "lobby", Port = 0 });
        });
        builder.Services.AddVcspNatsCluster();
        return builder.Build();
    }
}
