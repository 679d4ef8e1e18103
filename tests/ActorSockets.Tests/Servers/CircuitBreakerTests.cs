using ActorSockets.Metrics;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Servers;

/// <summary>
/// The listener's circuit breaker over real sockets: handler failures open it; open, a new client
/// gets the refuse-reply and is closed with no handler run, while connections already served go
/// on; after the reset timeout one connection is let through as a probe, whose success closes
/// the breaker and whose failure opens it again.
/// </summary>
public class CircuitBreakerTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private const string Busy = "-ERR busy, try later\r\n";

    // The reset timeout leaves a loaded machine time to see the open breaker refuse before it is half-open.
    private static ServerOptions Options => ServerOptions.Tcp() with
    {
        Supervision = new SupervisionOptions
        {
            CircuitBreaker = new CircuitBreakerOptions
            {
                MaxFailures = 2, Within = TimeSpan.FromSeconds(30), ResetTimeout = TimeSpan.FromSeconds(4), RefuseReply = Busy,
            },
        },
    };

    [Fact]
    public async Task Failures_open_the_breaker_which_refuses_with_the_reply_and_a_successful_probe_closes_it()
    {
        var server = await ServeAsync(Options, Props.Create<LineEchoHandler>());
        using var metrics = new MetricsCollector(server.Name);
        using var earlier = await TestClient.ConnectAsync(server.Port); // served before the breaker opens
        await AssertEchoedAsync(earlier, "before");

        await FailAsync(server.Port, 2);
        await server.StatsWhenAsync(s => s.CircuitState == CircuitState.Open, "the breaker to open");
        Assert.Equal(Busy, await RefusedAsync(server.Port));
        await AssertEchoedAsync(earlier, "still served while open"); // running connections are not touched
        var refusals = (await server.GetStatsAsync()).CircuitRefusals;
        Assert.True(refusals >= 1, $"{refusals} refusals counted");

        await server.StatsWhenAsync(s => s.CircuitState == CircuitState.HalfOpen, "the breaker to be half-open after its reset timeout");
        using (var probe = await TestClient.ConnectAsync(server.Port))
        {
            await AssertEchoedAsync(probe, "probe");
            Assert.Equal(Busy, await RefusedAsync(server.Port)); // one probe at a time
            await server.StatsWhenAsync(s => s.CircuitState == CircuitState.HalfOpen, "half-open while the probe is served");
        }
        await server.StatsWhenAsync(s => s.CircuitState == CircuitState.Closed, "the probe's success to close the breaker");
        using var after = await TestClient.ConnectAsync(server.Port);
        await AssertEchoedAsync(after, "served again");

        Assert.Equal([1, 2, 0], metrics.Measurements.Where(m => m.Instrument == ActorSocketsMetrics.CircuitState).Select(m => (int)m.Value));
        Assert.True(metrics.Sum(ActorSocketsMetrics.RejectedConnections, ActorSocketsMetrics.ErrorTypeTag, ServerMetrics.ErrorCircuitOpen) >= 2);
    }

    [Fact]
    public async Task A_failing_probe_opens_the_breaker_again()
    {
        var server = await ServeAsync(Options, Props.Create<LineEchoHandler>());
        await FailAsync(server.Port, 2);
        await server.StatsWhenAsync(s => s.CircuitState == CircuitState.HalfOpen, "the breaker to open, then be half-open");
        await FailAsync(server.Port, 1);
        await server.StatsWhenAsync(s => s.CircuitState == CircuitState.Open, "the failed probe to open the breaker again");
        Assert.Equal(Busy, await RefusedAsync(server.Port));
        await server.StatsWhenAsync(s => s.CircuitState == CircuitState.HalfOpen, "half-open again after the reset timeout");
    }

    [Fact]
    public async Task Without_a_breaker_failures_change_nothing()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>());
        await FailAsync(server.Port, 5);
        using var client = await TestClient.ConnectAsync(server.Port);
        await AssertEchoedAsync(client, "served");
        var stats = await server.GetStatsAsync();
        Assert.Equal((CircuitState.Closed, 0L, 5L), (stats.CircuitState, stats.CircuitRefusals, stats.HandlerFailures));
    }

    /// <summary>Connects <paramref name="count"/> clients whose handlers throw, each closed by the server.</summary>
    private static async Task FailAsync(int port, int count)
    {
        for (int i = 0; i < count; i++)
        {
            using var client = await TestClient.ConnectAsync(port);
            await client.SendAsync("boom\n");
            Assert.True(await client.IsClosedByServerAsync(Deadline), "the failed handler's connection is closed");
        }
    }

    /// <summary>What a new client reads before the server closes it, sending nothing.</summary>
    private static async Task<string> RefusedAsync(int port)
    {
        using var client = await TestClient.ConnectAsync(port);
        return await client.ReadToEndAsync(Deadline);
    }

    private static async Task AssertEchoedAsync(TestClient client, string line)
    {
        await client.SendAsync(line + "\n");
        Assert.Equal(line + "\n", await client.ReadLineAsync(Deadline));
    }
}
