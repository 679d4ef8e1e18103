using Akka.Configuration;
using Akka.Dispatch;

namespace ActorSockets.Connections;

/// <summary>
/// The dispatcher of TLS connections and their handlers: the .NET thread pool, each mailbox run
/// queued on the local queue of the thread that queued it. A TLS read completes on a thread-pool
/// thread that has just decrypted the record; queued locally, the connection's run, the handler's
/// run it starts and the connection's write after it follow on that same thread, as in a plain
/// <c>SslStream</c> echo, instead of waking an I/O-dispatcher thread, then a handler thread, then
/// the I/O thread again. Measured (2026-11-26, C# load generator, 5 interleaved rounds of 3 s,
/// medians, ReadyToRun): TLS pingpong with 64 connections 0.65× → 0.86× a plain .NET SslStream
/// echo, 5.9 → 1.7 context switches per request; TLS handshakes (16 clients, one line each)
/// 0.77× → 0.93×. Plain connections stay on the <see cref="IoDispatcher"/>: there the same
/// executor made 64-connection pingpong slower (compare.sh: 0.82× → 0.64× plain .NET), because
/// their reads complete on the socket engine's thread, not on a thread that goes on to run them.
/// Override <c>actorsockets.tls-dispatcher</c> in the actor system's configuration to change it.
/// </summary>
internal static class TlsDispatcher
{
    /// <summary>The configuration path the TLS connection and handler props name.</summary>
    public const string Id = "actorsockets.tls-dispatcher";

    internal static readonly Config Definition = ConfigurationFactory.ParseString($$"""
        {{Id}} {
          type = Dispatcher
          executor = "{{typeof(LocalQueueExecutorConfigurator).FullName}}, {{typeof(LocalQueueExecutorConfigurator).Assembly.GetName().Name}}"
          throughput = 30
        }
        """);
}

/// <summary>Akka's executor for <see cref="TlsDispatcher"/>: mailbox runs go to the .NET thread
/// pool with <c>preferLocal</c>, so a run queued from a pool thread stays on that thread unless
/// an idle one steals it. Akka creates it by type name from the dispatcher's configuration.</summary>
internal sealed class LocalQueueExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    public override ExecutorService Produce(string id) => new LocalQueueExecutor(id);

    private sealed class LocalQueueExecutor(string id) : ExecutorService(id)
    {
        public override void Execute(IRunnable run) => ThreadPool.UnsafeQueueUserWorkItem(run, preferLocal: true);

        public override void Shutdown() { } // the thread pool is the runtime's
    }
}
