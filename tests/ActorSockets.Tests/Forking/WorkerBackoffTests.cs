using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>
/// A worker that crashes on every request, over real processes: past <c>forking.max-restarts</c>
/// its restarts back off (1 s, 2 s, 4 s, capped by <c>restart-backoff-max</c>), one warning a
/// step; while no worker lives clients get the refuse-reply instead of hanging; the listener
/// stays up and serves a normal request once the crashing requests stop.
/// </summary>
[Collection(Support.ForkingCollections.Workers)]
public class WorkerBackoffTests(ITestOutputHelper output)
{
    private const string Backoff = "backing off, next restart in ";

    [Fact]
    public async Task A_crash_looping_worker_is_restarted_with_a_growing_backoff_and_the_listener_keeps_serving()
    {
        using var server = await ForkingServers.StartAsync(ForkingServers.Handoff, """
            forking { max-restarts = 2, restarts-within = 60s, restart-backoff-max = 4s }
            supervision.circuit-breaker.refuse-reply = "no worker\n"
            """, "--workers", "1");
        var lines = new List<(TimeSpan At, string Line)>();
        var clock = Stopwatch.StartNew();
        int seen = 0;
        void Observe()
        {
            var all = server.Stderr.Split('\n');
            for (; seen < all.Length - 1; seen++) lines.Add((clock.Elapsed, all[seen]));
        }
        int Count(string text) => lines.Count(l => l.Line.Contains(text, StringComparison.Ordinal));

        // Crashing requests four times a second until the backoff has reached its cap, one more
        // worker died there (which is no new step, so no new warning) and its replacement started.
        int refused = 0;
        var clients = new List<Task>();
        var deadline = TimeSpan.FromSeconds(120);
        while (!(Count(Backoff + "00:00:04") == 1 && Count("; restarting it") >= 6 && Count("Started worker process") >= 7))
        {
            Assert.True(clock.Elapsed < deadline, $"no backoff to 4 s within {deadline}; stderr:\n{server.Stderr}");
            clients.Add(Task.Run(async () =>
            {
                try
                {
                    using var client = await TestClient.ConnectAsync(server.Port);
                    await client.SendAsync("failfast\n");
                    if ((await client.ReadToEndAsync(TimeSpan.FromSeconds(60))).Contains("no worker\n")) Interlocked.Increment(ref refused);
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException) { /* the worker died under it */ }
            }));
            for (var next = clock.Elapsed + TimeSpan.FromMilliseconds(250); clock.Elapsed < next;)
            {
                Observe();
                await Task.Delay(20);
            }
        }
        await Task.WhenAll(clients).Within(TimeSpan.FromSeconds(90), "every crashing request to end");
        Observe();
        foreach (var (at, line) in lines.Where(l => l.Line.Contains("worker process", StringComparison.OrdinalIgnoreCase)))
            output.WriteLine($"{at.TotalSeconds,7:F2} {line}");

        // One warning a step, and the pause before each replacement as long as its step said.
        Assert.Equal(3, Count(Backoff));
        Assert.Equal([1, 2, 4], lines.Where(l => l.Line.Contains(Backoff)).Select(l => TimeSpan.Parse(l.Line[(l.Line.IndexOf(Backoff) + Backoff.Length)..].Trim()).TotalSeconds));
        var pauses = PausesBeforeStarts(lines);
        output.WriteLine("pauses from exit to the next start (s): " + string.Join(", ", pauses.Select(p => p.TotalSeconds.ToString("F2"))));
        Assert.True(pauses.Count >= 6, $"{pauses.Count} restarts seen");
        // Stamped when this test saw each line: loose by the logger's and the polling's delays.
        foreach (var (pause, step) in pauses.Skip(2).Zip([1.0, 2, 4, 4]))
            Assert.True(pause >= TimeSpan.FromSeconds(step * 0.8), $"a restart {pause} after the exit, before its {step} s backoff");
        Assert.True(refused > 0, "no client got the refuse-reply while no worker lived");

        // The listener is up and serves again once the crashing requests stop: within 20 s, a
        // normal request is served (until a replacement worker is up, a client is refused at once).
        Assert.False(server.HasExited);
        var served = "";
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20 * TestTime.Factor);
        while (!served.EndsWith(" hello\n") && DateTime.UtcNow < until)
        {
            using var normal = await TestClient.ConnectAsync(server.Port);
            await normal.SendAsync("hello\n");
            served = await normal.ReadLineAsync(TimeSpan.FromSeconds(20)) ?? "";
            if (served == "no worker\n") await Task.Delay(200); // polling pace, not synchronisation
        }
        Assert.EndsWith(" hello\n", served);
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>For each worker start after an exit: the time from the exit line to the start line.</summary>
    private static List<TimeSpan> PausesBeforeStarts(List<(TimeSpan At, string Line)> lines)
    {
        var pauses = new List<TimeSpan>();
        TimeSpan? exited = null;
        foreach (var (at, line) in lines)
        {
            if (Regex.IsMatch(line, @"Worker process \d+ exited with code \d+; restarting it")) exited = at;
            else if (line.Contains("Started worker process") && exited is { } since)
            {
                pauses.Add(at - since);
                exited = null;
            }
        }
        return pauses;
    }
}
