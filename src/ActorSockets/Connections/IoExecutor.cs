using System.Collections.Concurrent;
using Akka.Configuration;
using Akka.Dispatch;

namespace ActorSockets.Connections;

/// <summary>Akka's executor for <see cref="IoDispatcher.Id"/>, created by type name from the
/// dispatcher's configuration: <c>threads</c> I/O threads (0, the default: one per core).</summary>
internal sealed class IoExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    private readonly int _threads = config.GetInt("threads", 0) is > 0 and var threads ? threads : Environment.ProcessorCount;

    public override ExecutorService Produce(string id) => new IoExecutor(id, _threads);
}

/// <summary>
/// Runs the socket-owning actors' mailboxes in one of two places, chosen per run by how busy the
/// process is.
/// <para>Quiet (queued from a thread-pool thread, and no other work waits in the pool): on that
/// thread, after its current work item (its local queue). A socket's completion runs on a pool
/// thread, so a lone request's connection run, its handler's run (<see cref="IoDispatcher.RequestId"/>
/// queues locally too) and the write after it follow on one thread, as in a plain .NET socket echo,
/// instead of waking an I/O thread, a handler thread and the I/O thread again.</para>
/// <para>Busy: on the executor's own I/O threads, in arrival order. Under load each of them runs
/// many connections' reads and writes per wake-up, which is what a pool thread's local queue,
/// taken newest first, does not do: with every run queued locally, 64 connections pinned to
/// one core ran at 0.84× and p99 rose to 1.9× plain .NET.</para>
/// Measured against the fixed I/O pool it replaces (compare.sh, JIT, 3 rounds of 3 s, one run):
/// pingpong with one connection 1.26× unpinned and pinned (0.91× and 0.97× plain .NET), one line
/// per connection 1.08×, 64 connections 0.96× unpinned and 0.98× pinned.
/// </summary>
internal sealed class IoExecutor : ExecutorService
{
    private readonly ConcurrentQueue<IRunnable> _queue = new();
    private readonly SemaphoreSlim _queued = new(0);
    private readonly int _threads;
    private volatile bool _shutdown;

    public IoExecutor(string id, int threads) : base(id)
    {
        _threads = threads;
        for (int i = 0; i < threads; i++)
            new Thread(RunQueued) { IsBackground = true, Name = "actorsockets.io" }.Start();
    }

    public override void Execute(IRunnable run)
    {
        if (Thread.CurrentThread.IsThreadPoolThread && ThreadPool.PendingWorkItemCount == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(run, preferLocal: true);
            return;
        }
        _queue.Enqueue(run);
        _queued.Release();
    }

    /// <summary>An I/O thread's loop: one queued run per release of the semaphore.</summary>
    private void RunQueued()
    {
        while (true)
        {
            _queued.Wait();
            if (_shutdown) return;
            if (_queue.TryDequeue(out var run)) run.Run();
        }
    }

    /// <summary>Called by Akka once the dispatcher has no actors left: the threads end.</summary>
    public override void Shutdown()
    {
        _shutdown = true;
        _queued.Release(_threads);
    }
}
