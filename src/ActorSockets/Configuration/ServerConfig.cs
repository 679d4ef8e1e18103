using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorSockets.Forking;
using ActorSockets.Servers;
using Akka.Configuration;

namespace ActorSockets.Configuration;

/// <summary>
/// Reads a named server's <see cref="ServerOptions"/> from HOCON: <c>actorsockets.servers.&lt;name&gt;</c>
/// over <c>actorsockets.server-defaults</c> over the reference configuration. Every problem —
/// an unknown key, a value of the wrong type, an unknown mode, a bad CIDR, a port out of range,
/// a negative limit — is a <see cref="ServerConfigurationException"/> naming the full path.
/// </summary>
public static partial class ServerConfig
{
    /// <summary>One HOCON key: the <see cref="ServerOptions"/> property it sets and how.</summary>
    private sealed record Setting(string Key, string Property, Func<Reader, ServerOptions, ServerOptions> Apply);

    // The endpoint comes from three keys at once; it is built separately, so these only claim the keys.
    private static readonly Setting[] Settings =
    [
        new("host", nameof(ServerOptions.Endpoint), (_, o) => o),
        new("port", nameof(ServerOptions.Endpoint), (_, o) => o),
        new("unix-path", nameof(ServerOptions.Endpoint), (_, o) => o),
        new("kind", nameof(ServerOptions.Kind), (r, o) => o with { Kind = r.Enum<SocketKind>("kind") }),
        new("mode", nameof(ServerOptions.Mode), (r, o) => o with { Mode = r.Enum<ServerMode>("mode") }),
        new("backlog", nameof(ServerOptions.Backlog), (r, o) => o with { Backlog = r.Int("backlog") }),
        new("reuse-address", nameof(ServerOptions.ReuseAddress), (r, o) => o with { ReuseAddress = r.OptionalBool("reuse-address") }),
        new("reuse-port", nameof(ServerOptions.ReusePort), (r, o) => o with { ReusePort = r.Bool("reuse-port") }),
        new("no-delay", nameof(ServerOptions.NoDelay), (r, o) => o with { NoDelay = r.Bool("no-delay") }),
        new("dual-mode", nameof(ServerOptions.DualMode), (r, o) => o with { DualMode = r.Bool("dual-mode") }),
        new("max-line-length", nameof(ServerOptions.MaxLineLength), (r, o) => o with { MaxLineLength = r.Bytes("max-line-length") }),
        new("write-buffer-limit", nameof(ServerOptions.WriteBufferLimit), (r, o) => o with { WriteBufferLimit = r.Bytes("write-buffer-limit") }),
        new("read-timeout", nameof(ServerOptions.ReadTimeout), (r, o) => o with { ReadTimeout = r.OptionalDuration("read-timeout") }),
        new("max-connections", nameof(ServerOptions.MaxConnections), (r, o) => o with { MaxConnections = r.OptionalLimit("max-connections") }),
        new("idle-timeout", nameof(ServerOptions.IdleTimeout), (r, o) => o with { IdleTimeout = r.OptionalDuration("idle-timeout") }),
        new("first-byte-timeout", nameof(ServerOptions.FirstByteTimeout), (r, o) => o with { FirstByteTimeout = r.OptionalDuration("first-byte-timeout") }),
        new("request-deadline", nameof(ServerOptions.RequestDeadline), (r, o) => o with { RequestDeadline = r.OptionalDuration("request-deadline") }),
        new("timeout", nameof(ServerOptions.Timeout), (r, o) => o with { Timeout = r.OptionalDuration("timeout") }),
        new("service-interval", nameof(ServerOptions.ServiceInterval), (r, o) => o with { ServiceInterval = r.Duration("service-interval") }),
        new("block-on-close", nameof(ServerOptions.BlockOnClose), (r, o) => o with { BlockOnClose = r.Bool("block-on-close") }),
        new("drain-timeout", nameof(ServerOptions.DrainTimeout), (r, o) => o with { DrainTimeout = r.Duration("drain-timeout") }),
        new("supervision.on-failure", Supervise(nameof(SupervisionOptions.OnFailure)),
            (r, o) => Supervise(o, s => s with { OnFailure = r.Enum<FailurePolicy>("supervision.on-failure") })),
        new("supervision.max-restarts", Supervise(nameof(SupervisionOptions.MaxRestarts)),
            (r, o) => Supervise(o, s => s with { MaxRestarts = r.Int("supervision.max-restarts") })),
        new("supervision.within", Supervise(nameof(SupervisionOptions.Within)),
            (r, o) => Supervise(o, s => s with { Within = r.Duration("supervision.within") })),
        new("supervision.circuit-breaker.max-failures", Breaker(nameof(CircuitBreakerOptions.MaxFailures)),
            (r, o) => Breaker(o, b => b with { MaxFailures = r.OptionalLimit("supervision.circuit-breaker.max-failures") })),
        new("supervision.circuit-breaker.within", Breaker(nameof(CircuitBreakerOptions.Within)),
            (r, o) => Breaker(o, b => b with { Within = r.Duration("supervision.circuit-breaker.within") })),
        new("supervision.circuit-breaker.reset-timeout", Breaker(nameof(CircuitBreakerOptions.ResetTimeout)),
            (r, o) => Breaker(o, b => b with { ResetTimeout = r.Duration("supervision.circuit-breaker.reset-timeout") })),
        new("supervision.circuit-breaker.refuse-reply", Breaker(nameof(CircuitBreakerOptions.RefuseReply)),
            (r, o) => Breaker(o, b => b with { RefuseReply = r.VerbatimString("supervision.circuit-breaker.refuse-reply") })),
        new("allow", nameof(ServerOptions.Allow), (r, o) => o with { Allow = r.Networks("allow") }),
        new("deny", nameof(ServerOptions.Deny), (r, o) => o with { Deny = r.Networks("deny") }),
        new("forking.workers", Fork(nameof(ForkingOptions.Workers)),
            (r, o) => Fork(o, f => f with { Workers = r.OptionalInt("forking.workers") ?? ForkingOptions.DefaultWorkers })),
        new("forking.max-children", Fork(nameof(ForkingOptions.MaxChildren)),
            (r, o) => Fork(o, f => f with { MaxChildren = r.Int("forking.max-children") })),
        new("forking.worker-wait-timeout", Fork(nameof(ForkingOptions.WorkerWaitTimeout)),
            (r, o) => Fork(o, f => f with { WorkerWaitTimeout = r.Duration("forking.worker-wait-timeout") })),
        new("forking.restart-delay", Fork(nameof(ForkingOptions.RestartDelay)),
            (r, o) => Fork(o, f => f with { RestartDelay = r.Duration("forking.restart-delay") })),
        new("forking.max-restarts", Fork(nameof(ForkingOptions.MaxRestarts)),
            (r, o) => Fork(o, f => f with { MaxRestarts = r.Int("forking.max-restarts") })),
        new("forking.restarts-within", Fork(nameof(ForkingOptions.RestartsWithin)),
            (r, o) => Fork(o, f => f with { RestartsWithin = r.Duration("forking.restarts-within") })),
        new("forking.restart-backoff-max", Fork(nameof(ForkingOptions.RestartBackoffMax)),
            (r, o) => Fork(o, f => f with { RestartBackoffMax = r.Duration("forking.restart-backoff-max") })),
        new("forking.stop-timeout", Fork(nameof(ForkingOptions.StopTimeout)),
            (r, o) => Fork(o, f => f with { StopTimeout = r.Duration("forking.stop-timeout") })),
        new("forking.cluster-host", Fork(nameof(ForkingOptions.ClusterHost)),
            (r, o) => Fork(o, f => f with { ClusterHost = r.String("forking.cluster-host") })),
        new("forking.cluster-port", Fork(nameof(ForkingOptions.ClusterPort)),
            (r, o) => Fork(o, f => f with { ClusterPort = r.Int("forking.cluster-port") })),
        new("forking.worker-start-timeout", Fork(nameof(ForkingOptions.WorkerStartTimeout)),
            (r, o) => Fork(o, f => f with { WorkerStartTimeout = r.Duration("forking.worker-start-timeout") })),
        new("proxy-protocol", nameof(ServerOptions.ProxyProtocol), (r, o) => o with { ProxyProtocol = r.Enum<ProxyProtocolMode>("proxy-protocol") }),
        new("proxy-protocol-timeout", nameof(ServerOptions.ProxyProtocolTimeout),
            (r, o) => o with { ProxyProtocolTimeout = r.Duration("proxy-protocol-timeout") }),
        new("proxy-protocol-trusted", nameof(ServerOptions.ProxyProtocolTrusted),
            (r, o) => o with { ProxyProtocolTrusted = r.Networks("proxy-protocol-trusted", anyPeer: true) }),
        new("max-pending-handshakes", nameof(ServerOptions.MaxPendingHandshakes),
            (r, o) => o with { MaxPendingHandshakes = r.Int("max-pending-handshakes") }),
        // TLS is on when tls.certificate names a file; the other tls keys apply only then.
        new("tls.certificate", "Tls.Certificate", (r, o) => TlsOn(o, r.String("tls.certificate"))),
        new("tls.key", "Tls.Key", (r, o) => WithTls(o, t => t with { Key = r.String("tls.key") })),
        new("tls.password", "Tls.Password", (r, o) => WithTls(o, t => t with { Password = r.String("tls.password") })),
        new("tls.client-certificate", "Tls.ClientCertificate",
            (r, o) => WithTls(o, t => t with { ClientCertificate = r.Enum<ActorSockets.Tls.ClientCertificateMode>("tls.client-certificate") })),
        new("tls.ca", "Tls.Ca", (r, o) => WithTls(o, t => t with { Ca = r.String("tls.ca") })),
        new("tls.protocols", "Tls.Protocols", (r, o) => WithTls(o, t => t with { Protocols = Protocols(r) })),
        new("tls.handshake-timeout", "Tls.HandshakeTimeout",
            (r, o) => WithTls(o, t => t with { HandshakeTimeout = r.Duration("tls.handshake-timeout") })),
        new("forking.socket-handoff", Fork(nameof(ForkingOptions.SocketHandoff)),
            (r, o) => Fork(o, f => f with { SocketHandoff = r.Bool("forking.socket-handoff") })),
    ];

