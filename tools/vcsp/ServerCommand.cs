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
using VcspGen.Runtime.Sip;

namespace Vcsp.Cli;

/// <summary><c>vcsp server</c>: one or more groups, each on its own UDP port (memo §3), until Ctrl-C or SIGTERM.</summary>
internal static class ServerCommand
{
    public const string Usage = """
        usage: vcsp server [--bind ADDRESS] [--port PORT] [--group NAME[:PORT]]... [--owner NAME] [--policy reject|drop]
                           [--sip-port PORT] [--codecs LIST] [--max-members N] [--member-timeout SECONDS]
                           [--advertise [NAME=]HOST:PORT]...

          --bind ADDRESS   the local address to listen on (default 0.0.0.0, all IPv4 interfaces; :: for IPv6)
          --port PORT      the port of a group given without one (default 50429)
          --group NAME     a group to host, optionally on its own port (NAME:PORT; 0 picks a free one); repeat
                           for several (default: lobby)
          --owner NAME     the administrator's member name (default: none)
          --policy P       what to do with a join that cannot be accepted (another version or address, a bad
                           or taken name, a full group): reject (default, a Reject that says why) or drop
          --sip-port PORT  the SIP port (UDP and TCP) every group's call shares (default 5060); 0 picks a free one
          --max-members N  the most members a group has at once (default 256); joins not yet confirmed
                           (PROTOCOL.md §8.1 step 6) do not count
          --member-timeout SECONDS
                           remove a member that sent nothing for this long, freeing its name (default 60;
                           clients send a keepalive every 15 s)
          --codecs LIST    the call's codecs, most preferred first, comma-separated:
                           opus, pcmu, pcma, g722, h264, mp2t or their ids (default: all six in that order)
          --advertise [NAME=]HOST:PORT
                           another address clients may reach a group at (a port forward, NAT or a UDP proxy in
                           front of it): a join naming it is accepted, and the member is told that address (INFO,
                           and its call: HOST with the SIP port, PORT as the media port). Without NAME= it is for
                           the group on --port (the one given without its own port); NAME= names any group.
                           HOST is a.b.c.d, [IPv6] or a host name (resolved once at start, every address of it
                           advertised). Repeat for several
        """;

    /// <summary>The parsed options.</summary>
    internal sealed record Options(IPAddress Bind, List<(string Name, int Port)> Groups, string Owner, JoinPolicy Policy, int SipPort, byte[]? Codecs)
    {
        /// <summary>The member cap of each group.</summary>
        public int MaxMembers { get; init; } = 256;

        /// <summary>How long a silent member stays.</summary>
        public TimeSpan MemberTimeout { get; init; } = TimeSpan.FromSeconds(60);

        /// <summary>The advertised addresses (PROTOCOL.md §8.1 step 3): for which group, and a host (not yet resolved) and port.</summary>
        public IReadOnlyList<(string Group, string Host, int Port)> Advertise { get; init; } = [];
    }

    /// <summary>Parses the options, or returns an error message.</summary>
    public static (Options? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var bind = IPAddress.Any;
        var port = 50429;
        var groups = new List<(string Name, int? Port)>();
        var owner = string.Empty;
        var policy = JoinPolicy.Reject;
        var sipPort = 5060;
        byte[]? codecs = null;
        var maxMembers = 256;
        var memberTimeout = TimeSpan.FromSeconds(60);
        var advertise = new List<(string? Group, string Host, int Port)>();
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
                        if (!int.TryParse(value[(colon + 1)..], out var gp) || gp is < 0 or > 65535)
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
                case "--sip-port" when int.TryParse(value, out var sp) && sp is >= 0 and <= 65535:
                    sipPort = sp;
                    break;
                case "--sip-port":
                    return (null, $"'{value}' is not a SIP port (0 to 65535)");
                case "--max-members" when int.TryParse(value, out var mm) && mm is >= 1 and <= 32767:
                    maxMembers = mm;
                    break;
                case "--max-members":
                    return (null, $"'{value}' is not a member cap (1 to 32767)");
                case "--member-timeout" when double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var mt) && mt is >= 1 and <= 86400:
                    memberTimeout = TimeSpan.FromSeconds(mt);
                    break;
                case "--member-timeout":
                    return (null, $"'{value}' is not a member timeout in seconds (1 to 86400)");
                case "--codecs" when CodecNames.TryParse(value, out var list):
                    codecs = list;
                    break;
                case "--codecs":
                    return (null, $"'{value}' is not a codec list: {CodecNames.Known}");
                case "--advertise" when TryParseAdvertised(value, out var forGroup, out var host, out var hostPort):
                    advertise.Add((forGroup, host, hostPort));
                    break;
                case "--advertise":
                    return (null, $"'{value}' is not an address to advertise ([NAME=]HOST:PORT; a.b.c.d:PORT, [IPv6]:PORT or HOSTNAME:PORT)");
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
        var fixedPorts = resolved.Select(g => g.Item2).Where(p => p != 0).ToList();
        if (fixedPorts.Distinct().Count() != fixedPorts.Count)
        {
            return (null, "two groups cannot share a port");
        }

