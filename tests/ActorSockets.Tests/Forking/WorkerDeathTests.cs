using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorSockets.Forking;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>
/// What the listener counts after a worker process dies under its requests, on both paths:
/// the requests end (active connections back to zero), each end is reported to <c>HandleError</c>
/// and counted, and the <c>max-children</c> slots they held are free again. The listener runs in
/// this process (so its stats can be asked), the worker is a real TestServer process.
/// Every wait is well under the 30 s drain timeout, so a leaked request fails here, by name,
/// instead of holding a later shutdown.
/// </summary>
[Collection(ForkingCollections.Workers)]
public class WorkerDeathTests(ITestOutputHelper output)
{
    public static TheoryData<string> Paths => ForkingServers.Paths;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    // The requests end within 0.2 s (hand-off) to 1.1 s (relay) of the kill on a loaded 2-core machine
    // (0.1 s on both at load 50). 3 s, with the starts before it and the close after, keeps a leaked
    // request's failure within 15 s of the test's start; scaled by the time factor (9 s on CI) it stays
    // under a third of the 30 s drain timeout a leak would hold.
    private static readonly TimeSpan EndDeadline = TimeSpan.FromSeconds(3) * TestTime.Factor;
    private static readonly TimeSpan ReplacementDeadline = TimeSpan.FromSeconds(30);

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task After_a_worker_dies_its_requests_end_are_reported_and_free_their_max_children_slots(string path)
    {
        var hooks = new RecordingHooks();
        // A short drain, so that a leaked request, once this test has failed on it, does not hold the close
        // for 30 s. The test's clients have all left by the time it closes the server.
        var options = ForkingServers.Options(workers: 1, maxChildren: 2, handoff: path == ForkingServers.Handoff) with { DrainTimeout = TimeSpan.FromMilliseconds(500) };
        var server = await SocketServer.StartAsync(options, Props.Empty, hooks, name: $"death-{path}-{Guid.NewGuid():N}");
        _ = server.ServeForeverAsync();
        var held = new List<TestClient>();
        try
        {
            int worker = 0;
            for (int i = 0; i < 2; i++) // both max-children slots taken, by requests in the one worker
            {
                var client = await TestClient.ConnectAsync(server.Port);
                held.Add(client);
                await client.SendAsync("where\n");
                var reply = Regex.Match(await client.ReadLineAsync(Deadline), @"^(\d+) (\w+)\n$");
                Assert.Equal(path == ForkingServers.Handoff ? "handoff" : "request", reply.Groups[2].Value);
                worker = int.Parse(reply.Groups[1].Value);
            }
            Assert.Equal(2, (await server.GetStatsAsync()).ActiveConnections);

            var sinceKill = Stopwatch.StartNew();
            Process.Start("kill", $"-KILL {worker}")!.WaitForExit();
            var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 0, "both requests of the killed worker to end", EndDeadline);
            output.WriteLine($"requests ended {sinceKill.ElapsedMilliseconds} ms after kill -9: {stats}");
            await Eventually.Until(() => hooks.Errors.Count == 2, EndDeadline, "HandleError for each request of the killed worker");
            lock (hooks.Errors) Assert.All(hooks.Errors, e => Assert.IsType<WorkerLostException>(e.Error));
            Assert.Equal(2, (await server.GetStatsAsync()).HandlerFailures);
            foreach (var client in held) Assert.True(await client.IsClosedByServerAsync(Deadline), "a connection of the killed worker closes");

            // Both slots are free: two new clients are served at the same time by the replacement,
            // once it has started and linked (seconds of process start, more on a loaded machine).
            // Until the replacement is up, a client is refused at once (no worker lives): try again.
            var until = DateTime.UtcNow + ReplacementDeadline;
            var pair = new List<TestClient>();
            while (true)
            {
                pair.ForEach(c => c.Dispose());
                pair = [await TestClient.ConnectAsync(server.Port), await TestClient.ConnectAsync(server.Port)];
                var replies = new List<string>();
                foreach (var client in pair)
                {
                    await client.SendAsync("again\n");
                    replies.Add(await client.ReadLineAsync(ReplacementDeadline));
                }
                if (replies.All(r => r.EndsWith(" again\n")) || DateTime.UtcNow > until)
                {
                    Assert.All(replies, r => Assert.EndsWith(" again\n", r));
                    break;
                }
                await Task.Delay(200); // polling pace, not synchronisation
            }
            held.AddRange(pair);
            Assert.Equal(2, (await server.GetStatsAsync()).ActiveConnections);
            output.WriteLine($"two new requests served at once {sinceKill.ElapsedMilliseconds} ms after kill -9");
        }
        finally
        {
            foreach (var client in held) client.Dispose();
            await server.DisposeAsync().AsTask().Within(TimeSpan.FromSeconds(60), "server close");
        }
    }
}
