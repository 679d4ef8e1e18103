using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace ActorSockets.Forking;

/// <summary>
/// The listener-side parts of forking mode for one server: the worker pool (routing) and the
/// supervisor of the worker processes this listener starts. Started with the server; stopped
/// after the server drained, so in-flight requests finish before their workers go.
/// </summary>
internal sealed class ForkingRuntime : IForkingRuntime
{
    private readonly ForkingOptions _options;
    private readonly ActorSystem _system;
    private readonly string _name;
    private readonly int _maxLineLength;
    private readonly HandoffLinks? _links;
    private readonly LocalPlacement? _handoff;
    private IActorRef? _processes;

    private ForkingRuntime(ActorSystem system, string name, ForkingOptions options, IActorRef pool, int maxLineLength, HandoffLinks? links, LocalPlacement? handoff)
    {
        _system = system;
        _name = name;
        _options = options;
        _maxLineLength = maxLineLength;
        Pool = pool;
        _links = links;
        _handoff = handoff;
    }

    /// <summary>Routes requests to workers.</summary>
    public IActorRef Pool { get; }

    /// <summary>The launcher the listener uses: stream sockets are offered whole to our own workers
    /// (when <see cref="ForkingOptions.SocketHandoff"/>), everything else is relayed.</summary>
    public HandlerPlacement Launcher => new ForkingHandlerPlacement(Pool, _maxLineLength, handoff: _handoff);

    /// <summary>Starts the pool and the link socket; the system must be a cluster node. The worker
    /// processes start with <see cref="StartWorkersAsync"/>, once the server's address is bound.</summary>
    public static ForkingRuntime Start(ActorSystem system, ServerOptions options, string name)
    {
        if (((ExtendedActorSystem)system).Provider is not Akka.Cluster.ClusterActorRefProvider)
            throw new InvalidOperationException("Forking mode needs an actor system with akka.actor.provider = cluster (see ForkingConfig.Listener).");
        var cluster = Cluster.Get(system);
        if (cluster.Settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress); // the listener is its own seed
        var forking = options.Forking;
        var metrics = ServerMeasures.For(name, options); // the listener's tags: one server, one set of series
        var placement = new LocalPlacement();
        var pool = system.ActorOf(Props.Create(() => new WorkerPool(forking.WorkerWaitTimeout, metrics, placement)), $"actorsockets-workers-{name}");
        // Our own workers get a link: their lifetime (end of stream = the listener is gone) and,
        // for stream servers, the way accepted sockets reach them.
        var links = forking.Workers > 0
            ? new HandoffLinks(pool, HandoffProtocol.ServerSettings.Of(options, name), Akka.Event.Logging.GetLogger(system, typeof(HandoffLinks)))
            : null;
        var handoff = links is not null && forking.SocketHandoff && options.Kind == SocketKind.Stream ? placement : null;
        var address = cluster.SelfAddress.ToString();
        Logging.GetLogger(system, typeof(ForkingRuntime))
            .Info("Cluster address of this listener: {Address} (worker nodes join it with --worker --seed-nodes)", address);
        return new ForkingRuntime(system, name, forking, pool, options.MaxLineLength, links, handoff) { ClusterAddress = address };
    }

    /// <summary>The listener's cluster address: the seed node workers join.</summary>
    public string ClusterAddress { get; private init; } = "";

    /// <summary>Starts this listener's own worker processes, then waits until they have joined
    /// (workers warm before serving). Called once the address is bound: a busy port fails alone,
    /// before any worker process starts and writes to the same stderr.</summary>
    public Task StartWorkersAsync(int count, TimeSpan timeout)
    {
        if (_links is not null && _processes is null)
            _processes = _system.ActorOf(Props.Create(() => new WorkerProcesses(_options, ClusterAddress, Pool, _links.Path)), $"actorsockets-processes-{_name}");
        return Pool.Ask<WorkersReady>(new WaitForWorkers(count) { Linked = _handoff is not null }, timeout);
    }

    /// <summary>Stops the worker processes, then the pool.</summary>
    public async Task StopAsync(ActorSystem system)
    {
        if (system.WhenTerminated.IsCompleted) // the processes actor killed its workers as it stopped
        {
            _links?.Dispose();
            return;
        }
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
        _links?.Dispose();
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
