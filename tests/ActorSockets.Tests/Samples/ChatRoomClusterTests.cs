using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Samples;

/// <summary>The chat room on two listener nodes of one cluster: two real ChatRoom processes, a
/// participant on each.</summary>
public class ChatRoomClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90 * TestTime.Factor);

    /// <summary>Once both nodes are up and the rooms' subscriptions have spread (pub/sub gossip,
    /// about a second), a line typed on one node reaches the participant on the other within 1 s,
    /// both ways (the best of a few tries, so that one lost time slice on a loaded machine does not decide).</summary>
    [Fact]
    public async Task Participants_on_different_nodes_see_each_others_lines_within_1_s()
    {
        SampleProcess? first = null, second = null;
        try
        {
            first = await SampleProcess.StartAsync("ChatRoom", "--port", "0", "--cluster-port", "0"); // seeds itself
            var seed = await first.ClusterAddressAsync();
            Assert.StartsWith("akka.tcp://actorsockets@127.0.0.1:", seed);
            second = await SampleProcess.StartAsync("ChatRoom", "--port", "0", "--cluster-port", "0", "--seed-nodes", seed);
            await first.WaitForStderrAsync("2 nodes up", Deadline);
            await second.WaitForStderrAsync("2 nodes up", Deadline);

            using var alice = await TestClient.ConnectAsync(first.Port);
            Assert.StartsWith("* welcome, guest1; 1 here.", await alice.ReadLineAsync()); // nicknames and /who are the node's
            using var bob = await TestClient.ConnectAsync(second.Port);
            Assert.StartsWith("* welcome, guest1; 1 here.", await bob.ReadLineAsync());
            await bob.SendAsync("/nick bob\n");
            await alice.SendAsync("/nick alice\n");

            await WarmAsync(bob, alice, "<bob> warm");
            await WarmAsync(alice, bob, "<alice> warm");

            var bound = TimeSpan.FromSeconds(1);
            var toAlice = await Latency.BestOfAsync(i => SayAsync(bob, alice, $"<bob> hello {i}"), bound);
            var toBob = await Latency.BestOfAsync(i => SayAsync(alice, bob, $"<alice> hi {i}"), bound);
            output.WriteLine($"node 2 -> node 1: {Latency.Describe(toAlice)}; node 1 -> node 2: {Latency.Describe(toBob)}");
            Assert.True(toAlice.Min() < bound, $"fastest line to the other node {toAlice.Min().TotalMilliseconds} ms");
            Assert.True(toBob.Min() < bound, $"fastest line to the other node {toBob.Min().TotalMilliseconds} ms");

            Assert.Equal(0, await second.StopAsync(Deadline));
            Assert.Equal("* the server is shutting down; bye\n", await bob.ReadToEndAsync());
            await first.WaitForStderrAsync("left the cluster (left); 1 nodes up", Deadline);
            Assert.Equal(0, await first.StopAsync(Deadline));
        }
        finally
        {
            first?.Dispose();
            second?.Dispose();
        }
    }

    /// <summary>Says <paramref name="expected"/>'s text through <paramref name="from"/> and reads
    /// <paramref name="to"/> until it arrives (other nodes' notices may come first).</summary>
    private static async Task SayAsync(TestClient from, TestClient to, string expected)
    {
        await from.SendAsync(expected[(expected.IndexOf('>') + 2)..] + "\n");
        while (await to.ReadLineAsync(TimeSpan.FromSeconds(30 * TestTime.Factor)) is { Length: > 0 } line)
            if (line == expected + "\n") return;
        throw new InvalidOperationException($"connection closed before '{expected}'");
    }

    /// <summary>Until the other node's room has the subscription of this one (gossip), a line
    /// stays on its node: say lines until one crosses, a bounded number of times.</summary>
    private static async Task WarmAsync(TestClient from, TestClient to, string prefix)
    {
        for (int i = 0; i < 60; i++)
        {
            await from.SendAsync($"{prefix[(prefix.IndexOf('>') + 2)..]} {i}\n");
            try
            {
                while (await to.ReadLineAsync(TimeSpan.FromSeconds(1)) is { Length: > 0 } line)
                    if (line.StartsWith(prefix, StringComparison.Ordinal)) return;
                throw new InvalidOperationException("connection closed while warming up");
            }
            catch (OperationCanceledException) { /* not across yet */ }
        }
        throw new TimeoutException($"no '{prefix}' line crossed to the other node in 60 tries");
    }
}
