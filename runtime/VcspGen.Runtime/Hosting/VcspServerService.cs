using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace VcspGen.Runtime;

/// <summary>
/// The hosted service of <see cref="VcspServiceCollectionExtensions.AddVcspServer"/>: runs the <see cref="VcspServerHost"/>
/// from start to stop, and on stop shuts its groups down gracefully (<see cref="VcspServerHost.RunAsync"/>).
/// </summary>
/// <param name="host">The server (its sockets bound when it was made).</param>
/// <param name="options">The server's options (the shutdown grace).</param>
internal sealed class VcspServerService(VcspServerHost host, IOptions<VcspServerOptions> options) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A node reaches its cluster before it counts as started: an unreachable cluster fails the start (VcspClusterException).
        if (host.Cluster is { } cluster)
        {
            await cluster.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        _running = host.RunAsync(_stop.Token, options.Value.ShutdownGrace);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);

        // The groups shut down (BYEs, members removed), the grace passes, and the loops stop; the host's own shutdown
        // timeout bounds the wait.
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _stop.Dispose();
}