    /// <summary>Every key a server section may hold, in reference order; a nested key is dotted
    /// (<c>forking.workers</c> is <c>workers</c> inside <c>forking { }</c>).</summary>
    public static IReadOnlyList<string> Keys { get; } = Settings.Select(s => s.Key).ToArray();

    /// <summary>Keys that hold an object of settings rather than a value (<c>forking</c>,
    /// <c>supervision</c>, <c>supervision.circuit-breaker</c>).</summary>
    private static readonly string[] Groups = Keys.Select(k => k.Split('.'))
        .SelectMany(parts => Enumerable.Range(1, parts.Length - 1).Select(n => string.Join('.', parts[..n])))
        .Distinct().ToArray();

    /// <summary>The options of server <paramref name="name"/> as <paramref name="config"/> describes
    /// them (the reference configuration fills whatever it leaves out). Validated.</summary>
    /// <exception cref="ServerConfigurationException">A setting is invalid; its path is named.</exception>
    public static ServerOptions Read(Config config, string name)
    {
        CheckName(name);
        config = (config ?? Config.Empty).SafeWithFallback(ActorSocketsConfig.Reference);
        var own = $"{ActorSocketsConfig.ServersPath}.{name}";
        CheckKnownKeys(config);
        CheckKeys(config, own);
        var section = Section(config, own).WithFallback(Section(config, ActorSocketsConfig.DefaultsPath));
        var reader = new Reader(section, own, key => config.HasPath($"{own}.{key}"));

        var options = new ServerOptions { Endpoint = ReadEndpoint(reader) };
        foreach (var setting in Settings) options = setting.Apply(reader, options);
        options = options with { RaiseFileLimit = ReadRaiseFileLimit(config) };
        try
        {
            options.Validate();
            // ServerOptions checks the forking settings only in forking mode; a bad value in a
            // file is a mistake whatever the mode, and would surface only when the mode changes.
            options.Forking.Validate();
        }
        catch (ArgumentException e)
        {
            throw reader.Bad(KeyOf(e.ParamName), Reason(e.Message));
        }
        return options;
    }

