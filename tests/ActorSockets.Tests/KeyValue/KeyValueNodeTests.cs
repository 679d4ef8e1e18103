using System.Diagnostics;
using ActorSockets.Tests.Support;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.KeyValue;

/// <summary>The KeyValue sample as three listener nodes of one cluster (real processes on this
/// machine, the many-nodes chapter's command lines), driven by StackExchange.Redis: keys are kept
/// in the cluster, not in the node that took them.</summary>
public class KeyValueNodeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = ListenerNodes.Deadline;

    /// <summary>The time within which every acknowledged write must be readable after a node's
    /// SIGKILL (the requirement: 10 s, scaled on a loaded CI machine).</summary>
    private static readonly TimeSpan AfterKill = TimeSpan.FromSeconds(10 * TestTime.Factor);

    private const int Keys = 200;

    /// <summary>A key SET through node 1 is read through nodes 2 and 3, INCR through each node in turn
    /// counts on from the others' writes; after SIGKILL of node 2 every write acknowledged before it
    /// is read through nodes 1 and 3 within 10 s, and node 2 started again rejoins and serves them.</summary>
    [Fact]
    public async Task Keys_set_through_one_node_are_read_through_the_others_and_survive_a_killed_node()
    {
        await using var cluster = await ListenerNodes.StartAsync("KeyValue");
        var keys = Enumerable.Range(0, Keys).Select(i => (RedisKey)$"key:{i}").ToArray();
        var values = Enumerable.Range(0, Keys).Select(i => $"value {i}, é").ToArray();

        await using (var redis = await RedisClient.ConnectAsync(cluster[0].Port))
        {
            var db = redis.GetDatabase();
            Assert.True(await db.StringSetAsync("greeting", "héllo"));
            var sets = keys.Select((key, i) => db.StringSetAsync(key, values[i]));
            Assert.All(await Task.WhenAll(sets).Within(Deadline, $"{Keys} SETs"), Assert.True);
            Assert.Equal(1, await db.StringIncrementAsync("counter"));
        }
        foreach (var (node, count) in new[] { (1, 2L), (2, 3L) })
        {
            await using var redis = await RedisClient.ConnectAsync(cluster[node].Port);
            var db = redis.GetDatabase();
            Assert.Equal("héllo", (string?)await db.StringGetAsync("greeting"));
            Assert.Equal(count, await db.StringIncrementAsync("counter"));
        }

        cluster[1].Signal("KILL");
        var killedAt = Stopwatch.StartNew();
        await cluster[1].WaitForExitAsync(Deadline);
        foreach (var node in new[] { 0, 2 })
        {
            await using var redis = await RedisClient.ConnectAsync(cluster[node].Port);
            await AssertAllReadAsync(redis.GetDatabase(), keys, values);
        }
        output.WriteLine($"every key read through nodes 1 and 3 {killedAt.Elapsed.TotalSeconds:F1} s after SIGKILL of node 2");
        Assert.True(killedAt.Elapsed < AfterKill, $"keys read only {killedAt.Elapsed.TotalSeconds:F1} s after the kill");

        var restartedAt = Stopwatch.StartNew();
        await cluster.RestartAsync(1);
        await using (var redis = await RedisClient.ConnectAsync(cluster[1].Port))
        {
            var db = redis.GetDatabase();
            await AssertAllReadAsync(db, keys, values);
            Assert.Equal(3L, (long)await db.StringGetAsync("counter"));
        }
        output.WriteLine($"node 2 started again served every key {restartedAt.Elapsed.TotalSeconds:F1} s after its start");
    }

    private static async Task AssertAllReadAsync(IDatabase db, RedisKey[] keys, string[] values)
        => Assert.Equal(values, (await db.StringGetAsync(keys).Within(Deadline, $"MGET of {keys.Length} keys")).Select(v => (string?)v));
}
