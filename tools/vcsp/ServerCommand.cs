using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using VcspGen;
using VcspGen.Runtime;

namespace Vcsp.Cli;

/// <summary>
/// <c>vcsp server</c>: one or more groups, each on its own UDP port (memo §3), until Ctrl-C or SIGTERM, as a hosted
/// service (<see cref="ServerHosting"/>). Every option can also come from a JSON file (<c>--config</c>) and from
/// environment variables (<c>VCSP_Server__Port=5000</c>): the command line wins over the environment, which wins over
/// the file.
/// </summary>
internal static class ServerCommand
{
    /// <summary>The configuration section that holds the server's settings.</summary>
    public const string Section = "Server";

    /// <summary>The prefix of the environment variables read as configuration.</summary>
    public const string EnvironmentPrefix = "VCSP_";

    /// <summary>The parsed options.</summary>
    internal sealed record Options(IPAddress Bind, List<(string Name, int Port)> Groups, string Owner, JoinPolicy Policy, int SipPort, byte[]? Codecs)
    {
        /// <summary>The member cap of each group.</summary>
        public int MaxMembers { get; init; } = 256;

        /// <summary>How long a silent member stays.</summary>
        public TimeSpan MemberTimeout { get; init; } = TimeSpan.FromSeconds(60);

        /// <summary>The advertised addresses (PROTOCOL.md §8.1 step 3): for which group, and a host (not yet resolved) and port.</summary>
        public IReadOnlyList<(string Group, string Host, int Port)> Advertise { get; init; } = [];

        /// <summary>Where to serve the meters for Prometheus to scrape (<c>http://HOST:PORT/metrics</c>), or null for nowhere.</summary>
        public IPEndPoint? Prometheus { get; init; }

        /// <summary>The least severe log level written (console, or the journal under systemd).</summary>
        public LogLevel LogLevel { get; init; } = LogLevel.Information;

        /// <summary>The cluster's NATS server (<c>nats://HOST:PORT</c>), or null for groups of this server alone.</summary>
        public string? Cluster { get; init; }

        /// <summary>This server's node name in the cluster.</summary>
        public string? Node { get; init; }
    }

