using ActorSockets.Hosting;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace ActorSockets.Tests.Hosting;

public class HostingLogTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Akka_logs_reach_Microsoft_Extensions_Logging_at_the_documented_levels()
    {
        var logs = new LogCollector();
        var host = TestHost.Build(akka => akka
            .WithActorSocketsLogging(LogLevel.Debug)
            .AddHocon(ConfigurationFactory.ParseString("actorsockets.servers.logged.deny = [\"127.0.0.2/32\"]"), HoconAddMode.Prepend)
            .WithActorSocketServer("logged", Props.Create<LineEchoHandler>()), logs);
        try
        {
            await host.StartAsync().Within(Deadline, "host start");
            var port = ActorSocketServers.For(host.Services.GetRequiredService<ActorSystem>())["logged"].Port;
            string clientAddress;
            using (var client = await TestClient.ConnectAsync(port))
            {
                clientAddress = client.Socket.LocalEndPoint!.ToString()!;
                await client.SendAsync("hello\nboom\n");
                Assert.Equal("hello\n", await client.ReadLineAsync());
                Assert.True(await client.IsClosedByServerAsync());
            }
            using (var refused = await TestClient.ConnectAsync(port, fromAddress: "127.0.0.2"))
                Assert.True(await refused.IsClosedByServerAsync());
            // Closed while the actor system runs: Akka's log is asynchronous, and what is still queued
            // for the logger when the host stops the system is not guaranteed to reach it.
            await ActorSocketServers.For(host.Services.GetRequiredService<ActorSystem>())["logged"].CloseAsync().Within(Deadline, "server close");
            try
            {
                await Eventually.Until(() => Has(logs, LogLevel.Information, $"Server on 127.0.0.1:{port} closed"), Deadline, "the closed log");
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException(e.Message + "; got:\n" + string.Join("\n", logs.Entries.Select(l => $"{l.Level} {l.Message}")));
            }
            await host.StopAsync().Within(Deadline, "host stop");
            // The hosted stop's own line ("Stopping server ...") goes through Akka's asynchronous log
            // while the actor system terminates, so it may not arrive: HostingTests checks the stop itself.
            Assert.True(Has(logs, LogLevel.Information, $"Server bound to 127.0.0.1:{port}"));
            Assert.True(Has(logs, LogLevel.Information, $"Server on 127.0.0.1:{port} closed"));
            Assert.True(Has(logs, LogLevel.Debug, $"Accepted {clientAddress}"));
            Assert.True(Has(logs, LogLevel.Debug, "Refused 127.0.0.2:"));
            Assert.True(Has(logs, LogLevel.Debug, $"({clientAddress}) closed"));
            var failure = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(clientAddress));
            // Compact: the message, the exception's type and top frames, no stack trace; the exception itself once, at debug.
            Assert.Contains("boom", failure.Message);
            Assert.Contains(nameof(InvalidOperationException), failure.Message);
            Assert.DoesNotContain("\n", failure.Message.Trim());
            Assert.Null(failure.Error);
            var traced = Assert.Single(logs.Entries, e => e.Level == LogLevel.Debug && e.Message.Contains(clientAddress) && e.Error is not null);
            Assert.IsType<InvalidOperationException>(traced.Error);

            // Structured: ActorSockets' categories, named properties, stable event ids, the exception once.
            Assert.Equal("ActorSockets.Connection", failure.Category);
            Assert.Equal(2000, failure.EventId.Id);
            Assert.Equal(clientAddress, failure.Properties!["Client"]);
            Assert.Equal("logged", failure.Properties["Server"]);
            Assert.Equal("Handler {Handler} for client {Client} failed: {Reason}", failure.Properties["{OriginalFormat}"]);
            Assert.DoesNotContain("   at ", failure.Message); // the stack trace is the exception's, not the message's
            var bound = Assert.Single(logs.Entries, e => e.Message.StartsWith("Server bound to"));
            Assert.Equal(("ActorSockets.Server", 1000, $"127.0.0.1:{port}"), (bound.Category, bound.EventId.Id, bound.Properties!["Address"]));
            var accepted = Assert.Single(logs.Entries, e => e.Message.StartsWith($"Accepted {clientAddress}"));
            Assert.Equal(clientAddress, accepted.Properties!["Client"]);
            var ours = logs.Entries.Where(e => e.Category.StartsWith("ActorSockets.")).ToList();
            Assert.True(ours.Count >= 7, $"only {ours.Count} ActorSockets entries");
            Assert.All(ours, e => Assert.True(e.EventId.Id > 0, $"no event id: {e.Category} {e.Message}"));
            Assert.Contains(logs.Entries, e => e.Category.StartsWith("Akka.")); // Akka's own lines keep Akka's categories
            Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("ExitCode"));
        }
        finally
        {
            await host.StopQuietly();
        }
    }

    private static bool Has(LogCollector logs, LogLevel level, string text)
        => logs.Entries.Any(e => e.Level == level && e.Message.Contains(text));
}
