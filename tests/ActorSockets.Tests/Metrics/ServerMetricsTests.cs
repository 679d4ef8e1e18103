using System.Net;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;
using static ActorSockets.Metrics.ActorSocketsMetrics;

namespace ActorSockets.Tests.Metrics;

public class ServerMetricsTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task Connections_durations_errors_rejections_and_bytes_are_measured_with_the_server_address()
    {
        var options = ServerOptions.Tcp() with { Deny = [IPNetwork.Parse("127.0.0.2/32")] };
        var server = await ServeAsync(options, Props.Create<LineEchoHandler>());
        using var metrics = new MetricsCollector(server.Name);

        using (var ok = await TestClient.ConnectAsync(server.Port))
        {
            await ok.SendAsync("hello\n");
            Assert.Equal("hello\n", await ok.ReadLineAsync());
            ok.HalfClose();
            Assert.True(await ok.IsClosedByServerAsync());
        }
        using (var failing = await TestClient.ConnectAsync(server.Port))
        {
            await failing.SendAsync("boom\n");
            Assert.True(await failing.IsClosedByServerAsync());
        }
        using (var refused = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.2"))
            Assert.True(await refused.IsClosedByServerAsync());

        await Eventually.Until(() => metrics.Count(ConnectionDuration) == 2, Deadline, "two connection durations");
        Assert.Equal(1, metrics.Count(ConnectionDuration, ErrorTypeTag, null));
        Assert.Equal(1, metrics.Count(ConnectionDuration, ErrorTypeTag, "handler_error"));
        Assert.Equal((0, 4), (metrics.Sum(ActiveConnections), metrics.Count(ActiveConnections))); // +1 and -1 per served connection
        Assert.Equal((0, 4), (metrics.Sum(QueuedConnections), metrics.Count(QueuedConnections))); // +1 on accept, -1 once served
        Assert.Equal(1, metrics.Sum(RejectedConnections));
        Assert.Equal("hello\n".Length + "boom\n".Length, metrics.Sum(NetworkIo, DirectionTag, "receive"));
        Assert.Equal("hello\n".Length, metrics.Sum(NetworkIo, DirectionTag, "transmit"));
        Assert.InRange(metrics.Sum(ConnectionDuration), 0, 10);
        Assert.All(metrics.Measurements, m =>
        {
            Assert.Equal("tcp", m.Tags[TransportTag]);
            Assert.Equal("127.0.0.1", m.Tags[AddressTag]);
            Assert.Equal(server.Port, m.Tags[PortTag]);
            Assert.Equal("ipv4", m.Tags[NetworkTypeTag]);
        });
    }

    /// <summary>A request cut off by a limit is measured as aborted, as a hand-off request's is
    /// and as the drain deadline's: not as a handler error.</summary>
    [Fact]
    public async Task A_request_past_its_deadline_is_measured_as_aborted()
    {
        var options = ServerOptions.Tcp() with { RequestDeadline = TimeSpan.FromMilliseconds(300) };
        var server = await ServeAsync(options, Props.Create(() => new GatedHandler(ActorRefs.Nobody, _ => Task.Delay(Timeout.Infinite))));
        using var metrics = new MetricsCollector(server.Name);
        using (var client = await TestClient.ConnectAsync(server.Port))
        {
            await client.SendAsync("forever\n");
            Assert.True(await client.IsClosedByServerAsync());
        }
        await Eventually.Until(() => metrics.Count(ConnectionDuration) == 1, Deadline, "the connection's duration");
        Assert.Equal(1, metrics.Count(ConnectionDuration, ErrorTypeTag, "aborted"));
    }

    [Fact]
    public async Task Active_connections_go_up_while_clients_are_connected_and_back_down()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>());
        using var metrics = new MetricsCollector(server.Name);
        var clients = new List<TestClient>();
        for (int i = 0; i < 3; i++) clients.Add(Track(await TestClient.ConnectAsync(server.Port)));
        await Eventually.Until(() => metrics.Sum(ActiveConnections) == 3, Deadline, "three active connections");

        foreach (var client in clients) client.HalfClose();
        await Eventually.Until(() => metrics.Sum(ActiveConnections) == 0, Deadline, "no active connection");
        Assert.Equal(3, metrics.Count(ConnectionDuration, ErrorTypeTag, null));
    }

    [Fact]
    public async Task Limit_events_are_counted_by_reason()
    {
        var options = ServerOptions.Tcp() with { IdleTimeout = TimeSpan.FromMilliseconds(200), MaxLineLength = 16 };
        var server = await ServeAsync(options, Props.Create<LineEchoHandler>());
        using var metrics = new MetricsCollector(server.Name);

        using (var idle = await TestClient.ConnectAsync(server.Port))
            Assert.True(await idle.IsClosedByServerAsync()); // says nothing: closed by the idle timeout
        using (var longLine = await TestClient.ConnectAsync(server.Port))
        {
            await longLine.SendAsync(new string('x', 64) + "\n");
            Assert.True(await longLine.IsClosedByServerAsync());
        }

        await Eventually.Until(() => metrics.Sum(LimitEvents, ReasonTag, "line_too_long") == 1, Deadline, "the long line counted");
        Assert.Equal(1, metrics.Sum(LimitEvents, ReasonTag, "idle_timeout"));
        var stats = await server.GetStatsAsync();
        Assert.Equal((1, 1), (stats.IdleTimeouts, stats.LinesTooLong));
    }
}
