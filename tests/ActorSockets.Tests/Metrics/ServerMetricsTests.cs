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
    public async Task Counters_move_as_connections_open_close_are_refused_and_fail()
    {
        var options = ServerOptions.Tcp() with { Deny = [IPNetwork.Parse("127.0.0.2/32")] };
        var server = await ServeAsync(options, Props.Create<LineEchoHandler>());
        using var metrics = new MetricsCollector(server.Listener.Path.Name);

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

        await Eventually.Until(() => metrics.Count(RequestDuration) == 2, Deadline, "two request durations");
        Assert.Equal(2, metrics.Sum(ConnectionsOpened));
        Assert.Equal(0, metrics.Sum(ConnectionsActive));
        Assert.Equal(1, metrics.Sum(ConnectionsRefused));
        Assert.Equal(1, metrics.Sum(RequestsCompleted));
        Assert.Equal(1, metrics.Sum(RequestsFailed));
        Assert.Equal("hello\n".Length + "boom\n".Length, metrics.Sum(BytesReceived));
        Assert.Equal("hello\n".Length, metrics.Sum(BytesSent));
        Assert.InRange(metrics.Sum(RequestDuration), 0, 10);
    }

    [Fact]
    public async Task Active_connections_go_up_while_clients_are_connected_and_back_down()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>());
        using var metrics = new MetricsCollector(server.Listener.Path.Name);
        var clients = new List<TestClient>();
        for (int i = 0; i < 3; i++) clients.Add(Track(await TestClient.ConnectAsync(server.Port)));
        await Eventually.Until(() => metrics.Sum(ConnectionsActive) == 3, Deadline, "three active connections");

        foreach (var client in clients) client.HalfClose();
        await Eventually.Until(() => metrics.Sum(ConnectionsActive) == 0, Deadline, "no active connection");
        Assert.Equal(3, metrics.Sum(RequestsCompleted));
    }
}