    /// <summary>The setting (<c>port</c>, <c>tls.certificate</c>) of a <see cref="ServerOptions"/> property
    /// as <see cref="ServerOptions.Validate"/> names it (<c>Endpoint</c>, <c>Tls.Certificate</c>).</summary>
    internal static string KeyOf(string? property)
    {
        var key = Settings.FirstOrDefault(s => s.Property == property)?.Key ?? property ?? "";
        return key == "host" ? "port" : key;
    }

    /// <summary><c>actorsockets.raise-file-limit</c>: a process-wide setting (the open-file limit is
    /// the process's, shared by all its servers), so it sits beside the server sections, not in them.</summary>
    private static bool ReadRaiseFileLimit(Config config)
    {
        const string root = "actorsockets";
        return new Reader(Section(config, root), root, _ => true).Bool("raise-file-limit");
    }

    /// <summary>An address for <c>host</c> settings and options: an IP address or <c>localhost</c>.</summary>
    public static bool TryParseHost(string host, out IPAddress address)
    {
        if (host == "localhost")
        {
            address = IPAddress.Loopback;
            return true;
        }
        return IPAddress.TryParse(host, out address!);
    }

    /// <summary>A CIDR network as settings write it ("10.0.0.0/8", no host bits set); with
    /// <paramref name="anyPeer"/>, also <c>*</c> for every IPv4 and IPv6 address. Null when it is not one.</summary>
    internal static IReadOnlyList<IPNetwork>? ParseNetwork(string text, bool anyPeer = false)
    {
        text = text.Trim();
        if (anyPeer && text == "*") return ServerOptions.AnyPeer;
        // IPNetwork masks host bits silently; "10.0.0.1/8" is more likely a typo than a wish for 10.0.0.0/8.
        return IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(text.Split('/')[0], out var address)
            && network.BaseAddress.Equals(address) ? [network] : null;
    }

