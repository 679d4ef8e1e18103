using ActorSockets.Configuration;
using ActorSockets.Forking;
using Akka.Configuration;

namespace ActorSockets.Nodes;

/// <summary>
/// Whether, and how, this process is a node of a cluster of listener nodes: servers that each
/// accept their own clients and share state through Akka.Cluster (sharding, pub/sub, replicated
/// data). One set for the process (its actor system is one node), read from
/// <c>actorsockets.cluster</c>; the command line's <c>--cluster-port</c> and <c>--seed-nodes</c>
/// (outside forking mode) turn it on.
/// </summary>
public sealed record ClusterNodeOptions
{
    /// <summary>Where the settings live.</summary>
    public const string ConfigPath = "actorsockets.cluster";

    /// <summary>Whether the process joins a cluster of listener nodes (default: off).</summary>
    public bool Enabled { get; init; }

    /// <summary>Address the node's cluster endpoint binds, and other nodes reach it at (default: 127.0.0.1).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Port of the node's cluster endpoint, 0..65535; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>The seed nodes' addresses (<c>akka.tcp://actorsockets@HOST:PORT</c>); empty: the
    /// node seeds itself, forming a new cluster.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    private static readonly string[] Keys = ["enabled", "host", "port", "seed-nodes"];

    /// <summary>Checks every value, naming the first bad one.</summary>
    /// <exception cref="ArgumentException">A bad value, its message on one line.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host) || !ServerConfig.TryParseHost(Host, out _))
            throw new ArgumentException($"{ConfigPath}.host: '{Host}' is not an IP address or localhost", nameof(Host));
        if (Port is < 0 or > 65535)
            throw new ArgumentException($"{ConfigPath}.port: {Port} is outside 0..65535", nameof(Port));
        foreach (var seed in SeedNodes) ForkingConfig.CheckSeedNode(seed);
    }

    /// <summary>Reads <c>actorsockets.cluster</c> from <paramref name="config"/> (which falls back on
    /// the reference configuration), refusing unknown keys and bad values.</summary>
    /// <exception cref="ServerConfigurationException">An unknown key or a bad value, its path named.</exception>
    public static ClusterNodeOptions Read(Config config)
    {
        var section = ServerConfig.Section(config, ConfigPath);
        foreach (var (key, _) in section.AsEnumerable())
            if (!Keys.Contains(key))
                throw new ServerConfigurationException($"{ConfigPath}.{key}", $"unknown setting (known: {string.Join(", ", Keys)})");
        var reader = new Reader(section, ConfigPath, _ => true);
        IReadOnlyList<string> seeds;
        try
        {
            seeds = section.HasPath("seed-nodes") ? [.. section.GetStringList("seed-nodes")] : [];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw reader.Bad("seed-nodes", "is not a list of cluster addresses (\"akka.tcp://actorsockets@HOST:PORT\", ...)", e);
        }
        var options = new ClusterNodeOptions
        {
            Enabled = section.HasPath("enabled") && reader.Bool("enabled"),
            Host = section.HasPath("host") ? reader.String("host") : "127.0.0.1",
            Port = section.HasPath("port") ? reader.Int("port") : 0,
            SeedNodes = seeds,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            // "actorsockets.cluster.port: 70000 is outside ..." -> "Invalid setting actorsockets.cluster.port: 70000 is outside ..."
            var (setting, why) = Split(e.Message);
            throw new ServerConfigurationException(setting, why, e);
        }
        return options;
    }

    private static (string Setting, string Why) Split(string message)
    {
        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        var setting = message[..colon];
        // CheckSeedNode names the flag; in a file the setting is the list.
        return (setting == "--seed-nodes" ? $"{ConfigPath}.seed-nodes" : setting, message[(colon + 2)..]);
    }
}
