using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.DistributedData;

namespace ActorSockets.Nodes;

/// <summary>
/// Cluster-wide state beside the listener, reached from a handler through its own actor system
/// (<c>Context.System</c>), never through a node's address: Akka.Cluster.Tools' pub/sub mediator,
/// Akka.DistributedData's replicator and Akka.Cluster.Sharding's regions. The actor system must be
/// a cluster node (<see cref="ClusterNode"/>); a message that crosses nodes is serialized (strings,
/// numbers and byte arrays as they are; records fall back to JSON, so keep them plain data, and
/// give records holding <c>byte[]</c> a serializer of their own).
/// </summary>
public static class SharedState
{
    /// <summary>The pub/sub mediator (<c>DistributedPubSub.Get(system).Mediator</c>): tell it
    /// <c>Subscribe</c>, <c>Publish</c>, <c>Send</c> from Akka.Cluster.Tools.PublishSubscribe.</summary>
    public static IActorRef PubSub(this ActorSystem system) => DistributedPubSub.Get(system).Mediator;

    /// <summary>The replicator (<c>DistributedData.Get(system).Replicator</c>): <c>Dsl.Update</c>,
    /// <c>Dsl.Get</c>, <c>Dsl.Subscribe</c> with a consistency such as <c>WriteMajority</c>.</summary>
    public static IActorRef Replicator(this ActorSystem system) => DistributedData.Get(system).Replicator;

    /// <summary>Starts the shard region of entity type <paramref name="typeName"/> on this node:
    /// each message told to the region goes, unchanged, to the one entity (on whichever node
    /// holds its shard) named by <paramref name="entityIdOf"/>, created from <paramref name="entityProps"/>
    /// on first use. Every node that serves the type starts it, with the same arguments.</summary>
    /// <param name="system">A cluster node's actor system.</param>
    /// <param name="typeName">The entity type's name, the same on every node.</param>
    /// <param name="entityProps">Props of one entity.</param>
    /// <param name="entityIdOf">The entity a message is for; null for a message the region does not take.</param>
    /// <param name="shards">Shards the entities are spread over: about ten per node the cluster may grow to.</param>
    /// <returns>The region: tell it messages for any entity.</returns>
    public static IActorRef StartShardRegion(this ActorSystem system, string typeName, Props entityProps,
        Func<object, string?> entityIdOf, int shards = 100)
        => ClusterSharding.Get(system).Start(typeName, entityProps, ClusterShardingSettings.Create(system),
            HashCodeMessageExtractor.Create(shards, message => entityIdOf(message)!, message => message));

    /// <summary>The shard region started for <paramref name="typeName"/> on this node.</summary>
    /// <exception cref="ArgumentException">No region of that type was started here.</exception>
    public static IActorRef ShardRegion(this ActorSystem system, string typeName) => ClusterSharding.Get(system).ShardRegion(typeName);
}
