using ActorSockets.Forking;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Event;

namespace ActorSockets.Nodes;

/// <summary>
/// A listener node: an actor system that is one member of a cluster of servers, each accepting
/// its own clients. Create the actor system with <see cref="Config"/>, then <see cref="Join"/> it;
/// handlers then reach cluster-wide state through <see cref="SharedState"/>. hocon/nodes.conf
/// documents every setting used here, the downing strategy above all.
/// </summary>
public static class ClusterNode
{
    /// <summary>Role of every listener node (forking mode's listener is <c>listener</c>, its workers <c>worker</c>).</summary>
    public const string Role = "node";

    /// <summary>The actor system configuration of a node with <paramref name="options"/>; user
    /// configuration given with it (<c>yours.WithFallback(ClusterNode.Config(...))</c>) wins.</summary>
    public static Config Config(ClusterNodeOptions options)
    {
        var seeds = string.Join(", ", options.SeedNodes.Select(s => $"\"{s}\""));
        return ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp.hostname = "{{options.Host}}"
            akka.remote.dot-netty.tcp.port = {{options.Port}}
            akka.cluster.seed-nodes = [{{seeds}}]
            """)
            .WithFallback(NodeDefaults.Value)
            .WithFallback(ForkingConfig.Listener(options.Host, options.Port))
            // The modules' own settings, serializers above all, bound from the start: a message from
            // another node's mediator or replicator must deserialize before this node uses either.
            .WithFallback(DistributedPubSub.DefaultConfig())
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(ClusterSharding.DefaultConfig())
            .WithFallback(Akka.DistributedData.DistributedData.DefaultConfig());
    }

    /// <summary>Whether <paramref name="system"/> is a listener node (made with <see cref="Config"/>):
    /// a program can make its shared state cluster-wide then and keep it local otherwise.</summary>
    public static bool IsNode(ActorSystem system)
        => ((ExtendedActorSystem)system).Provider is Akka.Cluster.ClusterActorRefProvider
           && Akka.Cluster.Cluster.Get(system).SelfRoles.Contains(Role);

    /// <summary>Joins the cluster: the configured seed nodes, or, without any, this node itself
    /// (the first node of a new cluster). Logs this node's address (what the others name as a
    /// seed node), then each member that joins or leaves, once. Serving need not wait for it: a
    /// node alone still serves its own clients.</summary>
    /// <returns>This node's cluster address (what the others give as a seed node).</returns>
    public static string Join(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        system.ActorOf(Props.Create(() => new Membership()), "actorsockets-cluster-members");
        if (cluster.Settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress);
        var address = cluster.SelfAddress.ToString();
        Logging.GetLogger(system, typeof(ClusterNode))
            .Info("Cluster address of this node: {Address} (other nodes list it in their seed nodes)", address);
        return address;
    }

    /// <summary>hocon/nodes.conf, compiled in.</summary>
    private static readonly Lazy<Config> NodeDefaults = new(() =>
    {
        using var stream = typeof(ClusterNode).Assembly.GetManifestResourceStream("ActorSockets.nodes.conf")
            ?? throw new InvalidOperationException("nodes.conf is not embedded in ActorSockets.Cluster");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });
}
