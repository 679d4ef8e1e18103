using ActorSockets.Configuration;
using ActorSockets.Handlers;
using ActorSockets.Hosting;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ActorSockets.Tests.Hosting;

public class HostingTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private sealed class EchoKey;
    private sealed class UpperKey;

    private static Config Hocon(string text) => ConfigurationFactory.ParseString(text);

    [Fact]
    public async Task Two_servers_in_one_host_start_serve_both_and_stop_with_nothing_left_listening()
    {
        var host = TestHost.Build(akka => akka
            .AddHocon(Hocon("actorsockets.servers.echo { port = 0, backlog = 64 }"), HoconAddMode.Prepend)
            .WithActorSocketServer<EchoKey>("echo", Props.Create<LineEchoHandler>())
            .WithActorSocketServer<UpperKey>("upper", Props.Create<UpperHandler>(), o => o with { Mode = ServerMode.Sync }));
        try
        {
            await host.StartAsync().Within(Deadline, "host start");
            var system = host.Services.GetRequiredService<ActorSystem>();
            var servers = ActorSocketServers.For(system);
            Assert.Equal(["echo", "upper"], servers.All.Select(s => s.Name));
            var (echo, upper) = (servers["echo"], servers["upper"]);
            Assert.NotEqual(0, echo.Port);
            Assert.NotEqual(echo.Port, upper.Port);
            Assert.Equal(64, echo.Options.Backlog);               // from HOCON
            Assert.Equal(ServerMode.Sync, upper.Options.Mode);    // from code
            Assert.Equal("/user/actorsockets-listener-echo", echo.Listener.Path.ToStringWithoutAddress()); // a user's own actor may be named "echo"

            // The listeners are in the ActorRegistry and injectable as IRequiredActor<TKey>.
            Assert.Equal(echo.Listener, host.Services.GetRequiredService<IRequiredActor<EchoKey>>().ActorRef);
            Assert.Equal(upper.Listener, await ActorRegistry.For(system).GetAsync<UpperKey>());

            using (var client = await TestClient.ConnectAsync(echo.Port))
            {
                await client.SendAsync("hello\n");
                Assert.Equal("hello\n", await client.ReadLineAsync());
            }
            using (var client = await TestClient.ConnectAsync(upper.Port))
            {
                await client.SendAsync("hello\n");
                Assert.Equal("HELLO\n", await client.ReadLineAsync());
            }

            await host.StopAsync().Within(Deadline, "host stop");
            Assert.True(await TestHost.RefusesConnections(echo.Port));
            Assert.True(await TestHost.RefusesConnections(upper.Port));
            await system.WhenTerminated.Within(Deadline, "actor system terminated");
        }
        finally
        {
            await host.StopQuietly();
        }
    }

    [Fact]
    public async Task Stopping_the_host_under_load_refuses_new_connections_and_lets_requests_in_flight_finish()
    {
        const int inFlight = 6;
        var gate = new Gate();
        var host = TestHost.Build(akka => akka
            .AddHocon(Hocon("actorsockets.servers.drain.drain-timeout = 20s"), HoconAddMode.Prepend)
            .WithActorSocketServer("drain", Props.Create(() => new GatedHandler(ActorRefs.Nobody, gate.Arrive))));
        var clients = new List<TestClient>();
        try
        {
            await host.StartAsync().Within(Deadline, "host start");
            var system = host.Services.GetRequiredService<ActorSystem>();
            var port = ActorSocketServers.For(system)["drain"].Port;
            // The drain phase was raised to cover the 20 s drain (Akka's default is 5 s).
            Assert.True(system.Settings.Config.GetTimeSpan(HostedServer.DrainPhaseTimeout) >= TimeSpan.FromSeconds(20));

            for (int i = 0; i < inFlight; i++)
            {
                var client = await TestClient.ConnectAsync(port);
                clients.Add(client);
                await client.SendAsync($"request {i}\n");
            }
            await Eventually.Until(() => gate.Started == inFlight, Deadline, "every request in its handler");

            var stopping = host.StopAsync();
            await UntilRefused(port);
            Assert.False(stopping.IsCompleted, "the host stopped before its requests finished");

            gate.Open();
            for (int i = 0; i < inFlight; i++)
            {
                Assert.Equal($"done request {i}\n", await clients[i].ReadLineAsync());
                Assert.True(await clients[i].IsClosedByServerAsync());
            }
            await stopping.Within(Deadline, "host stop after the drain");
        }
        finally
        {
            gate.Open();
            foreach (var client in clients) client.Dispose();
            await host.StopQuietly();
        }
    }

    [Fact]
    public async Task Requests_still_running_at_the_drain_deadline_are_closed_and_the_host_stops()
    {
        var gate = new Gate(); // never opened: the handler never finishes
        using var metrics = new MetricsCollector("stuck");
        var host = TestHost.Build(akka => akka
            .WithActorSocketServer("stuck", Props.Create(() => new GatedHandler(ActorRefs.Nobody, gate.Arrive)),
                o => o with { DrainTimeout = TimeSpan.FromMilliseconds(500) }));
        try
        {
            await host.StartAsync().Within(Deadline, "host start");
            var port = ActorSocketServers.For(host.Services.GetRequiredService<ActorSystem>())["stuck"].Port;
            using var client = await TestClient.ConnectAsync(port);
            await client.SendAsync("forever\n");
            await Eventually.Until(() => gate.Started == 1, Deadline, "the request in its handler");

            await host.StopAsync().Within(Deadline, "host stop at the drain deadline");
            Assert.True(await client.IsClosedByServerAsync());
            await Eventually.Until(() => metrics.Count(ActorSocketsMetrics.ConnectionDuration, ActorSocketsMetrics.ErrorTypeTag, "aborted") == 1,
                Deadline, "the cut connection measured as aborted");
        }
        finally
        {
            await host.StopQuietly();
        }
    }

    [Fact]
    public async Task The_drain_phase_covers_the_longest_drain_set_in_HOCON_or_code()
    {
        var host = TestHost.Build(akka => akka
            .AddHocon(Hocon("actorsockets.servers.a.drain-timeout = 20s"), HoconAddMode.Prepend)
            .WithActorSocketServer("a", Props.Create<LineEchoHandler>())
            .WithActorSocketServer("b", Props.Create<LineEchoHandler>(), o => o with { DrainTimeout = TimeSpan.FromSeconds(40) })
            .WithActorSocketServer("c", Props.Create<LineEchoHandler>(), o => o with { DrainTimeout = TimeSpan.FromSeconds(1) }));
        try
        {
            await host.StartAsync().Within(Deadline, "host start");
            var config = host.Services.GetRequiredService<ActorSystem>().Settings.Config;
            Assert.Equal(TimeSpan.FromSeconds(40) + HostedServer.ShutdownMargin, config.GetTimeSpan(HostedServer.DrainPhaseTimeout));
        }
        finally
        {
            await host.StopQuietly();
        }
    }

    [Fact]
    public async Task Invalid_configuration_fails_the_host_start_naming_the_setting()
    {
        var host = TestHost.Build(akka => akka
            .AddHocon(Hocon("actorsockets.servers.bad.mode = sideways"), HoconAddMode.Prepend)
            .WithActorSocketServer("bad", Props.Create<LineEchoHandler>()));
        try
        {
            var error = await Assert.ThrowsAsync<ServerConfigurationException>(() => host.StartAsync().Within(TimeSpan.FromSeconds(60), "host start"));
            Assert.Equal("actorsockets.servers.bad.mode", error.Setting);
            Assert.Contains("'sideways' is not a mode", error.Message);
        }
        finally
        {
            host.Dispose(); // a host whose start failed has stopped its actor system itself
        }
    }

    [Fact]
    public async Task A_port_in_use_fails_the_host_start_naming_the_server_and_address()
    {
        using var occupier = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        occupier.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        occupier.Listen();
        var port = ((System.Net.IPEndPoint)occupier.LocalEndPoint!).Port;
        var host = TestHost.Build(akka => akka.WithActorSocketServer("busy", Props.Create<LineEchoHandler>(),
            o => o with { Endpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), ReuseAddress = false }));
        try
        {
            var error = await Assert.ThrowsAsync<IOException>(() => host.StartAsync().Within(TimeSpan.FromSeconds(60), "host start"));
            Assert.Contains("'busy'", error.Message);
            Assert.Contains($"127.0.0.1:{port}", error.Message);
        }
        finally
        {
            host.Dispose(); // a host whose start failed has stopped its actor system itself
        }
    }

    [Fact]
    public async Task Two_servers_with_one_name_are_refused()
    {
        var host = TestHost.Build(akka => akka
            .WithActorSocketServer("twice", Props.Create<LineEchoHandler>())
            .WithActorSocketServer("twice", Props.Create<LineEchoHandler>()));
        try
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => host.StartAsync().Within(TimeSpan.FromSeconds(60), "host start"));
            Assert.Contains("'twice' was already added", error.Message);
        }
        finally
        {
            host.Dispose(); // a host whose start failed has stopped its actor system itself
        }
    }

    private static async Task UntilRefused(int port)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await TestHost.RefusesConnections(port))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the server still accepts connections");
            await Task.Delay(10);
        }
    }
}
