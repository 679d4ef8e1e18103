using ActorSockets.Connections;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Xunit;

namespace ActorSockets.Tests.Connections;

/// <summary>The I/O dispatcher's executor runs a mailbox on its own threads, or, queued from a
/// quiet pool thread, on that thread after its current work item.</summary>
public class IoExecutorTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_run_queued_off_the_thread_pool_runs_on_an_io_thread()
    {
        var executor = new IoExecutor("io-test", threads: 2);
        try
        {
            var run = new Probe();
            var queuer = new Thread(() => executor.Execute(run)) { Name = "queuer" };
            queuer.Start();
            Assert.True(run.Done.Wait(Deadline));
            Assert.Equal("actorsockets.io", run.ThreadName);
        }
        finally { executor.Shutdown(); }
    }

    [Fact]
    public void A_run_queued_from_a_quiet_pool_thread_runs_on_that_thread()
    {
        var executor = new IoExecutor("io-test", threads: 1);
        try
        {
            // Other tests share the pool: "quiet" (nothing pending) is not certain on any one try,
            // so a handful of tries must see it at least once.
            bool sameThread = false;
            for (int i = 0; i < 50 && !sameThread; i++)
            {
                var run = new Probe();
                int queuedOn = -1;
                ThreadPool.UnsafeQueueUserWorkItem(_ =>
                {
                    queuedOn = Environment.CurrentManagedThreadId;
                    executor.Execute(run);
                }, null);
                Assert.True(run.Done.Wait(Deadline));
                sameThread = run.ThreadId == queuedOn && run.ThreadName != "actorsockets.io";
            }
            Assert.True(sameThread);
        }
        finally { executor.Shutdown(); }
    }

    [Fact]
    public async Task A_single_setting_overrides_the_dispatcher_and_keeps_its_executor()
    {
        var system = ActorSystem.Create("io-config", ConfigurationFactory.ParseString("actorsockets.io-dispatcher.threads = 3"));
        try
        {
            IoDispatcher.Register(system);
            var settings = system.Settings.Config.GetConfig(IoDispatcher.Id);
            Assert.Equal(3, settings.GetInt("threads"));
            Assert.Contains(nameof(IoExecutorConfigurator), settings.GetString("executor"));
        }
        finally { await system.Terminate(); }
    }

    private sealed class Probe : IRunnable
    {
        public readonly ManualResetEventSlim Done = new();
        public int ThreadId;
        public string? ThreadName;

        public void Run()
        {
            ThreadId = Environment.CurrentManagedThreadId;
            ThreadName = Thread.CurrentThread.Name;
            Done.Set();
        }

        public void Execute() => Run(); // the thread pool's entry point
    }
}
