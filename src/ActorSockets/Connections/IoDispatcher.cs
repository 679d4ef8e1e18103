using Akka.Actor;
using Akka.Configuration;

namespace ActorSockets.Connections;

/// <summary>
/// The two dispatchers of a server's actors.
/// <para><see cref="RequestId"/>, for the requests whose handlers run in this process (sync and
/// threading mode, TLS, datagrams): the connection actor and its handler on the .NET thread pool,
/// each mailbox run queued on the local queue of the thread that queued it
/// (<see cref="LocalQueueExecutorConfigurator"/>). A socket's completion runs on a pool thread;
/// queued locally, the connection's run, the handler's run it starts and the connection's write
/// after it follow on that same thread, as in a plain .NET socket echo, instead of waking an
/// I/O-dispatcher thread, then a handler thread, then the I/O thread again. Measured (compare.sh,
/// JIT builds, 3 rounds of 3 s, BENCHMARKS.md): pingpong with one connection 0.80× → 0.99× plain
/// .NET, unpinned and pinned alike (21 → 11 context switches per request, all threads); TLS
/// pingpong with 64 connections 0.65× → 0.86× a plain .NET SslStream echo (5.9 → 1.7 context
/// switches per request); UDP with 16 clients 0.59× → 0.73× plain .NET. The cost: pinned to one
/// core, 64 connections run at 0.83-0.91× the layout before (connections on <see cref="Id"/>,
/// handlers on Akka's default dispatcher), which batched many connections' runs per wake-up.</para>
/// <para><see cref="Id"/>, for the actors that own sockets without running a handler beside them
/// (stream listeners, and in forking mode the listener's hand-off and relay actors and a worker's
/// plain connections): a dedicated pool of one thread per core, apart from the .NET thread pool.
/// Every accept passes through a listener, and these actors never block, so a small fixed pool
/// suits them. Override either at the top level of the actor system's configuration.</para>
/// </summary>
internal static class IoDispatcher
{
    /// <summary>The dispatcher of listeners and of connections whose handler runs elsewhere.</summary>
    public const string Id = "actorsockets.io-dispatcher";

    /// <summary>The dispatcher of the handlers that run in this process and their connections.</summary>
    public const string RequestId = "actorsockets.request-dispatcher";

    private static readonly Config Definition = ConfigurationFactory.ParseString($$"""
        {{Id}} {
          type = Dispatcher
          executor = fork-join-executor
          fork-join-executor {
            parallelism-min = 1
            parallelism-factor = 1.0
            parallelism-max = 64
          }
          throughput = 30
        }
        """);

    private static readonly Config RequestDefinition = ConfigurationFactory.ParseString($$"""
        {{RequestId}} {
          type = Dispatcher
          executor = "{{typeof(LocalQueueExecutorConfigurator).FullName}}, {{typeof(LocalQueueExecutorConfigurator).Assembly.GetName().Name}}"
          throughput = 30
        }
        """);

    /// <summary>Makes <see cref="Id"/>, <see cref="RequestId"/> and <see cref="CompactMailbox.Id"/> resolvable in
    /// <paramref name="system"/>, once, as fallbacks (the system's own configuration wins): the
    /// per-request actors and the listener name them.</summary>
    public static void Register(ActorSystem system)
    {
        InjectOnce(system, Id, Definition);
        InjectOnce(system, RequestId, RequestDefinition);
        InjectOnce(system, CompactMailbox.Id, CompactMailbox.Definition);
    }

    private static void InjectOnce(ActorSystem system, string path, Config definition)
    {
        if (!system.Settings.Config.HasPath(path)) system.Settings.InjectTopLevelFallback(definition);
    }
}
