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
/// <para>Quiet (queued from a thread-pool thread, nothing waiting in the pool, and no run queued
/// to or running on the I/O threads): on that thread, after its current work item (its local
/// queue). A socket's completion runs on a pool thread, so a lone request's connection run, its
/// handler's run (<see cref="IoDispatcher.RequestId"/> queues locally too) and the write after it
/// follow on one thread, as in a plain .NET socket echo, instead of waking an I/O thread, a
/// handler thread and the I/O thread again.</para>
/// <para>Busy: on the executor's own I/O threads, in arrival order. Under load each of them runs
/// many connections' reads and writes per wake-up, which a pool thread's local queue, taken
/// newest first, does not: with every run queued locally, 64 connections pinned to one core ran
/// at 0.84× and p99 rose to 1.9× plain .NET. Counting the I/O threads' own work in "busy" took
/// pinned 64-connection pingpong from 0.93-1.01× to 1.03× the fixed pool (5 rounds).</para>
/// Measured against the fixed I/O pool it replaces (compare.sh, JIT, 5 rounds of 3 s, one run
/// each): pingpong with one connection 1.27× unpinned (0.92× plain .NET, Kestrel 0.99×) and
/// 1.30× pinned; 64 connections pinned 1.03×; 15.8 → 9.6 context switches per request
/// (bench/profile.sh, Kestrel 8.2, plain .NET 5.8).
/// </summary>
internal sealed class IoExecutor : ExecutorService
{
    private readonly ConcurrentQueue<IRunnable> _queue = new();
    private readonly SemaphoreSlim _queued = new(0);
    private readonly int _threads;
    private volatile bool _shutdown;
    private int _waiting; // runs queued to the I/O threads and not yet finished

    public IoExecutor(string id, int threads) : base(id)
    {
        _threads = threads;
        for (int i = 0; i < threads; i++)
            new Thread(RunQueued) { IsBackground = true, Name = "actorsockets.io" }.Start();
    }

    public override void Execute(IRunnable run)
    {
        if (Volatile.Read(ref _waiting) == 0 && Thread.CurrentThread.IsThreadPoolThread && ThreadPool.PendingWorkItemCount == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(run, preferLocal: true);
            return;
        }
        Interlocked.Increment(ref _waiting);
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
            if (!_queue.TryDequeue(out var run)) continue;
            run.Run();
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>Called by Akka once the dispatcher has no actors left: the threads end.</summary>
    public override void Shutdown()
    {
        _shutdown = true;
        _queued.Release(_threads);
    }
}
