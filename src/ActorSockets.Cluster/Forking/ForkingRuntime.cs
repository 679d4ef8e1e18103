using ActorSockets.Handlers;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Cluster;

namespace ActorSockets.Forking;

/// <summary>
/// The listener-side parts of forking mode for one server: the worker pool (routing) and the
/// supervisor of the worker processes this listener starts. Started with the server; stopped
/// after the server drained, so in-flight requests finish before their workers go.
/// </summary>
internal sealed class ForkingRuntime : IForkingRuntime
{
    private readonly ForkingOptions _options;
    private readonly IActorRef? _processes;
    private readonly int _maxLineLength;

    private ForkingRuntime(ForkingOptions options, IActorRef pool, IActorRef? processes, int maxLineLength)
    {
        _options = options;
        _maxLineLength = maxLineLength;
        Pool = pool;
        _processes = processes;
    }

    /// <summary>Routes requests to workers.</summary>
    public IActorRef Pool { get; }

    /// <summary>The launcher the listener's connections use.</summary>
    public HandlerLauncher Launcher => new ForkingHandlerLauncher(Pool, _maxLineLength);

    /// <summary>Starts the pool and the worker processes; the system must be a cluster node.</summary>
    public static ForkingRuntime Start(ActorSystem system, ServerOptions options, string name)
    {
        if (((ExtendedActorSystem)system).Provider is not Akka.Cluster.ClusterActorRefProvider)
            throw new InvalidOperationException("Forking mode needs an actor system with akka.actor.provider = cluster (see ForkingConfig.Listener).");
        var cluster = Cluster.Get(system);
        if (cluster.Settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress); // the listener is its own seed
        var forking = options.Forking;
        var metrics = ServerMetrics.For(name, options); // the listener's tags: one server, one set of series
        var pool = system.ActorOf(Props.Create(() => new WorkerPool(forking.WorkerWaitTimeout, metrics)), $"{name}-workers");
        IActorRef? processes = forking.Workers > 0
            ? system.ActorOf(Props.Create(() => new WorkerProcesses(forking, cluster.SelfAddress.ToString(), pool)), $"{name}-processes")
            : null;
        return new ForkingRuntime(forking, pool, processes, options.MaxLineLength) { ClusterAddress = cluster.SelfAddress.ToString() };
    }

    /// <summary>The listener's cluster address: the seed node workers join.</summary>
    public string ClusterAddress { get; private init; } = "";

    /// <summary>Waits until this listener's own workers have joined (workers warm before serving).</summary>
    public Task WaitForWorkersAsync(int count, TimeSpan timeout)
        => Pool.Ask<WorkersReady>(new WaitForWorkers(count), timeout);

    /// <summary>Stops the worker processes, then the pool.</summary>
    public async Task StopAsync(ActorSystem system)
    {
        if (system.WhenTerminated.IsCompleted) return; // the processes actor killed its workers as it stopped
        if (_processes is not null)
        {
            try
            {
                await _processes.Ask<WorkersStopped>(StopWorkers.Instance, _options.StopTimeout + TimeSpan.FromSeconds(5));
            }
            catch (AskTimeoutException) { /* killed by the stop deadline or PostStop below */ }
            try
            {
                await _processes.GracefulStop(TimeSpan.FromSeconds(5));
            }
            catch (TaskCanceledException) { /* PostStop kills what is left */ }
        }
        try
        {
            await Pool.GracefulStop(TimeSpan.FromSeconds(5));
        }
        catch (TaskCanceledException) { /* stopping anyway */ }
    }
}

/// <summary>Forking mode on Akka.Cluster: what the core loads by type name
/// (<see cref="ForkingMode.ImplementationType"/>) when a server asks for <see cref="ServerMode.Forking"/>.</summary>
internal sealed class ClusterForkingMode : ForkingMode
{
    public override Akka.Configuration.Config ListenerConfig(ServerOptions options)
        => ForkingConfig.Listener(options.Forking.ClusterHost, options.Forking.ClusterPort);

    public override IForkingRuntime Start(ActorSystem system, ServerOptions options, string name)
        => ForkingRuntime.Start(system, options, name);
}
