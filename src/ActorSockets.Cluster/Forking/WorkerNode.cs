using ActorSockets.Servers;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;

namespace ActorSockets.Forking;

/// <summary>
/// A worker node: the program's handlers without sockets. It joins the listener's cluster with
/// the <c>worker</c> role and runs every request the listener routes to it. It exits when its
/// stdin closes (the listener that started it is gone), on SIGTERM/Ctrl-C (leaving the cluster
/// first), or when the cluster downs it.
/// </summary>
public static class WorkerNode
{
    /// <summary>Runs a worker node until it is told to stop; returns the process exit code.</summary>
    /// <param name="handlerProps">The same handler props the server uses in threading mode.</param>
    /// <param name="seedNodes">The listener's cluster address(es), e.g. <c>akka.tcp://actorsockets@127.0.0.1:4053</c>.</param>
    /// <param name="host">Address this node binds for the cluster.</param>
    /// <param name="createSystem">Makes the worker's actor system from the configuration given
    /// (ActorSockets.Hosting passes one that logs through Microsoft.Extensions.Logging); null logs to stderr.</param>
    public static async Task<int> RunAsync(Props handlerProps, IReadOnlyList<string> seedNodes,
        string host = "127.0.0.1", Func<Config, ActorSystem>? createSystem = null)
    {
        if (seedNodes.Count == 0) throw new ArgumentException("A worker needs at least one seed node (the listener's cluster address).", nameof(seedNodes));
        // Workers are quiet: their output lands in the listener's stderr.
        var quiet = Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING");
        var config = quiet.WithFallback(ForkingConfig.Worker(seedNodes, host));
        var system = createSystem?.Invoke(config) ?? DefaultActorSystem.Create("actorsockets", config);
        system.ActorOf(Props.Create(() => new WorkerHost(handlerProps)), ForkingConfig.WorkerHostName);

        var leave = () => CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; _ = leave(); });
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; _ = leave(); });
        if (Console.IsInputRedirected) _ = ExitWhenStdinCloses(leave);
        Cluster.Get(system).RegisterOnMemberRemoved(() => _ = system.Terminate());
        system.ActorOf(Props.Create(() => new ListenerWatch(leave)), "actorsockets-listener-watch");

        await system.WhenTerminated;
        return 0;
    }

    /// <summary>The listener holds the other end of our stdin: end-of-file means it is gone.</summary>
    private static async Task ExitWhenStdinCloses(Func<Task> leave)
    {
        var buffer = new byte[256];
        using var stdin = Console.OpenStandardInput();
        try
        {
            while (await stdin.ReadAsync(buffer) > 0) { }
        }
        catch (IOException) { /* a broken pipe means the same */ }
        await leave();
    }

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
