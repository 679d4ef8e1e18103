using ActorSockets.Hosting;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;
using static ActorSockets.Tests.Hosting.HostingDependencyInjectionTests;

namespace ActorSockets.Tests.Hosting;

/// <summary><c>services.AddActorSockets</c>: a host that does not use Akka.Hosting itself.</summary>
public class AddActorSocketsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_plain_host_serves_servers_with_handlers_from_its_services_settings_from_its_configuration_and_drains_on_stop()
    {
        var host = TestHost.BuildPlain(builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["actorsockets:servers:upper:backlog"] = "32" });
            builder.Services.AddSingleton(new Greeting("hi")).AddScoped<RequestScope>();
            builder.Services.AddActorSockets(sockets => sockets
                .AddHocon("actorsockets.servers { greeter.backlog = 64, upper.backlog = 16 }")
                .AddServer<GreetingHandler>("greeter")
                .AddServer("upper", Props.Create<UpperHandler>(), o => o with { Mode = ServerMode.Sync }),
                actorSystemName: $"plain-{Guid.NewGuid():N}");
        });
        try
        {
            await host.StartAsync().Within(Deadline, "host start");
            var servers = host.Services.GetRequiredService<ActorSocketServers>();
            var (greeter, upper) = (servers["greeter"], servers["upper"]);
            Assert.Equal(64, greeter.Options.Backlog);         // HOCON
            Assert.Equal(32, upper.Options.Backlog);           // the host's configuration over HOCON
            Assert.Equal(ServerMode.Sync, upper.Options.Mode); // code on top
            using (var client = await TestClient.ConnectAsync(greeter.Port))
            {
                await client.SendAsync("there\n");
                Assert.Matches(@"^hi \d+ there\n$", await client.ReadLineAsync()); // a handler made from the host's services
            }
            using (var client = await TestClient.ConnectAsync(upper.Port))
            {
                await client.SendAsync("loud\n");
                Assert.Equal("LOUD\n", await client.ReadLineAsync());
            }
            var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(Deadline);
            Assert.Equal(HealthStatus.Healthy, health.Entries["actorsockets-greeter"].Status);
            Assert.Equal(HealthStatus.Healthy, health.Entries["actorsockets-upper"].Status);

            await host.StopAsync().Within(Deadline, "host stop");
            Assert.True(await TestHost.RefusesConnections(greeter.Port));
            Assert.True(await TestHost.RefusesConnections(upper.Port));
            await host.Services.GetRequiredService<ActorSystem>().WhenTerminated.Within(Deadline, "actor system terminated");
        }
        finally
        {
            await host.StopQuietly();
        }
    }

    [Fact]
    public void A_bad_server_name_fails_where_it_is_written()
        => Assert.Throws<ArgumentException>(() => new ServiceCollection().AddActorSockets(s => s.AddServer<UpperHandler>("no spaces")));
}
