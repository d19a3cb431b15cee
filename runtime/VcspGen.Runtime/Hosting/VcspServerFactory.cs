using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VcspGen.Runtime;

/// <summary>Makes a <see cref="VcspServerHost"/> and its groups from <see cref="VcspServerOptions"/> (what the DI registration resolves).</summary>
internal static class VcspServerFactory
{
    /// <summary>Checks the options, binds the SIP port and every group's port, and starts serving the groups.</summary>
    /// <param name="options">The options.</param>
    /// <param name="loggers">Where the host logs.</param>
    /// <param name="metrics">Where it measures.</param>
    /// <param name="cluster">The cluster registered in the container (<c>AddVcspNatsCluster</c>), or null.</param>
    /// <returns>The host.</returns>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="VcspBindException">A port cannot be bound.</exception>
    public static VcspServerHost Create(VcspServerOptions options, ILoggerFactory loggers, VcspMetrics metrics, VcspCluster? cluster = null)
    {
        var errors = Validate(options, out var bind);
        if (options.Cluster is not null && cluster is null)
        {
            errors.Add($"Cluster: '{options.Cluster}' needs a cluster transport: reference the VcspGen.Runtime.Nats package and call services.AddVcspNatsCluster()");
        }
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(VcspServerOptions), errors);
        }

        IReadOnlyList<VcspGroupSettings> groups = options.Groups.Count > 0 ? options.Groups : [new VcspGroupSettings()];
        var advertised = groups.Select(g => (IReadOnlyList<VcspAddress>)[.. g.Advertise.SelectMany(Resolve).Distinct()]).ToList();
        var wildcard = bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any);
        IReadOnlyCollection<IPAddress> hostAddresses = wildcard
            ? [.. NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)]
            : [];
        var host = new VcspServerHost(bind, options.SipPort, loggers, options.EventLoops, metrics, options.Cluster is null ? null : cluster);
        try
        {
            for (var i = 0; i < groups.Count; i++)
            {
                var group = groups[i];
                var advertise = advertised[i];
                host.AddGroup(group.Name, group.Port, binding => new GroupOptions
                {
                    Name = group.Name,
                    Address = binding.Address,
                    Owner = group.Owner,
                    Policy = group.Policy,
                    MaxMembers = group.MaxMembers,
                    MemberTimeout = group.MemberTimeout,
                    HostAddresses = hostAddresses,
                    SipPort = binding.SipPort,
                    Codecs = group.Codecs.Count > 0 ? [.. group.Codecs.Select(c => (byte)c)] : GroupOptions.DefaultCodecs,
                    Advertise = advertise,
                });
            }

            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private static List<string> Validate(VcspServerOptions options, out IPAddress bind)
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(options.Bind, out bind!))
        {
            errors.Add($"Bind: '{options.Bind}' is not an IP address");
            bind = IPAddress.Any;
        }

        if (options.SipPort is < 0 or > 65535)
        {
            errors.Add($"SipPort: {options.SipPort} is not a port (0 to 65535)");
        }

        if (options.Cluster is not null && !VcspCluster.IsValidNodeName(options.Node))
        {
            errors.Add($"Node: '{options.Node}' is not a node name (1 to 32 of A-Z, a-z, 0-9, '-' and '_'), and a cluster needs one");
        }
        else if (options.Cluster is null && options.Node is not null)
        {
            errors.Add("Node: a node name is given but no Cluster");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in options.Groups)
        {
            var where = $"Groups '{group.Name}'";
            if (Encoding.UTF8.GetByteCount(group.Name ?? string.Empty) is < 1 or > 32)
            {
                errors.Add($"{where}: a group name is 1 to 32 bytes of UTF-8");
            }
            else if (!names.Add(group.Name!))
            {
                errors.Add($"{where}: two groups have that name");
            }

            if (group.Port is < 0 or > 65535)
            {
                errors.Add($"{where}: Port {group.Port} is not a port (0 to 65535)");
            }

            if (Encoding.UTF8.GetByteCount(group.Owner ?? string.Empty) > 32)
            {
                errors.Add($"{where}: Owner is at most 32 bytes of UTF-8");
            }

            if (group.MaxMembers is < 1 or > 32767)
            {
                errors.Add($"{where}: MaxMembers {group.MaxMembers} is not 1 to 32767");
            }

            if (group.MemberTimeout <= TimeSpan.Zero)
            {
                errors.Add($"{where}: MemberTimeout must be positive");
            }

            foreach (var advertise in group.Advertise)
            {
                if (!TrySplit(advertise, out _, out _))
                {
                    errors.Add($"{where}: Advertise '{advertise}' is not HOST:PORT");
                }
            }
        }

        if (options.Groups.Count > 1 && options.Groups.Count(g => g.Port != 0) != options.Groups.Select(g => g.Port).Where(p => p != 0).Distinct().Count())
        {
            errors.Add("Groups: two groups have the same port");
        }

        return errors;
    }

    /// <summary>Splits <c>HOST:PORT</c> (an IPv6 address in brackets); PORT is 1 to 65535.</summary>
    private static bool TrySplit(string value, out string host, out int port)
    {
        host = string.Empty;
        port = 0;
        if (IPEndPoint.TryParse(value, out var endPoint) && (value.StartsWith('[') || endPoint.AddressFamily == AddressFamily.InterNetwork) && !value.EndsWith(']'))
        {
            (host, port) = (endPoint.Address.ToString(), endPoint.Port);
            return port is >= 1 and <= 65535 && value.Contains(':', StringComparison.Ordinal);
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || value.IndexOf(':', StringComparison.Ordinal) != colon)
        {
            return false;
        }

        host = value[..colon];
        return int.TryParse(value[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            && port is >= 1 and <= 65535
            && Uri.CheckHostName(host) is UriHostNameType.IPv4 or UriHostNameType.Dns;
    }

    private static IEnumerable<VcspAddress> Resolve(string advertise)
    {
        TrySplit(advertise, out var host, out var port);
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : Dns.GetHostAddresses(host);
        return addresses.Select(a => VcspAddress.FromEndPoint(new IPEndPoint(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a, port)));
    }
}