        // An --advertise without NAME= is for the group on --port: the one given without its own port.
        var onDefaultPort = groups.Where(g => g.Port is null).Select(g => g.Name).FirstOrDefault();
        var advertised = new List<(string Group, string Host, int Port)>();
        foreach (var (forGroup, host, hostPort) in advertise)
        {
            if (forGroup is null && onDefaultPort is null)
            {
                return (null, $"--advertise {host}:{hostPort} is for the group on --port, and every group has its own port: name the group (--advertise NAME={host}:{hostPort})");
            }

            if (forGroup is not null && !groups.Any(g => g.Name == forGroup))
            {
                return (null, $"--advertise names group '{forGroup}', which is not hosted (--group)");
            }

            advertised.Add((forGroup ?? onDefaultPort!, host, hostPort));
        }

        return (new Options(bind, resolved, owner, policy, sipPort, codecs) { MaxMembers = maxMembers, MemberTimeout = memberTimeout, Advertise = advertised }, null);
    }

    /// <summary>
    /// Splits <c>[NAME=]HOST:PORT</c>: HOST is an IPv4 address, an IPv6 address in brackets or a host name; PORT is 1 to
    /// 65535. The group name is what comes before the last '=' (a host has none).
    /// </summary>
    internal static bool TryParseAdvertised(string value, out string? group, out string host, out int port)
    {
        group = null;
        host = string.Empty;
        port = 0;
        var equals = value.LastIndexOf('=');
        if (equals >= 0)
        {
            group = value[..equals];
            value = value[(equals + 1)..];
            if (Encoding.UTF8.GetByteCount(group) is < 1 or > 32)
            {
                return false;
            }
        }

        if (value.StartsWith('['))
        {
            // [IPv6]:PORT; a bracketed address without a port does not do.
            if (!IPEndPoint.TryParse(value, out var endPoint) || endPoint.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || value.EndsWith(']'))
            {
                return false;
            }

            (host, port) = (endPoint.Address.ToString(), endPoint.Port);
            return port is >= 1 and <= 65535;
        }

        var colon = value.LastIndexOf(':');
        if (colon < 0 || value.IndexOf(':') != colon)
        {
            return false; // no port, or an IPv6 address without brackets
        }

        host = value[..colon];
        return int.TryParse(value[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            && port is >= 1 and <= 65535
            && host.Length > 0
            && Uri.CheckHostName(host) is UriHostNameType.IPv4 or UriHostNameType.Dns;
    }

    /// <summary>Resolves the advertised hosts once (an IP address stands for itself, a name for every address it has).</summary>
    private static async Task<(Dictionary<string, List<VcspAddress>>? Advertised, string? Error)> ResolveAdvertisedAsync(Options options, CancellationToken stop)
    {
        var advertised = new Dictionary<string, List<VcspAddress>>(StringComparer.Ordinal);
        foreach (var (group, host, port) in options.Advertise)
        {
            IPAddress[] addresses;
            if (IPAddress.TryParse(host, out var literal))
            {
                addresses = [literal];
            }
            else
            {
                try
                {
                    addresses = await Dns.GetHostAddressesAsync(host, stop).ConfigureAwait(false);
                }
                catch (System.Net.Sockets.SocketException e)
                {
                    return (null, $"cannot resolve advertised host '{host}': {e.Message}");
                }

                if (addresses.Length == 0)
                {
                    return (null, $"advertised host '{host}' has no address");
                }
            }

            if (!advertised.TryGetValue(group, out var list))
            {
                advertised[group] = list = [];
            }

            list.AddRange(addresses.Select(a => VcspAddress.FromEndPoint(new IPEndPoint(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a, port))).Distinct());
        }

        return (advertised, null);
    }

    /// <summary>Runs the groups until <paramref name="stop"/> is cancelled. Port 0 picks a free port (tests).</summary>
    public static async Task<int> RunAsync(Options options, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var (advertised, problem) = await ResolveAdvertisedAsync(options, stop).ConfigureAwait(false);
        if (advertised is null)
        {
            error.WriteLine($"vcsp server: {problem}");
            return 1;
        }

        var hostAddresses = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .ToList();
        VcspServerHost host;
        try
        {
            host = new VcspServerHost(options.Bind, options.SipPort);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            error.WriteLine($"vcsp server: cannot listen for SIP on {options.Bind}:{options.SipPort} (UDP and TCP): {e.Message}");
            return 1;
        }

        using (host)
        {
            foreach (var (name, port) in options.Groups)
            {
                HostedGroup group;
                IReadOnlyList<VcspAddress> advertise = advertised.TryGetValue(name, out var list) ? list : [];
                try
                {
                    group = host.AddGroup(port, binding => new GroupOptions
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
                catch (System.Net.Sockets.SocketException e)
                {
                    error.WriteLine($"vcsp server: cannot listen for group {name} on {options.Bind}:{port} (UDP): {e.Message}");
                    return 1;
                }

                var also = advertise.Count == 0 ? string.Empty : ", advertised as " + string.Join(", ", advertise);
                output.WriteLine($"group {name} on {group.LocalEndPoint}{also}, SIP on {host.SipEndPoint} (UDP and TCP), codecs {CodecNames.Describe(options.Codecs ?? GroupOptions.DefaultCodecs)}");
            }

            output.Flush();

            // Ctrl-C or SIGTERM: the calls end with a BYE to every call member (PROTOCOL.md §12.5), given a moment to
            // be answered, then the groups stop.
            await host.RunAsync(stop).ConfigureAwait(false);
        }

        output.WriteLine("stopped");
        return 0;
    }
}
