using Akka.Configuration;
using Akka.Dispatch;

namespace ActorSockets.Connections;

/// <summary>Akka's executor for <see cref="IoDispatcher.RequestId"/>: mailbox runs go to the .NET thread
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
