using ActorSockets.Hosting;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace ActorSockets.Tests.Hosting;

/// <summary>Each hosted server's health check, read through the host's HealthCheckService.</summary>
public class HealthCheckTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static async Task<HealthReportEntry> Health(IHost host, string server)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(r => r.Tags.Contains("actorsockets")).WaitAsync(Deadline);
        return report.Entries[$"actorsockets-{server}"];
    }

    [Fact]
    public async Task A_server_is_healthy_while_it_listens_degraded_while_suspended_or_draining_and_unhealthy_once_stopped()
    {
        var gate = new Gate();
        var host = TestHost.Build(services => services.AddHealthChecks(), akka => akka
            .AddHocon(ConfigurationFactory.ParseString("actorsockets.servers.held.drain-timeout = 20s"), HoconAddMode.Prepend)
            .WithActorSocketServer("held", Props.Create(() => new GatedHandler(ActorRefs.Nobody, gate.Arrive)))
            .WithActorSocketServer("other", Props.Create<LineEchoHandler>()));
        try
        {
            await host.StartAsync().Within(Deadline, "host start");
            var server = ActorSocketServers.For(host.Services.GetRequiredService<ActorSystem>())["held"];
            var listening = await Health(host, "held");
            Assert.Equal(HealthStatus.Healthy, listening.Status);
            Assert.Equal("Serving", listening.Data["state"]);
            Assert.Equal(HealthStatus.Healthy, (await Health(host, "other")).Status);

            await server.SuspendAcceptingAsync();
            Assert.Equal(HealthStatus.Degraded, (await Health(host, "held")).Status);
            await server.ResumeAcceptingAsync();
            Assert.Equal(HealthStatus.Healthy, (await Health(host, "held")).Status);

            using var client = await TestClient.ConnectAsync(server.Port);
            await client.SendAsync("held\n");
            await Eventually.Until(() => gate.Started == 1, Deadline, "the request in its handler");
            var stopping = host.StopAsync();
            HealthReportEntry draining = default;
            await Eventually.Until(() => (draining = Health(host, "held").Result).Status == HealthStatus.Degraded,
                Deadline, "the draining server reported degraded");
            Assert.Equal("Draining", draining.Data["state"]);
            Assert.Contains("drains", draining.Description);

            gate.Open();
            Assert.Equal("done held\n", await client.ReadLineAsync());
            await stopping.Within(Deadline, "host stop after the drain");
            var stopped = await Health(host, "held");
            Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
            Assert.Contains("stopped", stopped.Description);
        }
        finally
        {
            gate.Open();
            await host.StopQuietly();
        }
    }

    [Theory]
    [InlineData(ServerState.Serving, CircuitState.Closed, false, HealthStatus.Healthy)]
    [InlineData(ServerState.Serving, CircuitState.HalfOpen, false, HealthStatus.Degraded)]
    [InlineData(ServerState.Serving, CircuitState.Open, false, HealthStatus.Unhealthy)]
    [InlineData(ServerState.Serving, CircuitState.Closed, true, HealthStatus.Degraded)]
    [InlineData(ServerState.Draining, CircuitState.Open, false, HealthStatus.Degraded)]
    [InlineData(ServerState.Bound, CircuitState.Closed, false, HealthStatus.Unhealthy)]
    public void The_circuit_breaker_and_the_listening_state_map_to_one_status(
        ServerState state, CircuitState circuit, bool suspended, HealthStatus expected)
    {
        var stats = new ServerStats(0, null, suspended, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) { State = state, CircuitState = circuit };
        var health = ServerHealth.Of("s", stats);
        Assert.Equal(expected, health.Status);
        Assert.Equal(circuit.ToString(), health.Data["circuit"]);
    }
}
