using ActorSockets.Handlers;
using ActorSockets.Hosting;
using ActorSockets.Nodes;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace ActorSockets.Tests.Nodes;

/// <summary>Listener nodes built with Akka.Hosting: <c>WithActorSocketsNode</c> for the cluster,
/// Akka.Cluster.Hosting's <c>WithShardRegion</c> for the state, a server whose handler reaches
/// the region through the ActorRegistry; two nodes in this process, real sockets.</summary>
public class HostedNodeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60 * TestTime.Factor);

    private sealed class Counters;

    /// <summary>One entity per name: counts the messages it got.</summary>
    private sealed class Counter : ReceiveActor
    {
        private int _count;

        public Counter() => Receive<string>(_ => Sender.Tell(++_count));
    }

    /// <summary>Each line names a counter; the answer is its count after this line, from the cluster-wide region.</summary>
    private sealed class CountHandler(IRequiredActor<Counters> counters) : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            var region = await counters.GetAsync();
            while (await ReadLineAsync() is { } name)
                await WriteAsync($"{await region.Ask<int>(name, Deadline)}\n");
        }
    }

    /// <summary>A node on <paramref name="clusterPort"/> joining <paramref name="seeds"/> (none: it forms the cluster).</summary>
    private static IHost Node(int clusterPort, string[] seeds, LogCollector logs) => TestHost.BuildPlain(builder =>
    {
        builder.Services.AddAkka("actorsockets", akka => akka
            .WithActorSocketsLogging()
            .WithActorSocketsNode(node => node with { Port = clusterPort, SeedNodes = seeds })
            .WithShardRegion<Counters>("counters", _ => Props.Create<Counter>(),
                HashCodeMessageExtractor.Create(10, message => (string)message, message => message), new ShardOptions())
            .WithActorSocketServer<CountHandler>("count"));
    }, logs);

    [Fact]
    public async Task Two_hosted_nodes_serve_one_shard_region_started_with_WithShardRegion()
    {
        var ports = new[] { TestHost.FreePort(), TestHost.FreePort() };
        var logs = new[] { new LogCollector(), new LogCollector() };
        var hosts = new[] { Node(ports[0], [], logs[0]), Node(ports[1], [$"akka.tcp://actorsockets@127.0.0.1:{ports[0]}"], logs[1]) };
        try
        {
            foreach (var host in hosts) await host.StartAsync().Within(Deadline, "host start");
            var systems = hosts.Select(h => h.Services.GetRequiredService<ActorSystem>()).ToArray();
            Assert.All(systems, s => Assert.True(ClusterNode.IsNode(s)));
            await Eventually.Until(() => systems.All(s => Cluster.Get(s).State.Members.Count(m => m.Status == MemberStatus.Up) == 2),
                Deadline, "both nodes up in both nodes' view");
            // Each node logs the other's joining, as a node of the command line does.
            await Eventually.Until(() => logs.All(l => l.Entries.Any(e => e.Category == "ActorSockets.Cluster" && e.EventId.Id == 5000
                && e.Message.EndsWith("joined the cluster; 2 nodes up"))), Deadline, "'2 nodes up' logged by both nodes");

            var servers = systems.Select(s => ActorSocketServers.For(s)["count"]).ToArray();
            using (var client = await TestClient.ConnectAsync(servers[0].Port))
            {
                await client.SendAsync("apples\napples\npears\n");
                Assert.Equal("1\n", await client.ReadLineAsync().Within(Deadline, "first count"));
                Assert.Equal("2\n", await client.ReadLineAsync());
                Assert.Equal("1\n", await client.ReadLineAsync());
            }
            // The other node's handler reaches the same entities, wherever their shards are.
            using (var client = await TestClient.ConnectAsync(servers[1].Port))
            {
                await client.SendAsync("apples\npears\n");
                Assert.Equal("3\n", await client.ReadLineAsync().Within(Deadline, "count through node 2"));
                Assert.Equal("2\n", await client.ReadLineAsync());
            }
        }
        finally
        {
            foreach (var host in hosts.Reverse()) await host.StopQuietly();
        }
    }
}
