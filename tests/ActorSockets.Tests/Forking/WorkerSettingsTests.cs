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
/// replacement back, <c>worker-wait-timeout</c> closes a request no worker takes in time.
/// </summary>
[Collection(Support.WorkerProcesses.Collection)]
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
}
