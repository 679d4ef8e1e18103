using ActorSockets.Handlers;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Handlers;

/// <summary>
/// <c>supervision.on-failure = restart</c> over real sockets: a fresh handler serves the same
/// connection after each failure, its <c>OnRestartAsync</c> first, with the bytes the failed one
/// had not read; past <c>max-restarts</c> within <c>within</c> the connection closes as under stop.
/// </summary>
public class HandlerRestartTests(ITestOutputHelper output) : ServerTestKit(output)
{
    /// <summary>Echoes lines; "boom" throws; a restarted one first says so.</summary>
    private sealed class FlakyEcho : StreamRequestHandler
    {
        protected override async Task OnRestartAsync(Exception failure) => await WriteAsync($"-ERR {failure.Message}\n");

        protected override async Task HandleAsync()
        {
            while (await ReadLineAsync() is { } line)
            {
                if (line == "boom") throw new InvalidOperationException("boom requested");
                await WriteAsync(line + "\n");
            }
        }
    }

    private static ServerOptions Restart(ServerMode mode) => ServerOptions.Tcp(mode: mode) with
    {
        Supervision = new SupervisionOptions { OnFailure = FailurePolicy.Restart, MaxRestarts = 3, Within = TimeSpan.FromMinutes(1) },
    };

    [Theory]
    [InlineData(ServerMode.Threading)]
    [InlineData(ServerMode.Sync)]
    public async Task A_connection_survives_three_failures_and_is_closed_at_the_fourth(ServerMode mode)
    {
        var hooks = new RecordingHooks();
        var server = await ServeAsync(Restart(mode), Props.Create<FlakyEcho>(), hooks);
        using var metrics = new MetricsCollector(server.Name);
        using var client = await TestClient.ConnectAsync(server.Port);
        for (int failure = 1; failure <= 3; failure++)
        {
            // The line after "boom" was received with it but not read by the failed handler: the new one reads it.
            await client.SendAsync($"boom\nafter {failure}\n");
            Assert.Equal("-ERR boom requested\n", await client.ReadLineAsync(Deadline));
            Assert.Equal($"after {failure}\n", await client.ReadLineAsync(Deadline));
        }
        await client.SendAsync("boom\nnever read\n");
        Assert.True(await client.IsClosedByServerAsync(Deadline), "the fourth failure closes the connection");

        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the connection to end");
        Assert.Equal((4L, 3L), (stats.HandlerFailures, stats.HandlerRestarts));
        lock (hooks.Errors) Assert.Equal(4, hooks.Errors.Count); // every failure reported to HandleError
        Assert.Equal(3, metrics.Sum(ActorSocketsMetrics.HandlerRestarts));
    }

    [Fact]
    public async Task Under_the_default_stop_the_first_failure_closes_the_connection()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<FlakyEcho>());
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("boom\nafter\n");
        Assert.True(await client.IsClosedByServerAsync(Deadline), "closed, and nothing written after the failure");
        Assert.Equal(0, (await server.GetStatsAsync()).HandlerRestarts);
    }
}
