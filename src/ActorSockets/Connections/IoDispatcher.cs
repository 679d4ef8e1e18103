using Akka.Actor;
using Akka.Configuration;

namespace ActorSockets.Connections;

/// <summary>
/// The dispatcher of the actors that own sockets (listeners and stream connections): a dedicated
/// pool of one thread per core, apart from the .NET thread pool that handlers, timers and the
/// rest of the system use. Chosen by measurement (issue 10, one compare.sh run each): against
/// Akka's default dispatcher, 64-connection pingpong p99 went from 2.1x to 1.0x plain .NET
/// sockets unpinned and pinned throughput rose by about a seventh; with the listeners on it too,
/// UDP rose by about a sixth. These actors never block, so a small fixed pool suits them;
/// handlers, which may block as socketserver handlers do, stay on the thread pool (on this pool
/// they made one-request connections slower, and a blocking handler would stall every socket).
/// Override <c>actorsockets.io-dispatcher</c> in the actor system's configuration to change it.
/// </summary>
internal static class IoDispatcher
{
    /// <summary>The configuration path the connection props name.</summary>
    public const string Id = "actorsockets.io-dispatcher";

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

    /// <summary>Makes <see cref="Id"/>, <see cref="TlsDispatcher.Id"/> and <see cref="CompactMailbox.Id"/> resolvable in
    /// <paramref name="system"/>, once, as fallbacks (the system's own configuration wins): the
    /// per-request actors and the listener name them.</summary>
    public static void Register(ActorSystem system)
    {
        InjectOnce(system, Id, Definition);
        InjectOnce(system, TlsDispatcher.Id, TlsDispatcher.Definition);
        InjectOnce(system, CompactMailbox.Id, CompactMailbox.Definition);
    }

    private static void InjectOnce(ActorSystem system, string path, Config definition)
    {
        if (!system.Settings.Config.HasPath(path)) system.Settings.InjectTopLevelFallback(definition);
    }
}