    /// <summary>Server names become HOCON keys, actor names and metric tags: keep them plain.</summary>
    public static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
            throw new ArgumentException(
                $"Server name '{name}' must be letters, digits, '-' or '_', starting with a letter or digit.", nameof(name));
    }

    private static EndPoint ReadEndpoint(Reader reader)
    {
        var unixPath = reader.String("unix-path");
        if (unixPath.Length > 0) return new UnixDomainSocketEndPoint(unixPath);
        var host = reader.String("host");
        if (!TryParseHost(host, out var address))
            throw reader.Bad("host", $"'{host}' is not an IP address or localhost");
        var port = reader.Int("port");
        if (port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
            throw reader.Bad("port", $"{port} is outside 0..65535");
        return new IPEndPoint(address, port);
    }

    /// <summary>Refuses any key under <c>actorsockets</c> that the reference configuration does not
    /// know — a misspelled section (<c>actorsockets.server-default</c>) as much as a misspelled
    /// setting — naming its full path. Every server section is checked, not only the one read.</summary>
    /// <exception cref="ServerConfigurationException">An unknown key; its path is named.</exception>
    public static void CheckKnownKeys(Config config)
    {
        const string root = "actorsockets";
        if (config is null || !config.HasPath(root)) return;
        // The reference's sections, and the dispatcher and mailbox the library defines in the
        // actor system (documented there; users may override them).
        string[] known =
        [
            .. Section(ActorSocketsConfig.Reference, root).AsEnumerable().Select(item => item.Key),
            .. new[] { Connections.IoDispatcher.Id, Connections.IoDispatcher.RequestId, Connections.CompactMailbox.Id }.Select(id => id[(root.Length + 1)..].Split('.')[0]),
        ];
        foreach (var (key, _) in Section(config, root).AsEnumerable())
            if (!known.Contains(key))
                throw new ServerConfigurationException($"{root}.{key}", $"unknown section (known: {string.Join(", ", known)})");
        CheckKeys(config, ActorSocketsConfig.DefaultsPath);
        foreach (var (name, _) in Section(config, ActorSocketsConfig.ServersPath).AsEnumerable())
            CheckKeys(config, $"{ActorSocketsConfig.ServersPath}.{name}");
    }

    /// <summary>Refuses a server section that names none of the program's servers
    /// (<c>servers.ecko</c>, or <c>servers.Echo</c> for <c>echo</c>): its settings would be
    /// ignored without a word.</summary>
    /// <exception cref="ServerConfigurationException">A section for an unknown server; its path and the known names are given.</exception>
    public static void CheckServerNames(Config config, IReadOnlyCollection<string> servers)
    {
        if (config is null) return;
        foreach (var (name, _) in Section(config, ActorSocketsConfig.ServersPath).AsEnumerable())
            if (!servers.Contains(name))
                throw new ServerConfigurationException($"{ActorSocketsConfig.ServersPath}.{name}",
                    $"no server of this program is named '{name}' (its {(servers.Count == 1 ? "server is" : "servers are")} {string.Join(", ", servers.Select(s => $"'{s}'"))}; names are case-sensitive)");
    }

    private static void CheckKeys(Config config, string path)
    {
        foreach (var (key, value) in Section(config, path).AsEnumerable()) CheckKey(path, key, value);
    }

    /// <summary>Checks <paramref name="key"/> and, for a group, every key inside it, at any depth.</summary>
    private static void CheckKey(string path, string key, Akka.Configuration.Hocon.HoconValue value)
    {
        if (!Groups.Contains(key))
        {
            CheckKey(path, key);
            return;
        }
        if (!value.IsObject())
            throw new ServerConfigurationException($"{path}.{key}", "must be an object { ... }");
        foreach (var (inner, innerValue) in value.GetObject().Items) CheckKey(path, $"{key}.{inner}", innerValue);
    }

    private static void CheckKey(string path, string key)
    {
        if (!Keys.Contains(key))
            throw new ServerConfigurationException($"{path}.{key}", $"unknown setting (known: {string.Join(", ", Keys)})");
    }

    /// <summary>The property name ServerOptions.Validate reports for a forking setting.</summary>
    private static string Fork(string property) => $"{nameof(ServerOptions.Forking)}.{property}";

    private static ServerOptions Fork(ServerOptions options, Func<ForkingOptions, ForkingOptions> change)
        => options with { Forking = change(options.Forking) };

    /// <summary>The property name ServerOptions.Validate reports for a supervision setting.</summary>
    private static string Supervise(string property) => $"{nameof(ServerOptions.Supervision)}.{property}";

    private static string Breaker(string property) => Supervise($"{nameof(SupervisionOptions.CircuitBreaker)}.{property}");

    private static ServerOptions Supervise(ServerOptions options, Func<SupervisionOptions, SupervisionOptions> change)
        => options with { Supervision = change(options.Supervision) };

    private static ServerOptions Breaker(ServerOptions options, Func<CircuitBreakerOptions, CircuitBreakerOptions> change)
        => Supervise(options, s => s with { CircuitBreaker = change(s.CircuitBreaker) });

    private static ServerOptions TlsOn(ServerOptions options, string certificate)
        => certificate.Length == 0 ? options : options with { Tls = new ActorSockets.Tls.TlsOptions { Certificate = certificate } };

    private static ServerOptions WithTls(ServerOptions options, Func<ActorSockets.Tls.TlsOptions, ActorSockets.Tls.TlsOptions> change)
        => options.Tls is null ? options : options with { Tls = change(options.Tls) };

    private static System.Security.Authentication.SslProtocols Protocols(Reader reader)
    {
        try
        {
            return ActorSockets.Tls.TlsOptions.ParseProtocols(reader.String("tls.protocols"));
        }
        catch (ArgumentException e)
        {
            throw reader.Bad("tls.protocols", Reason(e.Message));
        }
    }

    /// <summary>The object at <paramref name="path"/>, empty when absent; anything else there is a bad setting.</summary>
    internal static Config Section(Config config, string path)
    {
        if (!config.HasPath(path)) return Config.Empty;
        try
        {
            return config.GetConfig(path);
        }
        catch (Exception e) when (e is not ServerConfigurationException)
        {
            throw new ServerConfigurationException(path, "must be an object { ... }", e);
        }
    }

    /// <summary>ServerOptions.Validate says "Invalid server setting 'X': why."; keep the why.</summary>
    internal static string Reason(string message)
    {
        var start = message.IndexOf(": ", StringComparison.Ordinal);
        var reason = start < 0 ? message : message[(start + 2)..];
        var paramNote = reason.IndexOf(" (Parameter", StringComparison.Ordinal);
        return (paramNote < 0 ? reason : reason[..paramNote]).TrimEnd('.');
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex NamePattern();
}
