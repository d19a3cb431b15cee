using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using VcspGen;
using VcspGen.Runtime;

namespace Vcsp.Cli;

/// <summary>
/// <c>vcsp server</c> as a hosted service on Microsoft.Extensions.Hosting: console logging (the journal's format under
/// systemd, through Microsoft.Extensions.Hosting.Systemd, which also tells systemd when the groups are up), the
/// runtime's logs and meters through the host's factories, and a stop (Ctrl-C, SIGTERM, systemctl stop) that ends every
/// call with its BYEs before the groups stop.
/// </summary>
internal static class ServerHosting
{
    /// <summary>Runs the groups until <paramref name="stop"/> is cancelled or the host is told to stop. Port 0 picks a free port (tests).</summary>
    public static async Task<int> RunAsync(ServerCommand.Options options, IConfiguration configuration, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
            console.ColorBehavior = Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled;
        });
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        builder.Services.AddSystemd();
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

        builder.Services.AddSingleton(new GroupsService.Settings(options, output));
        builder.Services.AddHostedService<GroupsService>();
        using var host = builder.Build();
        try
        {
            await host.RunAsync(stop).ConfigureAwait(false);
        }
        catch (VcspStartException e)
        {
            error.WriteLine($"vcsp server: {e.Message}");
            return 1;
        }

        output.WriteLine("stopped");
        return 0;
    }

    /// <summary>A failure to start that the command reports in one line (a port that cannot be bound, a host that does not resolve).</summary>
    private sealed class VcspStartException(string message, Exception? inner = null) : Exception(message, inner);

    /// <summary>The groups, as a hosted service.</summary>
    private sealed class GroupsService(GroupsService.Settings settings, ILoggerFactory loggers) : IHostedService, IDisposable
    {
        private readonly CancellationTokenSource _running = new();
        private VcspServerHost? _host;
        private Task _serving = Task.CompletedTask;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var (options, output) = settings;
            var (advertised, problem) = await ServerCommand.ResolveAdvertisedAsync(options, cancellationToken).ConfigureAwait(false);
            if (advertised is null)
            {
                throw new VcspStartException(problem!);
            }

            var hostAddresses = NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .ToList();
            try
            {
                _host = new VcspServerHost(options.Bind, options.SipPort, loggers);
            }
            catch (SocketException e)
            {
                throw new VcspStartException($"cannot listen for SIP on {options.Bind}:{options.SipPort} (UDP and TCP, the calls' SIP port, --sip-port): {e.Message}", e);
            }

            foreach (var (name, port) in options.Groups)
            {
                HostedGroup group;
                IReadOnlyList<VcspAddress> advertise = advertised.TryGetValue(name, out var list) ? list : [];
                try
                {
                    group = _host.AddGroup(port, binding => new GroupOptions
                    {
                        Name = name,
                        Address = binding.Address,
                        Owner = options.Owner,
                        Policy = options.Policy,
                        MaxMembers = options.MaxMembers,
                        MemberTimeout = options.MemberTimeout,
                        HostAddresses = hostAddresses,
                        SipPort = binding.SipPort,
                        Codecs = options.Codecs ?? GroupOptions.DefaultCodecs,
                        Advertise = advertise,
                    });
                }
                catch (SocketException e)
                {
                    throw new VcspStartException($"cannot listen for group {name} on {options.Bind}:{port} (UDP, the group's port): {e.Message}", e);
                }

                var also = advertise.Count == 0 ? string.Empty : ", advertised as " + string.Join(", ", advertise);
                output.WriteLine($"group {name} on {group.LocalEndPoint}{also}, SIP on {_host.SipEndPoint} (UDP and TCP), codecs {CodecNames.Describe(options.Codecs ?? GroupOptions.DefaultCodecs)}");
            }

            output.Flush();
            _serving = _host.RunAsync(_running.Token);
        }

        /// <summary>The calls end with a BYE to every call member (PROTOCOL.md §12.5), given a moment to be answered, then the groups stop.</summary>
        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await _running.CancelAsync().ConfigureAwait(false);
            await _serving.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        public void Dispose()
        {
            _host?.Dispose();
            _running.Dispose();
        }

        /// <summary>What the command parsed, and where its start-up lines go.</summary>
        public sealed record Settings(ServerCommand.Options Options, TextWriter Output);
    }
}
