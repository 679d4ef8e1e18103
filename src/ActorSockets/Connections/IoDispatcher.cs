using Akka.Actor;
using Akka.Configuration;

namespace ActorSockets.Connections;

/// <summary>
/// The two dispatchers of a server's actors.
/// <para><see cref="Id"/>, for the actors that own plain sockets: listeners and stream
/// connections. Its <see cref="IoExecutor"/> runs a mailbox on the pool thread that queued it when
/// the process is quiet, and on its own I/O threads (one per core) when work waits: a lone
/// request is served on one thread, and under load the I/O threads batch many connections per
/// wake-up. These actors never block.</para>
/// <para><see cref="RequestId"/>, for the handlers a server starts in this process (sync and
/// threading mode), TLS connections and datagram listeners: the .NET thread pool, each mailbox
/// run queued on the local queue of the thread that queued it
/// (<see cref="LocalQueueExecutorConfigurator"/>), so a handler's run follows its connection's on
/// the same thread. A handler that blocks holds a pool thread, as any blocking code on the pool
/// does. Measured (BENCHMARKS.md): TLS pingpong with 64 connections 0.65× → 0.86× a plain .NET
/// SslStream echo (5.9 → 1.7 context switches per request); UDP with 16 clients 0.59× → 0.73×
/// plain .NET.</para>
/// Override either at the top level of the actor system's configuration.
/// </summary>
internal static class IoDispatcher
{
    /// <summary>The dispatcher of listeners and plain stream connections.</summary>
    public const string Id = "actorsockets.io-dispatcher";

    /// <summary>The dispatcher of the handlers that run in this process, of TLS connections and of datagram listeners.</summary>
    public const string RequestId = "actorsockets.request-dispatcher";

    private static readonly Config Definition = ConfigurationFactory.ParseString($$"""
        {{Id}} {
          type = Dispatcher
          executor = "{{typeof(IoExecutorConfigurator).FullName}}, {{typeof(IoExecutorConfigurator).Assembly.GetName().Name}}"
          threads = 0
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
        InjectOnce(system, $"{Id}.type", Definition);
        InjectOnce(system, $"{RequestId}.type", RequestDefinition);
        InjectOnce(system, $"{CompactMailbox.Id}.mailbox-type", CompactMailbox.Definition);
    }

    /// <summary>Adds <paramref name="definition"/> unless the system's configuration already has
    /// <paramref name="key"/>: a definition of its own replaces ours, while a single setting
    /// (<c>actorsockets.io-dispatcher.threads = 4</c>) overrides ours and keeps the rest of it.</summary>
    private static void InjectOnce(ActorSystem system, string key, Config definition)
    {
        if (!system.Settings.Config.HasPath(key)) system.Settings.InjectTopLevelFallback(definition);
    }
}
