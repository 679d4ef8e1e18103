using Akka.Configuration;

namespace ActorSockets.Forking;

/// <summary>
/// The Akka configuration of the two kinds of node in forking mode: the listener (the seed,
/// role <c>listener</c>) and workers (role <c>worker</c>). hocon/cluster.conf documents every
/// setting used here; user configuration given to these methods wins over them.
/// </summary>
internal static class ForkingConfig
{
    /// <summary>Role of the node that owns the sockets.</summary>
    public const string ListenerRole = "listener";

    /// <summary>Role of nodes that run handlers.</summary>
    public const string WorkerRole = "worker";

    /// <summary>Name of the worker host actor on every worker node (<c>/user/actorsockets-worker</c>).</summary>
    public const string WorkerHostName = "actorsockets-worker";

    /// <summary>Configuration of the listener node, bound to <paramref name="host"/>:<paramref name="port"/> (0 = free port).</summary>
    public static Config Listener(string host, int port) => Node(host, port, ListenerRole, []);

    /// <summary>Configuration of a worker node joining <paramref name="seedNodes"/>.</summary>
    public static Config Worker(IReadOnlyList<string> seedNodes, string host = "127.0.0.1", int port = 0)
        => Node(host, port, WorkerRole, seedNodes);

    /// <summary>Checks that <paramref name="seed"/> is a cluster node's address
    /// (<c>akka.tcp://SYSTEM@HOST:PORT</c>).</summary>
    /// <exception cref="ArgumentException">It is not, with one line that says why.</exception>
    public static void CheckSeedNode(string seed)
    {
        const string form = "akka.tcp://actorsockets@HOST:PORT, as the listener logs it: Cluster address of this listener";
        Akka.Actor.Address address;
        try
        {
            address = Akka.Actor.Address.Parse(seed);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            throw new ArgumentException($"--seed-nodes: '{seed}' is not a cluster address ({form})");
        }
        if (address.Protocol != "akka.tcp" || string.IsNullOrEmpty(address.System) || string.IsNullOrEmpty(address.Host)
            || address.Port is not (> 0 and <= 65535))
            throw new ArgumentException($"--seed-nodes: '{seed}' is not a cluster address ({form})");
    }

    private static Config Node(string host, int port, string role, IReadOnlyList<string> seeds)
    {
        var seedList = string.Join(", ", seeds.Select(s => $"\"{s}\""));
        var bindings = string.Join("\n", WireSerializer.Types.Select(t => $"\"{t.FullName}, {t.Assembly.GetName().Name}\" = actorsockets"));
        return ConfigurationFactory.ParseString($$"""
            akka.actor.serialization-bindings {
              {{bindings}}
            }
            akka.remote.dot-netty.tcp.hostname = "{{host}}"
            akka.remote.dot-netty.tcp.port = {{port}}
            akka.cluster.roles = ["{{role}}"]
            akka.cluster.seed-nodes = [{{seedList}}]
            """).WithFallback(ClusterDefaults.Value);
    }

    /// <summary>hocon/cluster.conf, compiled in: the one source of the cluster settings.</summary>
    private static readonly Lazy<Config> ClusterDefaults = new(() =>
    {
        using var stream = typeof(ForkingConfig).Assembly.GetManifestResourceStream("ActorSockets.cluster.conf")
            ?? throw new InvalidOperationException("cluster.conf is not embedded in ActorSockets.Cluster");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });
}
