using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>
/// Worker processes that die on request, over and over: the listener must outlive every pattern
/// of worker deaths. The cluster's membership churns as workers die and are started again; the
/// test shortens the downing's stable-after so that churn would cross it many times over.
/// <para>The loop runs for <c>ACTORSOCKETS_CRASH_LOOP_SECONDS</c> (default 12) with a request
/// every <c>ACTORSOCKETS_CRASH_LOOP_INTERVAL_MS</c> (default 250); by hand, 60 and 1000 give
/// "one a second for a minute".</para>
/// </summary>
[Collection(ForkingCollections.Workers)]
public class ListenerOutlivesWorkersTests(ITestOutputHelper output)
{
    private const string Program = "ActorSockets.TestServer";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Workers_exiting_on_every_request_never_take_the_listener_down()
    {
        var duration = TimeSpan.FromSeconds(Setting("ACTORSOCKETS_CRASH_LOOP_SECONDS", 12));
        var interval = TimeSpan.FromMilliseconds(Setting("ACTORSOCKETS_CRASH_LOOP_INTERVAL_MS", 250));
        using var server = await StartAsync(ShortStableAfter, "--workers", "2");

        var crashes = new List<Task>();
        var clock = Stopwatch.StartNew();
        int refused = 0;
        for (int i = 0; clock.Elapsed < duration && i < 10_000 && !server.HasExited; i++)
        {
            crashes.Add(CrashAWorkerAsync(server.Port, () => Interlocked.Increment(ref refused)));
            await Task.Delay(interval); // the request rate of the scenario, not synchronisation
        }
        await Task.WhenAll(crashes).Within(TimeSpan.FromSeconds(90), "every crashing request to end");
        int exits = Regex.Matches(server.Stderr, "exited with code 3").Count;
        output.WriteLine($"{crashes.Count} crashing requests in {clock.Elapsed.TotalSeconds:F0} s; {exits} worker exits; {refused} connections refused");

        Assert.False(server.HasExited, $"the listener exited with code {(server.HasExited ? server.ExitCode : 0)}:\n{server.Stderr}");
        Assert.Equal(0, refused);
        Assert.True(exits >= 3, $"only {exits} workers exited: the loop did not churn the cluster");
        Assert.DoesNotContain("down all nodes", server.Stderr);
        // Still serving: a normal request is answered once a worker is back.
        using (var client = await TestClient.ConnectAsync(server.Port))
        {
            await client.SendAsync("hello\n");
            Assert.Matches(@"^\d+ hello\n$", await client.ReadLineAsync(TimeSpan.FromSeconds(90)));
        }
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task Freezing_every_worker_at_once_never_downs_the_listener()
    {
        // The listener alone on its side of the failure detector, against all of its workers:
        // keep-oldest with down-if-alone downed the listener here.
        using var server = await StartAsync(ShortStableAfter, "--workers", "2");
        var frozen = SampleModes.ProcessTree(server.Pid).Skip(1).ToList();
        Assert.Equal(2, frozen.Count);
        foreach (var pid in frozen) Signal(pid, "STOP");
        try
        {
            // Removed from the cluster and killed as hung, then started again: a fresh worker serves.
            await Eventually.Until(() => Regex.Matches(server.Stderr, "is killed, to be started again").Count == 2 || server.HasExited,
                TimeSpan.FromSeconds(60), "both frozen workers to be removed and killed");
            Assert.False(server.HasExited, $"the listener exited:\n{server.Stderr}");
            using var client = await TestClient.ConnectAsync(server.Port);
            await client.SendAsync("hello\n");
            var reply = await client.ReadLineAsync(TimeSpan.FromSeconds(60));
            Assert.Matches(@"^\d+ hello\n$", reply);
            Assert.DoesNotContain(int.Parse(reply.Split(' ')[0]), frozen);
        }
        finally
        {
            foreach (var pid in frozen) Signal(pid, "CONT");
        }
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task A_listener_removed_from_its_cluster_says_why_and_exits_1()
    {
        using var server = await StartAsync("", "--workers", "1");
        using (var client = await TestClient.ConnectAsync(server.Port))
            await client.SendAsync("down-listener\n"); // a worker downs the listener, as a misbehaving node could
        Assert.Equal(1, await server.WaitForExitAsync(Deadline));
        Assert.Contains("The listener was removed from its forking-mode cluster", server.Stderr);
    }

    /// <summary>One request that ends the worker serving it; the connection closes with the worker.</summary>
    private static async Task CrashAWorkerAsync(int port, Action refused)
    {
        TestClient client;
        try
        {
            client = await TestClient.ConnectAsync(port);
        }
        catch (SocketException)
        {
            refused();
            return;
        }
        using (client)
        {
            await client.SendAsync("exit\n");
            await client.IsClosedByServerAsync(TimeSpan.FromSeconds(80));
        }
    }

    /// <summary>Downing decisions after 1 s instead of 5 (Akka's split-brain resolver's key too, so
    /// that the same test shows what it would do).</summary>
    private const string ShortStableAfter = """
        akka.cluster.split-brain-resolver.stable-after = 1s
        akka.cluster.listener-downing.stable-after = 1s
        """;

    private static void Signal(int pid, string signal) => Process.Start("kill", $"-{signal} {pid}")!.WaitForExit();

    private static int Setting(string variable, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(variable), out var value) && value > 0 ? value : fallback;

    private static async Task<SampleProcess> StartAsync(string akkaSettings, params string[] args)
    {
        var config = Path.Combine(Path.GetTempPath(), $"actorsockets-crashloop-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, akkaSettings + "\n");
        return await SampleProcess.StartAsync(Program, ["--mode", "forking", "--config", config, .. args]);
    }
}
