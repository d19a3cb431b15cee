using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using VcspGen;
using VcspGen.Runtime;
using VcspGen.Runtime.Nats;

namespace Vcsp.Cli;

/// <summary>
/// <c>vcsp server</c> as a hosted service on Microsoft.Extensions.Hosting, registered by the runtime's own
/// <see cref="VcspServiceCollectionExtensions.AddVcspServer"/>: console logging (the journal's format under systemd,
/// through Microsoft.Extensions.Hosting.Systemd, which also tells systemd when the groups are up), the runtime's logs
/// and meters through the host's factories, and a stop (Ctrl-C, SIGTERM, systemctl stop) that shuts every group down
/// gracefully: each call member gets its BYE before the sockets close.
/// </summary>
internal static class ServerHosting
{
    /// <summary>Runs the groups until <paramref name="stop"/> is cancelled or the host is told to stop. Port 0 picks a free port (tests).</summary>
    public static async Task<int> RunAsync(ServerCommand.Options options, IConfiguration configuration, TextWriter output, TextWriter error, CancellationToken stop)
    {
        // Advertised host names are resolved once, here, so that one that does not resolve is a clear error; the
        // runtime is given the addresses.
        var (advertised, problem) = await ServerCommand.ResolveAdvertisedAsync(options, stop).ConfigureAwait(false);
        if (advertised is null)
        {
            error.WriteLine($"vcsp server: {problem}");
            return 1;
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("NATS.Client", LogLevel.Warning); // the NATS client's own connection chatter; the node logs what matters
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
            console.ColorBehavior = Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled;
        });
        builder.Services.AddMetrics();
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        builder.Services.AddSystemd();
        builder.Services.AddVcspServer(server => Configure(server, options, advertised));
        builder.Services.AddVcspNatsCluster();
        if (options.Prometheus is { } scrape)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(VcspMetrics.MeterName)
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = scrape.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{scrape.Address}]" : scrape.Address.ToString();
                    listener.Port = scrape.Port;
                }));
        }

        using var host = builder.Build();
        try
        {
            // The server's sockets are bound when the hosted service is made, before anything starts.
            await host.StartAsync(stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OptionsValidationException or VcspClusterException)
        {
            error.WriteLine($"vcsp server: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }

        var server = host.Services.GetRequiredService<VcspServerHost>();
        var groups = server.Groups;
        for (var i = 0; i < groups.Count; i++)
        {
            var advertise = advertised.TryGetValue(options.Groups[i].Name, out var list) ? list : [];
            var also = advertise.Count == 0 ? string.Empty : ", advertised as " + string.Join(", ", advertise);
            var node = options.Cluster is null ? string.Empty : $", node {options.Node} of cluster {options.Cluster}";
            output.WriteLine($"group {options.Groups[i].Name} on {groups[i].LocalEndPoint}{also}, SIP on {server.SipEndPoint} (UDP and TCP), codecs {CodecNames.Describe(options.Codecs ?? GroupOptions.DefaultCodecs)}{node}");
        }

        output.Flush();
        await host.WaitForShutdownAsync(stop).ConfigureAwait(false);
        output.WriteLine("stopped");
        return 0;
    }

    /// <summary>The command's options as the runtime's server options.</summary>
    private static void Configure(VcspServerOptions server, ServerCommand.Options options, Dictionary<string, List<VcspAddress>> advertised)
    {
        server.Bind = options.Bind.ToString();
        server.Cluster = options.Cluster;
        server.Node = options.Node;
        server.SipPort = options.SipPort;
        foreach (var (name, port) in options.Groups)
        {
            var group = new VcspGroupSettings
            {
                Name = name,
                Port = port,
                Owner = options.Owner,
                Policy = options.Policy,
                MaxMembers = options.MaxMembers,
                MemberTimeout = options.MemberTimeout,
            };
            group.Codecs.AddRange((options.Codecs ?? GroupOptions.DefaultCodecs).Select(c => (VcspGen.Spec.VcspCodec)c));
            group.Advertise.AddRange(advertised.TryGetValue(name, out var addresses) ? addresses.Select(a => a.ToString()) : []);
            server.Groups.Add(group);
        }
    }
}
