using Akka.Actor;
using Akka.Configuration;

namespace ActorSockets.Connections;

/// <summary>
/// The dispatcher of the actors that own sockets (listeners and plain stream connections; TLS
/// connections run on <see cref="TlsId"/>): a dedicated
/// pool of one thread per core, apart from the .NET thread pool that handlers, timers and the
/// rest of the system use. Chosen by measurement (compare.sh, one run each; BENCHMARKS.md): against
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

    /// <summary>
    /// The dispatcher of TLS connections and their handlers: the .NET thread pool, each mailbox run
    /// queued on the local queue of the thread that queued it (<see cref="LocalQueueExecutorConfigurator"/>).
    /// A TLS read completes on a thread-pool thread that has just decrypted the record; queued
    /// locally, the connection's run, the handler's run it starts and the connection's write after
    /// it follow on that same thread, as in a plain <c>SslStream</c> echo, instead of waking an
    /// I/O-dispatcher thread, then a handler thread, then the I/O thread again. Measured
    /// (BENCHMARKS.md; C# load generator, 5 interleaved rounds of 3 s, medians, ReadyToRun): TLS
    /// pingpong with 64 connections 0.65× → 0.86× a plain .NET SslStream echo, 5.9 → 1.7 context
    /// switches per request; TLS handshakes (16 clients, one line each) 0.77× → 0.93×. Plain
    /// connections stay on <see cref="Id"/>: there the same executor made 64-connection pingpong
    /// slower (compare.sh: 0.82× → 0.64× plain .NET), because their reads complete on the socket
    /// engine's thread, not on a thread that goes on to run them. Override
    /// <c>actorsockets.tls-dispatcher</c> in the actor system's configuration to change it.
    /// </summary>
    public const string TlsId = "actorsockets.tls-dispatcher";

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

    private static readonly Config TlsDefinition = ConfigurationFactory.ParseString($$"""
        {{TlsId}} {
          type = Dispatcher
          executor = "{{typeof(LocalQueueExecutorConfigurator).FullName}}, {{typeof(LocalQueueExecutorConfigurator).Assembly.GetName().Name}}"
          throughput = 30
        }
        """);

    /// <summary>Makes <see cref="Id"/>, <see cref="TlsId"/> and <see cref="CompactMailbox.Id"/> resolvable in
    /// <paramref name="system"/>, once, as fallbacks (the system's own configuration wins): the
    /// per-request actors and the listener name them.</summary>
    public static void Register(ActorSystem system)
    {
        InjectOnce(system, Id, Definition);
        InjectOnce(system, TlsId, TlsDefinition);
        InjectOnce(system, CompactMailbox.Id, CompactMailbox.Definition);
    }

    private static void InjectOnce(ActorSystem system, string path, Config definition)
    {
        if (!system.Settings.Config.HasPath(path)) system.Settings.InjectTopLevelFallback(definition);
    }
}