    public static Command Create(VcspCommandLine line)
    {
        var config = new Option<FileInfo>("--config") { HelpName = "FILE", Description = "A JSON file with any of these options, under \"Server\" (see README: Running a server). The environment (VCSP_Server__Port=...) overrides it, and the command line overrides both." };
        var bind = new Option<string>("--bind") { HelpName = "ADDRESS", Description = "The local address to listen on [default: 0.0.0.0, all IPv4 interfaces; :: for IPv6]." };
        var port = new Option<int>("--port") { HelpName = "PORT", Description = "The port of a group given without one [default: 50429]." };
        var groups = new Option<string[]>("--group") { HelpName = "NAME[:PORT]", Description = "A group to host, optionally on its own port (0 picks a free one); repeat for several [default: lobby]." };
        var owner = new Option<string>("--owner") { HelpName = "NAME", Description = "The administrator's member name [default: none]." };
        var policy = new Option<string>("--policy") { HelpName = "reject|drop", Description = "What to do with a join that cannot be accepted (another version or address, a bad or taken name, a full group): reject (a Reject that says why) or drop [default: reject]." };
        policy.AcceptOnlyFromAmong("reject", "drop");
        var sipPort = new Option<int>("--sip-port") { HelpName = "PORT", Description = "The SIP port (UDP and TCP) every group's call shares; 0 picks a free one [default: 5060]." };
        var maxMembers = new Option<int>("--max-members") { HelpName = "N", Description = "The most members a group has at once; joins not yet confirmed (PROTOCOL.md §8.1 step 6) do not count [default: 256]." };
        var memberTimeout = new Option<double>("--member-timeout") { HelpName = "SECONDS", Description = "Remove a member that sent nothing for this long, freeing its name (clients send a keepalive every 15 s) [default: 60]." };
        var codecs = new Option<string>("--codecs") { HelpName = "LIST", Description = "The call's codecs, most preferred first, comma-separated: opus, pcmu, pcma, g722, h264, mp2t or their ids [default: all six in that order]." };
        var advertise = new Option<string[]>("--advertise") { HelpName = "[NAME=]HOST:PORT", Description = "Another address clients may reach a group at (a port forward, NAT or a UDP proxy in front of it): a join naming it is accepted, and the member is told that address (INFO, and its call: HOST with the SIP port, PORT as the media port). Without NAME= it is for the group on --port (the one given without its own port). HOST is a.b.c.d, [IPv6] or a host name (resolved once at start). Repeat for several." };
        var logLevel = new Option<string>("--log-level") { HelpName = "LEVEL", Description = "The least severe log entry written: trace, debug, information, warning, error, critical or none [default: information; joins, leaves, kicks and calls are information, dropped datagrams debug]." };
        logLevel.AcceptOnlyFromAmong("trace", "debug", "information", "warning", "error", "critical", "none");
        var prometheus = new Option<string>("--prometheus") { HelpName = "HOST:PORT", Description = "Serve the runtime's meters at http://HOST:PORT/metrics for Prometheus to scrape (OpenTelemetry's exporter), e.g. 127.0.0.1:9464 [default: off; dotnet-counters reads them without it]." };
        var cluster = new Option<string>("--cluster") { HelpName = "nats://HOST:PORT", Description = "Make the groups nodes of a cluster on this NATS server (JetStream enabled): other servers with the same --cluster and group names host the same groups, and members on any of them chat together (README: Running a cluster) [default: off]." };
        var node = new Option<string>("--node") { HelpName = "NAME", Description = "This server's name in the cluster, unique among its nodes: 1 to 32 of A-Z, a-z, 0-9, '-' and '_' (required with --cluster)." };
        var command = new Command("server", "Host one or more groups on UDP until Ctrl-C or SIGTERM (a systemd service too: see README).")
        {
            config, bind, port, groups, owner, policy, sipPort, maxMembers, memberTimeout, codecs, advertise, logLevel, prometheus, cluster, node,
        };
        line.SetEpilog(command, """
            Configuration: every option above is also a key of the "Server" section of --config's JSON file or of an
            environment variable, e.g. {"Server": {"Port": 5000, "Groups": ["lobby", "games:50430"]}} or
            VCSP_Server__Port=5000 and VCSP_Server__Groups__0=lobby. The log level is "Logging:LogLevel:Default".
            The command line wins over the environment, the environment over the file; a list (--group, --advertise)
            given on the command line replaces the configured one.
            Exit codes: 0 after Ctrl-C or SIGTERM; 1 when a port cannot be bound; 2 wrong arguments or configuration.
            """);
        command.SetAction(parsed =>
        {
            var given = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            void Put(string key, object? value)
            {
                if (value is not null)
                {
                    given[key] = Convert.ToString(value, CultureInfo.InvariantCulture);
                }
            }

            Put("Bind", parsed.GetValue(bind));
            Put("Port", VcspCommandLine.Given(parsed, port));
            Put("Owner", parsed.GetValue(owner));
            Put("Policy", parsed.GetValue(policy));
            Put("SipPort", VcspCommandLine.Given(parsed, sipPort));
            Put("MaxMembers", VcspCommandLine.Given(parsed, maxMembers));
            Put("MemberTimeout", VcspCommandLine.Given(parsed, memberTimeout));
            Put("Codecs", parsed.GetValue(codecs));
            Put("Prometheus", parsed.GetValue(prometheus));
            Put("Cluster", parsed.GetValue(cluster));
            Put("Node", parsed.GetValue(node));
            var (configuration, loadProblem) = Load(parsed.GetValue(config)?.FullName, given, parsed.GetValue(logLevel));
            if (configuration is null)
            {
                return line.Fail(command, loadProblem!);
            }

            var (options, problem) = Resolve(configuration, parsed.GetValue(groups), parsed.GetValue(advertise));
            return options is null
                ? line.Fail(command, problem!)
                : ServerHosting.RunAsync(options, configuration, line.Output, line.Error, line.Stop).GetAwaiter().GetResult();
        });
        return command;
    }

