using ActorSockets.Handlers;
using ActorSockets.Hosting;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ActorSockets.Tests.Hosting;

/// <summary>Handlers built by the host's dependency injection, and settings from Microsoft.Extensions.Configuration.</summary>
public class HostingDependencyInjectionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>A singleton service: the greeting every handler sends.</summary>
    public sealed class Greeting(string text)
    {
        public string Text { get; } = text;
    }

    /// <summary>A scoped service: one per handler (per request), disposed when the handler stops.</summary>
    public sealed class RequestScope : IDisposable
    {
        private static int _next;
        public int Id { get; } = Interlocked.Increment(ref _next);
        public static int Disposed;
        public void Dispose() => Interlocked.Increment(ref Disposed);
    }

    /// <summary>Takes both services by constructor injection; answers "greeting scope-id line".</summary>
    public sealed class GreetingHandler(Greeting greeting, RequestScope scope) : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            while (await ReadLineAsync() is { } line)
                await WriteAsync($"{greeting.Text} {scope.Id} {line}\n");
        }
    }

    [Fact]
    public async Task A_handler_gets_its_services_by_constructor_injection_with_a_scope_per_request()
    {
        var host = TestHost.Build(
            services => services.AddSingleton(new Greeting("hello-from-di")).AddScoped<RequestScope>(),
            akka => akka.WithActorSocketServer<GreetingHandler>("greeter"));
        try
        {
            await host.StartAsync().Within(Deadline, "host start");
            var port = ActorSocketServers.For(host.Services.GetRequiredService<ActorSystem>())["greeter"].Port;
            var disposedBefore = Volatile.Read(ref RequestScope.Disposed);
            string first, second;
            using (var client = await TestClient.ConnectAsync(port))
            {
                await client.SendAsync("one\ntwo\n");
                first = (await client.ReadLineAsync())!;
                Assert.Equal(first.Replace("one", "two"), await client.ReadLineAsync()); // one scope for the whole request
                client.HalfClose();
                Assert.True(await client.IsClosedByServerAsync());
            }
            using (var client = await TestClient.ConnectAsync(port))
            {
                await client.SendAsync("three\n");
                second = (await client.ReadLineAsync())!;
            }
            Assert.Matches(@"^hello-from-di \d+ one$", first);
            Assert.Matches(@"^hello-from-di \d+ three$", second);
            Assert.NotEqual(first.Split(' ')[1], second.Split(' ')[1]); // a new scope for the next request
            await Eventually.Until(() => Volatile.Read(ref RequestScope.Disposed) >= disposedBefore + 1, Deadline, "the first request's scope disposed");
        }
        finally
        {
            await host.StopQuietly();
        }
    }

    [Fact]
    public async Task Settings_come_from_appsettings_json_and_environment_style_keys()
    {
        var json = Path.Combine(Path.GetTempPath(), $"appsettings-{Guid.NewGuid():N}.json");
        File.WriteAllText(json, """
            { "actorsockets": { "servers": { "configured": { "backlog": 77, "deny": [ "127.0.0.2/32" ], "max-line-length": "32KiB" } } } }
            """);
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(json)
                // what environment variables actorsockets__servers__configured__max_line_length=... become
                .AddInMemoryCollection(new Dictionary<string, string?> { ["actorsockets:servers:configured:max_line_length"] = "1KiB" })
                .Build();
            var host = TestHost.Build(akka => akka
                .WithActorSocketsConfiguration(configuration)
                .WithActorSocketServer("configured", Props.Create<LineEchoHandler>()));
            try
            {
                await host.StartAsync().Within(Deadline, "host start");
                var server = ActorSocketServers.For(host.Services.GetRequiredService<ActorSystem>())["configured"];
                Assert.Equal(77, server.Options.Backlog);
                Assert.Equal(1024, server.Options.MaxLineLength); // the later source wins
                using (var denied = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.2"))
                    Assert.True(await denied.IsClosedByServerAsync());
                using var allowed = await TestClient.ConnectAsync(server.Port);
                await allowed.SendAsync("ok\n");
                Assert.Equal("ok\n", await allowed.ReadLineAsync());
            }
            finally
            {
                await host.StopQuietly();
            }
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public void Configuration_keys_map_to_HOCON_paths_lists_and_server_names()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ActorSockets:Servers:my_server:Max_Line_Length"] = "4KiB",
            ["actorsockets:server_defaults:forking:max_children"] = "8",
            ["actorsockets:servers:my_server:allow:0"] = "10.0.0.0/8",
            ["actorsockets:servers:my_server:allow:1"] = "127.0.0.1/32",
            ["unrelated:key"] = "ignored",
        }).Build();
        var config = ActorSocketsConfiguration.ToConfig(configuration);
        Assert.Equal("4KiB", config.GetString("actorsockets.servers.my_server.max-line-length"));
        Assert.Equal(8, config.GetInt("actorsockets.server-defaults.forking.max-children"));
        Assert.Equal(["10.0.0.0/8", "127.0.0.1/32"], config.GetStringList("actorsockets.servers.my_server.allow"));
        Assert.False(config.HasPath("unrelated"));
    }
}
