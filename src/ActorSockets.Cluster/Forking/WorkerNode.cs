using ActorSockets.Servers;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;

namespace ActorSockets.Forking;

/// <summary>
/// A worker node: the program's handlers without a listening socket. It joins the listener's
/// cluster with the <c>worker</c> role and runs every request the listener routes to it.
/// <list type="bullet">
/// <item>Started by a listener (the link's path and the listener's pid in its environment): it
/// connects the link, serves the sockets handed over it, and exits when the link reaches end of
/// stream — the listener is gone, however it died. Stdin plays no part.</item>
/// <item>Started by hand (<c>--worker --seed-nodes</c>): runs until SIGTERM/Ctrl-C (leaving the
/// cluster first) or until the cluster removes it, whatever its stdin is; logs when it joins and
/// leaves, and says every few seconds while it cannot reach its seed nodes.</item>
/// </list>
/// A listener of another wire version is refused, logged on both sides; the worker exits with code 1.
/// </summary>
public static class WorkerNode
{
    /// <summary>How often a worker that has not joined yet says so.</summary>
    public static readonly TimeSpan UnreachableSeedInterval = TimeSpan.FromSeconds(5);

    /// <summary>Runs a worker node until it is told to stop; returns the process exit code
    /// (0 after leaving, 1 when refused or when the listener that started it is already gone).</summary>
    /// <param name="handlerProps">The same handler props the server uses in threading mode.</param>
    /// <param name="seedNodes">The listener's cluster address(es), e.g. <c>akka.tcp://actorsockets@127.0.0.1:4053</c>.</param>
    /// <param name="host">Address this node binds for the cluster.</param>
    /// <param name="createSystem">Makes the worker's actor system from the configuration given
    /// (ActorSockets.Hosting passes one that logs through Microsoft.Extensions.Logging); null logs to stderr.</param>
    /// <exception cref="ArgumentException">No seed node, or one that is not a cluster address.</exception>
    public static async Task<int> RunAsync(Props handlerProps, IReadOnlyList<string> seedNodes,
        string host = "127.0.0.1", Func<Config, ActorSystem>? createSystem = null)
    {
        if (seedNodes.Count == 0) throw new ArgumentException("A worker needs at least one seed node (the listener's cluster address).", nameof(seedNodes));
        foreach (var seed in seedNodes) ForkingConfig.CheckSeedNode(seed);
        var linkPath = Environment.GetEnvironmentVariable(HandoffProtocol.LinkVariable);
        bool startedByListener = !string.IsNullOrEmpty(linkPath);
        if (startedByListener && int.TryParse(Environment.GetEnvironmentVariable(HandoffProtocol.ListenerPidVariable), out var listenerPid)
            && getppid() != listenerPid)
        {
            Console.Error.WriteLine($"Worker {Environment.ProcessId}: the listener (pid {listenerPid}) that started it is gone; exiting.");
            return 1;
        }
        // Workers a listener started are quiet: their output lands in the listener's stderr.
        var config = ForkingConfig.Worker(seedNodes, host);
        if (startedByListener) config = ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(config);
        var system = createSystem?.Invoke(config) ?? DefaultActorSystem.Create("actorsockets", config);
        var log = Akka.Event.Logging.GetLogger(system, typeof(WorkerNode));
        int exitCode = 0;
        Action<string> refused = why =>
        {
            log.Error("Worker {Pid} refused: {Reason}; exiting", Environment.ProcessId, why);
            exitCode = 1;
            _ = system.Terminate();
        };
        system.ActorOf(Props.Create(typeof(WorkerHost), handlerProps, refused), ForkingConfig.WorkerHostName);

        var leave = () => CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; _ = leave(); });
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; _ = leave(); });
        var cluster = Cluster.Get(system);
        bool joined = false;
        cluster.RegisterOnMemberUp(() =>
        {
            joined = true;
            log.Info("Worker node {Worker} (pid {Pid}) joined the cluster of {Seeds}", cluster.SelfAddress, Environment.ProcessId, string.Join(", ", seedNodes));
        });
        cluster.RegisterOnMemberRemoved(() =>
        {
            log.Info("Worker node {Worker} (pid {Pid}) left the cluster", cluster.SelfAddress, Environment.ProcessId);
            _ = system.Terminate();
        });
        system.ActorOf(Props.Create(() => new ListenerWatch(leave)), "actorsockets-listener-watch");
        if (startedByListener)
        {
            try
            {
                WorkerLinkClient.Start(system, handlerProps, linkPath!, reason =>
                {
                    // A listener that stops closes the links only after its workers have exited on its
                    // SIGTERM. A link that ends before we were told to stop means the listener died
                    // (SIGKILL, a crash) or broke the link: no cluster is left to leave gracefully.
                    // Exit now, not after the leave timeouts.
                    if (CoordinatedShutdown.Get(system).ShutdownReason is null)
                    {
                        Console.Error.WriteLine($"Worker {Environment.ProcessId}: {reason}; exiting");
                        Environment.Exit(1);
                    }
                    log.Debug("Worker {0}: {1}", Environment.ProcessId, reason);
                }, refused);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or FormatException)
            {
                log.Error("Worker {Pid} cannot use the listener's link {Link}: {Reason}; exiting", Environment.ProcessId, linkPath, e.Message);
                exitCode = 1;
                await system.Terminate();
            }
        }
        // A worker the listener started serves over its link before it joins; the listener says
        // itself when its workers do not join in time.
        if (!startedByListener) _ = SayWhileUnreachable(system, () => joined, seedNodes, log);

        await system.WhenTerminated;
        return exitCode;
    }

    /// <summary>Says every <see cref="UnreachableSeedInterval"/> that the seed nodes are not answering, until joined.</summary>
    private static async Task SayWhileUnreachable(ActorSystem system, Func<bool> joined, IReadOnlyList<string> seeds, Akka.Event.ILoggingAdapter log)
    {
        var waited = TimeSpan.Zero;
        while (true)
        {
            await Task.WhenAny(Task.Delay(UnreachableSeedInterval), system.WhenTerminated);
            if (joined() || system.WhenTerminated.IsCompleted) return;
            waited += UnreachableSeedInterval;
            log.Warning("Worker {Pid} cannot reach seed node {Seeds} after {Seconds} s; still trying", Environment.ProcessId, string.Join(", ", seeds), Math.Round(waited.TotalSeconds));
        }
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int getppid();

    /// <summary>A worker without any listener has nothing to do: once the last member with the
    /// listener role has left the cluster (or been downed), the worker leaves too.</summary>
    private sealed class ListenerWatch(Func<Task> leave) : UntypedActor
    {
        private readonly Cluster _cluster = Cluster.Get(Context.System);
        private bool _sawListener;

        protected override void PreStart()
            => _cluster.Subscribe(Self, ClusterEvent.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

        protected override void PostStop() => _cluster.Unsubscribe(Self);

        protected override void OnReceive(object message)
        {
            if (message is not ClusterEvent.IMemberEvent member || !member.Member.HasRole(ForkingConfig.ListenerRole)) return;
            if (member is ClusterEvent.MemberUp) _sawListener = true;
            else if (member is ClusterEvent.MemberRemoved or ClusterEvent.MemberDowned or ClusterEvent.MemberExited && _sawListener
                     && !_cluster.State.Members.Any(m => m.HasRole(ForkingConfig.ListenerRole) && m.Status == MemberStatus.Up && !m.Address.Equals(member.Member.Address)))
                _ = leave();
        }
    }
}
