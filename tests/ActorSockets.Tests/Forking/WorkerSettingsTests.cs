using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorSockets.Forking;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>
/// What the worker settings do, over real processes: <c>restart-delay</c> holds a dead worker's
/// replacement back, <c>worker-wait-timeout</c> closes a request no worker takes in time,
/// <c>stop-timeout</c> bounds how long a stop waits for a worker that does not exit.
/// </summary>
[Collection(ForkingCollections.Workers)]
public class WorkerSettingsTests(ITestOutputHelper output)
{
    public static TheoryData<string> Paths => ForkingServers.Paths;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Restart_delay_holds_the_replacement_of_a_dead_worker_back()
    {
        var config = Path.Combine(Path.GetTempPath(), $"actorsockets-restart-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, "actorsockets.server-defaults.forking.restart-delay = 2s\n");
        try
        {
            using var server = await SampleProcess.StartAsync(ForkingServers.Program, "--mode", "forking", "--workers", "1", "--config", config);
            var worker = int.Parse((await TestClient.RequestLineAsync(server.Port, "hello")).Split(' ')[0]);
            var sinceKill = Stopwatch.StartNew();
            Process.Start("kill", $"-KILL {worker}")!.WaitForExit();
            await server.WaitForStderrAsync($"Worker process {worker} exited with code 137; restarting it", Deadline);
            await Eventually.Until(() => Regex.Matches(server.Stderr, @"Started worker process \d+").Count == 2, Deadline, "the replacement to be started");
            output.WriteLine($"replacement started {sinceKill.ElapsedMilliseconds} ms after kill -9");
            Assert.True(sinceKill.Elapsed >= TimeSpan.FromMilliseconds(1900), $"the replacement started {sinceKill.Elapsed} after the kill, before the 2 s restart delay");
            Assert.Equal(0, await server.StopAsync());
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Worker_wait_timeout_closes_a_request_no_worker_takes_in_time(string path)
    {
        var hooks = new RecordingHooks();
        var options = ForkingServers.Options(workers: 0, maxChildren: 4, handoff: path == ForkingServers.Handoff);
        options = options with { Forking = options.Forking with { WorkerWaitTimeout = TimeSpan.FromSeconds(1) } };
        var server = await SocketServer.StartAsync(options, Props.Empty, hooks, name: $"wait-{path}-{Guid.NewGuid():N}");
        _ = server.ServeForeverAsync();
        try
        {
            using var client = await TestClient.ConnectAsync(server.Port);
            var waiting = Stopwatch.StartNew();
            await client.SendAsync("anyone?\n");
            Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "the request is closed once no worker came");
            Assert.True(waiting.Elapsed >= TimeSpan.FromMilliseconds(900), $"closed after {waiting.Elapsed}, before the 1 s worker-wait-timeout");
            await server.StatsWhenAsync(s => s.ActiveConnections == 0 && s.HandlerFailures == 1, "the request ended and counted as failed");
            lock (hooks.Errors) Assert.Contains("no worker became available within", Assert.Single(hooks.Errors).Error.Message);
        }
        finally
        {
            await server.DisposeAsync().AsTask().Within(TimeSpan.FromSeconds(60), "server close");
        }
    }

    [Fact]
    public async Task Stop_timeout_kills_a_worker_that_does_not_exit_and_the_stop_finishes()
    {
        var stopTimeout = TimeSpan.FromSeconds(2);
        var options = ForkingServers.Options(workers: 1, maxChildren: 2, handoff: true);
        options = options with { Forking = options.Forking with { StopTimeout = stopTimeout } };
        var server = await SocketServer.StartAsync(options, Props.Empty, name: $"stop-{Guid.NewGuid():N}");
        _ = server.ServeForeverAsync();
        int worker = 0;
        try
        {
            using (var client = await TestClient.ConnectAsync(server.Port))
            {
                await client.SendAsync("hello\n");
                worker = int.Parse((await client.ReadLineAsync(Deadline)).Split(' ')[0]);
            }
            // Idle first: a request still in flight would hold the close in its drain, before the workers are stopped.
            await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the request to end");
            // A stopped process cannot act on SIGTERM: only the stop-timeout's kill ends it.
            Process.Start("kill", $"-STOP {worker}")!.WaitForExit();
            var stopping = Stopwatch.StartNew();
            var closing = server.DisposeAsync().AsTask();
            await Eventually.Until(() => !SampleModes.IsAlive(worker), Deadline, $"the stopped worker {worker} to be killed");
            var killedAfter = stopping.Elapsed;
            await closing.Within(Deadline, "the server's stop, with its worker stopped by SIGSTOP");
            output.WriteLine($"worker killed {killedAfter.TotalMilliseconds:F0} ms, stop done {stopping.ElapsedMilliseconds} ms after the stop began; stop-timeout {stopTimeout}");
            Assert.True(killedAfter >= stopTimeout - TimeSpan.FromMilliseconds(100), $"the worker was killed {killedAfter} after the stop began, before the {stopTimeout} stop-timeout");
            // Not scaled by the time factor: without the stop-timeout's kill, the worker dies only by
            // the stop's fallback, 5 s past stop-timeout; the kill comes within 2 s of it under load.
            Assert.True(killedAfter < stopTimeout + TimeSpan.FromSeconds(4), $"the worker was killed {killedAfter} after the stop began, well past the {stopTimeout} stop-timeout");
            Assert.True(stopping.Elapsed < killedAfter + TimeSpan.FromSeconds(5 * TestTime.Factor), $"the stop finished {stopping.Elapsed - killedAfter} after the worker was killed");
        }
        finally
        {
            if (worker != 0 && SampleModes.IsAlive(worker)) Process.Start("kill", $"-KILL {worker}")!.WaitForExit();
            await server.DisposeAsync().AsTask().Within(Deadline, "server close");
        }
    }
}
