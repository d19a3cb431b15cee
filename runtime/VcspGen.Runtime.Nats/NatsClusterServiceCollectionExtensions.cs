using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace VcspGen.Runtime.Nats;

/// <summary>Registers the NATS cluster of a server added with <see cref="VcspServiceCollectionExtensions.AddVcspServer"/>.</summary>
public static class NatsClusterServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="NatsCluster"/> as the <see cref="VcspCluster"/> singleton when <see cref="VcspServerOptions.Cluster"/>
    /// is set (its URL and <see cref="VcspServerOptions.Node"/>): the server's groups are then its nodes, and the hosted
    /// service connects it before the server counts as started (an unreachable NATS server fails the start with a
    /// <see cref="VcspClusterException"/>). With no Cluster set, nothing changes.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddVcspNatsCluster(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<VcspCluster>(static provider =>
        {
            var options = provider.GetRequiredService<IOptions<VcspServerOptions>>().Value;
            if (options.Cluster is null)
            {
                return null!; // no cluster configured: the server resolves none
            }

            return new NatsCluster(options.Cluster, options.Node ?? string.Empty, provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance, provider.GetRequiredService<VcspMetrics>());
        });
        return services;
    }
}
