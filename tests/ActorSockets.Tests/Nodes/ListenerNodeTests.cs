using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Nodes;

/// <summary>Listener nodes in one cluster: real Echo processes, each accepting on its own port,
/// started with the command lines the many-nodes chapter gives (the same seed list on every node).</summary>
public class ListenerNodeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = ListenerNodes.Deadline;

    /// <summary>Three nodes form a cluster (each logs the three joins); SIGKILL of one leaves the
    /// other two serving, and both log its removal by the split-brain resolver; the node started
    /// again on the same ports rejoins, and a SIGTERM'd node leaves with one line on the others.</summary>
    [Fact]
    public async Task Three_nodes_form_a_cluster_survive_a_killed_node_and_take_it_back()
    {
        var formation = Stopwatch.StartNew();
        await using var cluster = await ListenerNodes.StartAsync("Echo");
        var (nodes, addresses) = (cluster.Nodes, cluster.Addresses);
        output.WriteLine($"three nodes up on every node {formation.Elapsed.TotalSeconds:F1} s after the first started");
        foreach (var node in nodes)
        {
            Assert.Equal(addresses[Array.IndexOf(nodes, node)], await node!.ClusterAddressAsync());
            // A normal start logs, at Information, only ActorSockets' own lines, each with its event id.
            Assert.All(node.Stderr.Split('\n').Where(line => line.StartsWith("info:", StringComparison.Ordinal)),
                line => Assert.Matches(@"^info: ActorSockets\.\w+\[[1-9]\d*\] ", line));
            Assert.Equal("hi\n", await TestClient.RequestLineAsync(node.Port, "hi\n"));
        }

        var killedAt = Stopwatch.StartNew();
        nodes[1]!.Signal("KILL");
        await nodes[1]!.WaitForExitAsync(Deadline);
        foreach (var i in new[] { 0, 2 })
        {
            await nodes[i]!.WaitForStderrAsync($"Node {addresses[1]} left the cluster (downed); 2 nodes up", Deadline);
            Assert.Equal("still here\n", await TestClient.RequestLineAsync(nodes[i]!.Port, "still here\n"));
        }
        output.WriteLine($"killed node removed on both others {killedAt.Elapsed.TotalSeconds:F1} s after SIGKILL");

        var restartedAt = Stopwatch.StartNew();
        await cluster.RestartAsync(1);
        foreach (var i in new[] { 0, 2 })
            await Eventually.Until(() => Regex.Matches(nodes[i]!.Stderr, Regex.Escape($"Node {addresses[1]} joined the cluster; ")).Count == 2,
                Deadline, "the restarted node to rejoin");
        Assert.Equal("back\n", await TestClient.RequestLineAsync(nodes[1]!.Port, "back\n"));
        output.WriteLine($"restarted node up again {restartedAt.Elapsed.TotalSeconds:F1} s after its start");

        Assert.Equal(0, await nodes[2]!.StopAsync(Deadline));
        await nodes[0]!.WaitForStderrAsync($"Node {addresses[2]} left the cluster (left); 2 nodes up", Deadline);
        foreach (var node in nodes)
            Assert.DoesNotMatch(@"ActorSockets\.Cluster\[0\]", node!.Stderr); // every line of ours has its event id
    }
}
