using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace VcspGen.Runtime;

/// <summary>Registers a VCSP server in a dependency-injection container, run by the generic host.</summary>
public static class VcspServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="VcspServerHost"/> singleton made from <see cref="VcspServerOptions"/> (its sockets are
    /// bound, and its groups added, when it is first resolved: at the latest when the host starts), logging through the
    /// container's <see cref="ILoggerFactory"/> and measuring on a <see cref="VcspMetrics"/> singleton whose meter comes
    /// from the container's <see cref="System.Diagnostics.Metrics.IMeterFactory"/> when there is one; and a hosted
    /// service that runs it, and on stop shuts every group down gracefully (<see cref="GroupServer.Shutdown"/>: a BYE to
    /// every call member, given <see cref="VcspServerOptions.ShutdownGrace"/> to be answered) before the sockets close.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configure">Sets the options (after any configuration bound to them), or null.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <remarks>
    /// A port that cannot be bound fails the start with a <see cref="VcspBindException"/> that names it and what it was
    /// for. Options can also be bound from configuration: <c>services.AddOptions&lt;VcspServerOptions&gt;().Bind(section)</c>.
    /// </remarks>
    public static IServiceCollection AddVcspServer(this IServiceCollection services, Action<VcspServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<VcspServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(static provider => new VcspMetrics(provider.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(static provider => VcspServerFactory.Create(
            provider.GetRequiredService<IOptions<VcspServerOptions>>().Value,
            provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            provider.GetRequiredService<VcspMetrics>(),
            provider.GetService<VcspCluster>()));
        services.AddHostedService<VcspServerService>();
        return services;
    }
}
