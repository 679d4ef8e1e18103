using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.RegularExpressions;
using ActorSockets.Configuration;
using ActorSockets.Hosting;
using ActorSockets.Servers;
using Akka.Configuration;
using Microsoft.Extensions.Logging;

namespace ActorSockets.CommandLine;

/// <summary>
/// The options every ActorSockets program shares beyond the address and mode:
/// <c>--config</c> (HOCON), <c>--name</c> (which <c>actorsockets.servers.&lt;name&gt;</c> applies),
/// <c>--metrics-port</c> (Prometheus endpoint) and <c>--log-level</c>. A hosted program adds
/// them to its own command; <see cref="ServerCommandLine"/> includes them.
/// </summary>
public static partial class ServiceOptions
{
    /// <summary><c>--config FILE.conf</c>: HOCON for the servers (and Akka).</summary>
    public static readonly Option<FileInfo?> Config = new("--config")
    {
        Description = "HOCON file: actorsockets.server-defaults and actorsockets.servers.<name> configure the server, " +
                      "akka.* the actor system; options given on the command line win over it (default: none)",
    };

    /// <summary><c>--name NAME</c>: the server's name in the configuration, logs and metrics.</summary>
    public static readonly Option<string> Name = new("--name")
    {
        Description = "Server name: picks actorsockets.servers.<name> from --config; tags logs and metrics",
        DefaultValueFactory = _ => DefaultName(),
    };

    /// <summary><c>--metrics-port P</c>: serve metrics in Prometheus text format on 127.0.0.1:P.</summary>
    public static readonly Option<int> MetricsPort = new("--metrics-port")
    {
        Description = $"Serve metrics in Prometheus text format at http://<metrics-host>:<port>{MetricsEndpoint.Path}; 0 serves none",
        DefaultValueFactory = _ => 0,
    };

