using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VcspGen;
using VcspGen.Runtime;

namespace Vcsp.Cli;

/// <summary><c>vcsp server</c>: one or more groups, each on its own UDP port (memo §3), until Ctrl-C or SIGTERM.</summary>
internal static class ServerCommand
{
    public const string Usage = """
        usage: vcsp server [--bind ADDRESS] [--port PORT] [--group NAME[:PORT]]... [--owner NAME] [--policy reject|drop]

          --bind ADDRESS   the local address to listen on (default 0.0.0.0, all IPv4 interfaces; :: for IPv6)
          --port PORT      the port of a group given without one (default 50429)
          --group NAME     a group to host, optionally on its own port; repeat for several (default: lobby)
          --owner NAME     the administrator's member name (default: none)
          --policy P       what to do with a join for another version or address: reject (default) or drop
        """;

    /// <summary>The parsed options.</summary>
    internal sealed record Options(IPAddress Bind, List<(string Name, int Port)> Groups, string Owner, JoinPolicy Policy);

    /// <summary>Parses the options, or returns an error message.</summary>
    public static (Options? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var bind = IPAddress.Any;
        var port = 50429;
        var groups = new List<(string Name, int? Port)>();
        var owner = string.Empty;
        var policy = JoinPolicy.Reject;
        for (var i = 0; i < args.Count; i++)
        {
            var option = args[i];
            if (i + 1 >= args.Count)
            {
                return (null, $"option '{option}' needs a value");
            }

            var value = args[++i];
            switch (option)
            {
                case "--bind" when IPAddress.TryParse(value, out var address):
                    bind = address;
                    break;
                case "--bind":
                    return (null, $"'{value}' is not an IP address");
                case "--port" when int.TryParse(value, out var p) && p is >= 1 and <= 65535:
                    port = p;
                    break;
                case "--port":
                    return (null, $"'{value}' is not a port (1 to 65535)");
                case "--group":
                    var colon = value.LastIndexOf(':');
                    var name = colon < 0 ? value : value[..colon];
                    int? groupPort = null;
                    if (colon >= 0)
                    {
                        if (!int.TryParse(value[(colon + 1)..], out var gp) || gp is < 1 or > 65535)
                        {
                            return (null, $"'{value}' has no valid port after ':'");
                        }

                        groupPort = gp;
                    }

                    if (Encoding.UTF8.GetByteCount(name) is < 1 or > 32)
                    {
                        return (null, $"group name '{name}' must be 1 to 32 bytes");
                    }

                    groups.Add((name, groupPort));
                    break;
                case "--owner" when Encoding.UTF8.GetByteCount(value) is >= 1 and <= 32:
                    owner = value;
                    break;
                case "--owner":
                    return (null, $"owner name '{value}' must be 1 to 32 bytes");
                case "--policy" when value is "reject" or "drop":
                    policy = value == "reject" ? JoinPolicy.Reject : JoinPolicy.Drop;
                    break;
                case "--policy":
                    return (null, $"policy must be reject or drop, not '{value}'");
                default:
                    return (null, $"unknown option '{option}'");
            }
        }

        if (groups.Count == 0)
        {
            groups.Add(("lobby", null));
        }

        if (groups.Count(g => g.Port is null) > 1)
        {
            return (null, "several groups need a port each (--group NAME:PORT)");
        }

        var resolved = groups.Select(g => (g.Name, g.Port ?? port)).ToList();
        if (resolved.Select(g => g.Item2).Distinct().Count() != resolved.Count)
        {
            return (null, "two groups cannot share a port");
        }

        return (new Options(bind, resolved, owner, policy), null);
    }

    /// <summary>Runs the groups until <paramref name="stop"/> is cancelled. Port 0 picks a free port (tests).</summary>
    public static async Task<int> RunAsync(Options options, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var hostAddresses = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .ToList();
        var hosts = new List<UdpHost>();
        var runs = new List<Task>();
        try
        {
            foreach (var (name, port) in options.Groups)
            {
                var host = new UdpHost(new IPEndPoint(options.Bind, port));
                hosts.Add(host);
                var server = new GroupServer(
                    new GroupOptions { Name = name, Address = host.LocalAddress, Owner = options.Owner, Policy = options.Policy, HostAddresses = hostAddresses },
                    host,
                    TimeProvider.System);
                runs.Add(host.RunAsync(server, TimeProvider.System, stop));
                output.WriteLine($"group {name} on {host.LocalEndPoint}");
            }
        }
        catch (System.Net.Sockets.SocketException e)
        {
            error.WriteLine($"vcsp server: cannot listen: {e.Message}");
            foreach (var host in hosts)
            {
                host.Dispose();
            }

            return 1;
        }

        output.Flush();
        await Task.WhenAll(runs).ConfigureAwait(false);
        foreach (var host in hosts)
        {
            host.Dispose();
        }

        output.WriteLine("stopped");
        return 0;
    }
}
