using System.CommandLine;
using ActorSockets.Forking;
using ActorSockets.Nodes;
using ActorSockets.Servers;
using Akka.Configuration;

namespace ActorSockets.CommandLine;

/// <summary>
/// What <c>--cluster-port</c> and <c>--seed-nodes</c> mean for a server (not a <c>--worker</c>):
/// in forking mode, the listener's own cluster with its workers; in threading and sync mode, a
/// listener node of a cluster of servers (<see cref="ClusterNodeOptions"/>, over <c>actorsockets.cluster</c>).
/// </summary>
internal static class ClusterFlags
{
    /// <summary>The listener-node settings of <paramref name="config"/> with the flags on top.</summary>
    /// <exception cref="ArgumentException">A bad flag, or a combination that is not supported, in one line.</exception>
    public static ClusterNodeOptions Resolve(ParseResult parsed, Config config, ServerOptions options)
    {
        var nodes = ClusterNodeOptions.Read(config);
        bool forking = options.Mode == ServerMode.Forking;
        if (!forking && ServiceOptions.Given(parsed, ServerCommandLine.ClusterPort))
            nodes = nodes with { Enabled = true, Port = parsed.GetValue(ServerCommandLine.ClusterPort) };
        if (ServiceOptions.Given(parsed, ServerCommandLine.SeedNodes))
        {
            if (forking)
                throw new ArgumentException("--seed-nodes: a forking-mode listener is its workers' seed and joins no other cluster " +
                                            "(listener nodes in one cluster run in threading or sync mode; workers take --worker --seed-nodes)");
            var seeds = Seeds(parsed);
            foreach (var seed in seeds) ForkingConfig.CheckSeedNode(seed);
            nodes = nodes with { Enabled = true, SeedNodes = seeds };
        }
        if (nodes.Enabled && forking)
            throw new ArgumentException($"{ClusterNodeOptions.ConfigPath}.enabled: a forking-mode server has its own cluster with its workers " +
                                        "and cannot also be a listener node (use threading or sync mode)");
        if (nodes.Port is < 0 or > 65535)
            throw new ArgumentException($"--cluster-port: {nodes.Port} is outside 0..65535");
        return nodes;
    }

    /// <summary><c>--seed-nodes</c>: addresses given one per argument, comma-separated, or both.</summary>
    public static string[] Seeds(ParseResult parsed)
        => [.. (parsed.GetValue(ServerCommandLine.SeedNodes) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}