    /// <summary><c>--metrics-host ADDRESS</c>: the address the metrics endpoint listens on.</summary>
    public static readonly Option<string> MetricsHost = new("--metrics-host")
    {
        Description = "Address the --metrics-port endpoint listens on (0.0.0.0 or :: for every address)",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    /// <summary><c>--log-level LEVEL</c>: the least severe level written to stderr.</summary>
    public static readonly Option<LogLevel> LogLevel = new("--log-level")
    {
        Description = "Least severe log level written to stderr (Debug shows each connection accepted/refused/closed)",
        DefaultValueFactory = _ => Microsoft.Extensions.Logging.LogLevel.Information,
    };

    /// <summary><c>--log-format simple|json</c>: Microsoft's SimpleConsole or JsonConsole formatter on stderr.</summary>
    public static readonly Option<LogFormat> LogFormat = new("--log-format")
    {
        Description = "Log format on stderr: simple (one line per entry) or json (one JSON object per line, with properties)",
        DefaultValueFactory = _ => Hosting.LogFormat.Simple,
    };

    /// <summary>The shared options, in help order.</summary>
    public static IReadOnlyList<Option> All { get; } = [Config, Name, MetricsPort, MetricsHost, LogLevel, LogFormat];

    /// <summary>Starts the metrics endpoint of <c>--metrics-port</c>/<c>--metrics-host</c>, or returns null when the port is 0.</summary>
    /// <exception cref="IOException">The address cannot be listened on.</exception>
    public static IDisposable? StartMetrics(ParseResult parsed)
        => parsed.GetValue(MetricsPort) is > 0 and var port ? MetricsEndpoint.Start(port, MetricsHostOf(parsed)) : null;

    /// <summary><c>--metrics-host</c>, or 127.0.0.1 for a command without it.</summary>
    private static string MetricsHostOf(ParseResult parsed) => parsed.GetValue(MetricsHost) ?? "127.0.0.1";

    /// <summary>A logger factory for <c>--log-level</c> and <c>--log-format</c>, writing to stderr.</summary>
    public static Microsoft.Extensions.Logging.ILoggerFactory CreateLoggerFactory(ParseResult parsed)
        => ServerActorSystem.StderrLoggerFactory(parsed.GetValue(LogLevel), parsed.GetValue(LogFormat));

    /// <summary>The <c>--config</c> file with the reference configuration as fallback, or the
    /// reference configuration alone.</summary>
    /// <exception cref="ServerConfigurationException">The file cannot be read or parsed.</exception>
    public static Config LoadConfig(ParseResult parsed)
        => parsed.GetValue(Config) is { } file ? ActorSocketsConfig.LoadFile(file.FullName) : ActorSocketsConfig.Reference;

    /// <summary>Validates <c>--metrics-port</c>: 0 (off) or a port.</summary>
    public static int CheckedMetricsPort(ParseResult parsed)
    {
        var port = parsed.GetValue(MetricsPort);
        if (port is < 0 or > IPEndPoint.MaxPort)
            throw new ArgumentException($"--metrics-port: {port} is outside 0..65535.", "--metrics-port");
        var host = MetricsHostOf(parsed);
        if (port > 0 && (string.IsNullOrWhiteSpace(host) || host is not ("*" or "+") && !ServerConfig.TryParseHost(host, out _)))
            throw new ArgumentException($"--metrics-host: '{host}' is not an IP address.", "--metrics-host");
        if (port > 0 && !MetricsEndpoint.Available)
            throw new ArgumentException("--metrics-port: this program does not include the ActorSockets.Prometheus package.", "--metrics-port");
        return port;
    }

    /// <summary>
    /// The server options for <c>--name</c>: from <c>--config</c> (or the defaults), with the standard
    /// options that were given on the command line applied on top.
    /// </summary>
    public static ServerOptions Resolve(ParseResult parsed, Config config)
    {
        var name = parsed.GetValue(Name)!;
        ServerConfig.CheckServerNames(config, [name]);
        var options = ServerConfig.Read(config, name);
        if (Given(parsed, ServerCommandLine.Unix) && parsed.GetValue(ServerCommandLine.Unix) is { Length: > 0 } path)
            options = options with { Endpoint = new UnixDomainSocketEndPoint(path) };
        else if (Given(parsed, ServerCommandLine.Host) || Given(parsed, ServerCommandLine.Port))
        {
            var configured = options.Endpoint as IPEndPoint ?? new IPEndPoint(IPAddress.Loopback, 0);
            var host = parsed.GetValue(ServerCommandLine.Host)!;
            var address = !Given(parsed, ServerCommandLine.Host) ? configured.Address
                : ServerConfig.TryParseHost(host, out var parsedHost) ? parsedHost
                : throw new FormatException($"--host: '{host}' is not an IP address");
            var port = Given(parsed, ServerCommandLine.Port) ? parsed.GetValue(ServerCommandLine.Port) : configured.Port;
            if (port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
                throw new ArgumentException($"--port: {port} is outside 0..65535.", "--port");
            options = options with { Endpoint = new IPEndPoint(address, port) };
        }
        if (Given(parsed, ServerCommandLine.Udp) && parsed.GetValue(ServerCommandLine.Udp))
            options = options with { Kind = SocketKind.Datagram };
        if (Given(parsed, ServerCommandLine.Mode))
            options = options with { Mode = parsed.GetValue(ServerCommandLine.Mode) };
        if (Given(parsed, ServerCommandLine.TlsCert) && parsed.GetValue(ServerCommandLine.TlsCert) is { Length: > 0 } cert)
            options = options with
            {
                Tls = (options.Tls ?? new Tls.TlsOptions()) with
                {
                    Certificate = cert,
                    Key = parsed.GetValue(ServerCommandLine.TlsKey) ?? "",
                },
            };
        else if (Given(parsed, ServerCommandLine.TlsKey))
            throw new ArgumentException("--tls-key needs --tls-cert.", "--tls-key");
        if (Given(parsed, ServerCommandLine.ProxyProtocol))
            options = options with { ProxyProtocol = parsed.GetValue(ServerCommandLine.ProxyProtocol) };
        if (Given(parsed, ServerCommandLine.ProxyProtocolTrusted))
            options = options with { ProxyProtocolTrusted = TrustedProxies(parsed.GetValue(ServerCommandLine.ProxyProtocolTrusted)!) };
        return options with
        {
            Forking = options.Forking with
            {
                Workers = GivenOr(parsed, ServerCommandLine.Workers, options.Forking.Workers),
                MaxChildren = GivenOr(parsed, ServerCommandLine.MaxChildren, options.Forking.MaxChildren),
                ClusterPort = GivenOr(parsed, ServerCommandLine.ClusterPort, options.Forking.ClusterPort),
            },
        };
    }

    /// <summary>Validates the resolved options, naming a bad one as the user wrote it: the flag when
    /// it came from the command line, else its setting's full path.</summary>
    /// <exception cref="ArgumentException">A bad setting, its message on one line without .NET's parameter note.</exception>
    public static void Validate(ParseResult parsed, ServerOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException e) when (e.ParamName is { } property)
        {
            // The property's own flag (its first row) when any flag that bears on it was given.
            var flags = Flags.Where(f => f.Property == property).ToArray();
            var flag = flags.Any(f => Given(parsed, f.Option)) ? flags[0].Option.Name : null;
            var setting = flag ?? $"{ActorSocketsConfig.ServersPath}.{parsed.GetValue(Name)}.{ServerConfig.KeyOf(property)}";
            throw new ArgumentException($"Invalid setting {setting}: {ServerConfig.Reason(e.Message)}", e);
        }
    }

    /// <summary>The standard flags, by the ServerOptions property they set or bear on; a property's own flag first.</summary>
    private static readonly (string Property, Option Option)[] Flags =
    [
        (nameof(ServerOptions.Endpoint), ServerCommandLine.Port), (nameof(ServerOptions.Endpoint), ServerCommandLine.Host),
        (nameof(ServerOptions.Endpoint), ServerCommandLine.Unix), (nameof(ServerOptions.Kind), ServerCommandLine.Udp),
        (nameof(ServerOptions.Mode), ServerCommandLine.Mode),
        ("Tls.Certificate", ServerCommandLine.TlsCert), ("Tls.Key", ServerCommandLine.TlsKey),
        (nameof(ServerOptions.ProxyProtocol), ServerCommandLine.ProxyProtocol),
        (nameof(ServerOptions.ProxyProtocolTrusted), ServerCommandLine.ProxyProtocolTrusted),
        (nameof(ServerOptions.ProxyProtocolTrusted), ServerCommandLine.ProxyProtocol),
        // A mode or kind given on the command line can make a configured value wrong: name the flag that changed it.
        (nameof(ServerOptions.ProxyProtocol), ServerCommandLine.Udp), (nameof(ServerOptions.ProxyProtocol), ServerCommandLine.Unix),
        ("Tls.Certificate", ServerCommandLine.Udp), (nameof(ServerOptions.MaxPacketSize), ServerCommandLine.Mode),
        ("Forking.Workers", ServerCommandLine.Workers), ("Forking.MaxChildren", ServerCommandLine.MaxChildren),
        ("Forking.ClusterPort", ServerCommandLine.ClusterPort),
    ];

    private static IReadOnlyList<IPNetwork> TrustedProxies(string[] networks)
        => networks.SelectMany(n => ServerConfig.ParseNetwork(n, anyPeer: true)
            ?? throw new FormatException($"--proxy-protocol-trusted: '{n}' is not a CIDR network (address/prefix, no host bits set, e.g. 10.0.0.0/8) or *")).ToArray();

    /// <summary>The value of <paramref name="option"/> if it was on the command line, else <paramref name="configured"/>.</summary>
    private static T GivenOr<T>(ParseResult parsed, Option<T> option, T configured)
        => Given(parsed, option) ? parsed.GetValue(option)! : configured;

    /// <summary>HOCON for the actor system of a command-line server: the file, plus the log level.</summary>
    public static Config ActorSystemConfig(ParseResult parsed, Config fileConfig)
        => ConfigurationFactory.ParseString($"akka.loglevel = {LogLevels.ToHocon(parsed.GetValue(LogLevel))}")
            .WithFallback(fileConfig);

    /// <summary>Whether <paramref name="option"/> was on the command line (not just its default).</summary>
    public static bool Given(ParseResult parsed, Option option) => parsed.GetResult(option) is { Implicit: false };

    /// <summary>The program's name, lower case, as a server name ("Echo" → "echo").</summary>
    private static string DefaultName()
    {
        var program = Assembly.GetEntryAssembly()?.GetName().Name ?? "server";
        var name = NotNameChars().Replace(program.ToLowerInvariant(), "-").Trim('-', '_');
        return name.Length > 0 ? name : "server";
    }

    [GeneratedRegex("[^a-z0-9_-]+")]
    private static partial Regex NotNameChars();
}
