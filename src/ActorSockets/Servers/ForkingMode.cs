using Akka.Actor;
using Akka.Configuration;
using ActorSockets.Handlers;

namespace ActorSockets.Servers;

/// <summary>
/// Forking mode as the core sees it: something that runs handlers out of process. The core
/// does not reference Akka.Cluster; the implementation lives in the <c>ActorSockets.Cluster</c>
/// package and is found by its type name when a server asks for <see cref="ServerMode.Forking"/>,
/// the way Akka finds <c>akka.actor.provider = cluster</c>.
/// </summary>
internal abstract class ForkingMode
{
    /// <summary>The implementation's assembly-qualified type name.</summary>
    public const string ImplementationType = "ActorSockets.Forking.ClusterForkingMode, ActorSockets.Cluster";

    /// <summary>Loads the implementation.</summary>
    /// <exception cref="InvalidOperationException">The ActorSockets.Cluster assembly is not there.</exception>
    public static ForkingMode Load()
    {
        var type = Type.GetType(ImplementationType, throwOnError: false)
            ?? throw new InvalidOperationException(
                "Forking mode needs the ActorSockets.Cluster package (dotnet add package ActorSockets.Cluster).");
        return (ForkingMode)Activator.CreateInstance(type)!;
    }

    /// <summary>The actor system configuration a forking listener needs (a cluster node).</summary>
    public abstract Config ListenerConfig(ServerOptions options);

    /// <summary>Starts the listener-side parts (worker pool, worker processes) for server <paramref name="name"/>.</summary>
    public abstract IForkingRuntime Start(ActorSystem system, ServerOptions options, string name);
}

/// <summary>One forking server's running out-of-process side.</summary>
internal interface IForkingRuntime
{
    /// <summary>Starts each request's handler (a stand-in for one in a worker).</summary>
    HandlerPlacement Launcher { get; }

    /// <summary>The worker pool actor (answers <c>WaitForWorkers</c>).</summary>
    IActorRef Pool { get; }

    /// <summary>The listener's cluster address: the seed node workers join.</summary>
    string ClusterAddress { get; }

    /// <summary>Starts the listener's own worker processes (called once its address is bound, so a
    /// busy address fails before any worker starts) and waits until <paramref name="count"/> workers serve.</summary>
    Task StartWorkersAsync(int count, TimeSpan timeout);

    /// <summary>Stops the worker processes and the pool (after the server drained).</summary>
    Task StopAsync(ActorSystem system);
}
