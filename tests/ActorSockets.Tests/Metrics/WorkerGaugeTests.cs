using ActorSockets.Forking;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using static ActorSockets.Metrics.ActorSocketsMetrics;

namespace ActorSockets.Tests.Metrics;

/// <summary>
/// <c>actorsockets.workers.alive</c> follows the forking-mode worker pool: up as workers join
/// (its own processes and nodes started by hand), down as they leave and when the pool stops.
/// Real worker processes (tests/ActorSockets.TestServer), so one collection with the other
/// forking tests.
/// </summary>
[Collection(ForkingCollections.Workers)]
public class WorkerGaugeTests
{
    private const string Program = "ActorSockets.TestServer";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_gauge_counts_own_and_hand_started_workers_and_returns_to_zero_when_the_server_closes()
    {
        var name = $"gauge-{Guid.NewGuid():N}";
        using var metrics = new MetricsCollector(name);
        var options = ServerOptions.Tcp() with
        {
            Mode = ServerMode.Forking,
            Forking = new ForkingOptions
            {
                Workers = 2,
                Command = new WorkerCommand("dotnet", [SampleProcess.SampleDll(Program), "--worker", "--seed-nodes", "{seed}"]),
            },
        };
        var server = await SocketServer.StartAsync(options, Props.Empty, name: name);
        // StartAsync returns once both workers joined, and the pool records each join before it answers.
        var afterStart = metrics.Sum(WorkersAlive);
        // Disposed (killed if still alive) after the finally below has closed the server.
        using var extra = SampleProcess.Launch(Program, "--worker", "--seed-nodes", server.ClusterAddress!);
        try
        {
            Assert.Equal(2, afterStart);
            await Eventually.Until(() => metrics.Sum(WorkersAlive) == 3, Deadline, "the hand-started worker to be counted");
        }
        finally
        {
            // Closing stops the server's own processes (each uncounted as it exits), then the pool,
            // which must uncount the hand-started node still in the cluster.
            await server.DisposeAsync().AsTask().Within(Deadline, "server close");
        }
        Assert.Equal(0, metrics.Sum(WorkersAlive));
        Assert.Equal(0, await extra.WaitForExitAsync(Deadline)); // its listener left: it leaves too
    }

    [Fact]
    public async Task A_forking_server_program_exports_its_workers_and_the_bytes_of_handed_off_connections_in_prometheus_format()
    {
        var metricsPort = TestHost.FreePort();
        using var server = await SampleProcess.StartAsync(Program, "--mode", "forking", "--workers", "2",
            "--name", "forked", "--metrics-port", metricsPort.ToString());
        var text = await PrometheusScrape.Until(metricsPort, "actorsockets_workers_alive", "forked", v => v >= 0, Deadline);
        Assert.Equal(2, PrometheusScrape.Value(text, "actorsockets_workers_alive", "forked"));

        // Connections handed to the workers: their bytes are the listener's to export.
        long sent = 0, received = 0;
        for (int i = 0; i < 5; i++)
        {
            using var client = await TestClient.ConnectAsync(server.Port);
            var line = $"hello {i}\n";
            await client.SendAsync(line);
            var reply = await client.ReadLineAsync();
            (sent, received) = (sent + line.Length, received + reply.Length);
            client.HalfClose();
            Assert.True(await client.IsClosedByServerAsync());
        }
        text = await PrometheusScrape.Until(metricsPort, "actorsockets_connection_duration_seconds_count", "forked", v => v >= 5, Deadline);
        // One count per request, by the path it took: the name and attribute a dashboard is written against, literally.
        Assert.Matches(@"(?m)^actorsockets_forking_requests_total\{[^}]*actorsockets_forking_path=""handoff""[^}]*\} 5$", text);
        Assert.Equal(sent, PrometheusScrape.Value(text, "actorsockets_network_io_bytes_total", "forked", ("network_io_direction", "receive")));
        Assert.Equal(received, PrometheusScrape.Value(text, "actorsockets_network_io_bytes_total", "forked", ("network_io_direction", "transmit")));
        Assert.Equal(0, await server.StopAsync());
    }
}