    /// <summary>The configuration: the JSON file, then the environment, then what the command line gave.</summary>
    internal static (IConfigurationRoot? Configuration, string? Error) Load(string? file, IReadOnlyDictionary<string, string?> commandLine, string? logLevel)
    {
        var builder = new ConfigurationBuilder();
        if (file is not null)
        {
            if (!File.Exists(file))
            {
                return (null, $"no such configuration file: '{file}'");
            }

            builder.AddJsonFile(file, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        var given = commandLine.ToDictionary(p => Section + ":" + p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        if (logLevel is not null)
        {
            given["Logging:LogLevel:Default"] = logLevel;
        }

        builder.AddInMemoryCollection(given);
        try
        {
            return (builder.Build(), null);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException)
        {
            return (null, $"cannot read '{file}': {(e.InnerException ?? e).Message}");
        }
    }

    /// <summary>Checks the merged settings and makes the options, or says what is wrong (and where it came from).</summary>
    internal static (Options? Options, string? Error) Resolve(IConfiguration configuration, string[]? commandLineGroups, string[]? commandLineAdvertise)
    {
        var settings = configuration.GetSection(Section);
        string? Value(string key) => settings[key] is { Length: > 0 } v ? v : null;
        string[] List(string key, string[]? fromCommandLine) =>
            fromCommandLine is { Length: > 0 } ? fromCommandLine
            : settings.GetSection(key).GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToArray() is { Length: > 0 } children ? children
            : Value(key) is { } single ? [single] : [];

        var bind = IPAddress.Any;
        if (Value("Bind") is { } bindText && !IPAddress.TryParse(bindText, out bind!))
        {
            return (null, $"'{bindText}' is not an IP address (--bind)");
        }

        if (!TryInt(Value("Port"), 50429, 1, out var port))
        {
            return (null, $"'{Value("Port")}' is not a port (1 to 65535)");
        }

        var owner = Value("Owner") ?? string.Empty;
        if (owner.Length > 0 && !MemberNames.IsValid(owner))
        {
            return (null, $"owner name '{owner}' is not a member name: 1 to 32 bytes, no spaces, control or format characters");
        }

        var policy = JoinPolicy.Reject;
        if (Value("Policy") is { } policyText)
        {
            if (!Enum.TryParse(policyText, ignoreCase: true, out policy) || !Enum.IsDefined(policy))
            {
                return (null, $"policy must be reject or drop, not '{policyText}'");
            }
        }

        if (!TryInt(Value("SipPort"), 5060, 0, out var sipPort))
        {
            return (null, $"'{Value("SipPort")}' is not a SIP port (0 to 65535)");
        }

        if (!TryInt(Value("MaxMembers"), 256, 1, out var maxMembers, 32767))
        {
            return (null, $"'{Value("MaxMembers")}' is not a member cap (1 to 32767)");
        }

        var memberTimeout = TimeSpan.FromSeconds(60);
        if (Value("MemberTimeout") is { } timeoutText)
        {
            if (!double.TryParse(timeoutText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 86400)
            {
                return (null, $"'{timeoutText}' is not a member timeout in seconds (1 to 86400)");
            }

            memberTimeout = TimeSpan.FromSeconds(seconds);
        }

        byte[]? codecs = null;
        if (Value("Codecs") is { } codecText && !CodecNames.TryParse(codecText, out codecs))
        {
            return (null, $"'{codecText}' is not a codec list: {CodecNames.Known}");
        }

        var logLevel = LogLevel.Information;
        if (configuration["Logging:LogLevel:Default"] is { Length: > 0 } levelText && !Enum.TryParse(levelText, ignoreCase: true, out logLevel))
        {
            return (null, $"'{levelText}' is not a log level (trace, debug, information, warning, error, critical, none)");
        }

        IPEndPoint? scrape = null;
        if (Value("Prometheus") is { } scrapeText && (!IPEndPoint.TryParse(scrapeText, out scrape) || scrape.Port == 0))
        {
            return (null, $"'{scrapeText}' is not ADDRESS:PORT to serve the meters at (--prometheus)");
        }

        var groups = new List<(string Name, int? Port)>();
        foreach (var value in List("Groups", commandLineGroups))
        {
            var colon = value.LastIndexOf(':');
            var name = colon < 0 ? value : value[..colon];
            int? groupPort = null;
            if (colon >= 0)
            {
                if (!int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var gp) || gp > 65535)
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
        foreach (var value in List("Advertise", commandLineAdvertise))
        {
            if (!TryParseAdvertised(value, out var forGroup, out var host, out var hostPort))
            {
                return (null, $"'{value}' is not an address to advertise ([NAME=]HOST:PORT; a.b.c.d:PORT, [IPv6]:PORT or HOSTNAME:PORT)");
            }

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

        var clusterUrl = Value("Cluster");
        var nodeName = Value("Node");
        if (clusterUrl is not null && (!Uri.TryCreate(clusterUrl, UriKind.Absolute, out var natsUri) || natsUri.Scheme != "nats" || natsUri.Port < 1 || !clusterUrl.Contains("://", StringComparison.Ordinal)))
        {
            return (null, $"'{clusterUrl}' is not a cluster address: nats://HOST:PORT");
        }

        if (clusterUrl is not null && !VcspCluster.IsValidNodeName(nodeName))
        {
            return (null, nodeName is null
                ? "--cluster needs --node NAME: this server's name in the cluster"
                : $"'{nodeName}' is not a node name: 1 to 32 of A-Z, a-z, 0-9, '-' and '_'");
        }

        if (clusterUrl is null && nodeName is not null)
        {
            return (null, "--node names this server in a cluster: give --cluster nats://HOST:PORT too");
        }

        return (new Options(bind, resolved, owner, policy, sipPort, codecs) { MaxMembers = maxMembers, MemberTimeout = memberTimeout, Advertise = advertised, LogLevel = logLevel, Prometheus = scrape, Cluster = clusterUrl, Node = nodeName }, null);
    }

    private static bool TryInt(string? text, int fallback, int min, out int value, int max = 65535)
    {
        value = fallback;
        return text is null || int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
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
    internal static async Task<(Dictionary<string, List<VcspAddress>>? Advertised, string? Error)> ResolveAdvertisedAsync(Options options, CancellationToken stop)
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
}
