using ActorSockets.Nodes;
using ActorSockets.Servers;
using Akka.Actor;

namespace KeyValue.Store;

/// <summary>
/// Where handlers find "the store": the actor named <see cref="Name"/> under <c>/user</c> of the
/// listener's actor system. The program decides at start which store that is (<see cref="Start(ActorSystem)"/>:
/// the replicated <see cref="ReplicatedStore"/> on a cluster node, else the in-memory
/// <see cref="MemoryStore"/>); handlers only speak the messages of <c>StoreMessages.cs</c> to it.
/// </summary>
static class StoreLocator
{
    /// <summary>The store actor's name.</summary>
    public const string Name = "kv-store";

    /// <summary>Starts the store <paramref name="system"/> calls for: keys replicated across the
    /// cluster when it is a listener node (started with --cluster-port), else in its memory.</summary>
    public static IActorRef Start(ActorSystem system)
        => Start(system, ClusterNode.IsNode(system) ? Props.Create<ReplicatedStore>() : Props.Create<MemoryStore>());

    /// <summary>Starts <paramref name="store"/> as the store in <paramref name="system"/>.</summary>
    public static IActorRef Start(ActorSystem system, Props store) => system.ActorOf(store, Name);

    /// <summary>The store of the server <paramref name="server"/> belongs to.</summary>
    public static Task<IActorRef> ResolveAsync(IActorContext context, IActorRef server, TimeSpan timeout)
        => context.ActorSelection(server.Path.Root / "user" / Name).ResolveOne(timeout);
}
