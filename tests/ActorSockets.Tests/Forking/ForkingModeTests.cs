using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>
/// Forking mode end to end with real processes: the test server (tests/ActorSockets.TestServer)
/// is the listener and relaunches itself as its workers. Tests in this class run one after
/// another (one xunit collection) so the 2-core machine is not flooded with processes.
/// Most run for both paths a request can take: <c>handoff</c> (the accepted socket goes to the
/// worker process, the default) and <c>relay</c> (<c>forking.socket-handoff = off</c>: bytes cross
/// as messages, as for worker nodes started by hand); each checks which path served it.
/// </summary>
[Collection(ForkingCollections.Serving)]
public class ForkingModeTests(ITestOutputHelper output)
{
    private const string Program = ForkingServers.Program, Handoff = ForkingServers.Handoff, Relay = ForkingServers.Relay;
    private static readonly TimeSpan Deadline = ForkingServers.Deadline;

    public static TheoryData<string> Paths => ForkingServers.Paths;

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Two_hundred_requests_are_served_by_both_workers_and_never_by_the_listener(string path)
    {
        using var server = await ForkingServers.StartAsync(path, "", "--workers", "2");
        await ForkingServers.AssertServedByAsync(server, path);
        var pids = new ConcurrentBag<int>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async task =>
        {
            for (int i = 0; i < 25; i++)
            {
                using var client = await TestClient.ConnectAsync(server.Port);
                await client.SendAsync($"request {task}-{i}\n");
                var (pid, text) = ParseReply(await client.ReadLineAsync());
                Assert.Equal($"request {task}-{i}", text);
                pids.Add(pid);
                client.HalfClose();
                Assert.True(await client.IsClosedByServerAsync());
            }
        }));

        Assert.Equal(200, pids.Count);
        var distinct = pids.Distinct().ToList();
        output.WriteLine($"served by {string.Join(", ", distinct.Select(p => $"{p} ({pids.Count(x => x == p)})"))}; listener {server.Pid}");
        Assert.Equal(2, distinct.Count);
        Assert.DoesNotContain(server.Pid, distinct);
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Killing_a_worker_closes_only_its_connections_and_a_replacement_serves(string path)
    {
        using var server = await ForkingServers.StartAsync(path, "", "--workers", "2");
        await ForkingServers.AssertServedByAsync(server, path);
        var held = new List<(TestClient Client, int Pid)>();
        try
        {
            while (held.Select(h => h.Pid).Distinct().Count() < 2 && held.Count < 20)
            {
                var client = await TestClient.ConnectAsync(server.Port);
                await client.SendAsync("hello\n");
                held.Add((client, ParseReply(await client.ReadLineAsync()).Pid));
            }
            int victim = held[0].Pid, survivor = held.First(h => h.Pid != victim).Pid;

            var sinceKill = Stopwatch.StartNew();
            Process.Start("kill", $"-KILL {victim}")!.WaitForExit();
            foreach (var (client, _) in held.Where(h => h.Pid == victim))
                Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "a connection of the killed worker closes");
            var closedAfter = sinceKill.Elapsed;
            // Each cut request is a handler failure the listener reports to HandleError, naming its client.
            foreach (var (client, _) in held.Where(h => h.Pid == victim))
                await server.WaitForStderrAsync($"for client {client.Socket.LocalEndPoint} failed", Deadline);
            foreach (var (client, _) in held.Where(h => h.Pid == survivor))
            {
                await client.SendAsync("still there\n");
                Assert.Equal((survivor, "still there"), ParseReply(await client.ReadLineAsync()));
            }

            int replacement = 0;
            // Poll (bounded) with a few requests held on the survivor, so the least-loaded router
            // picks the replacement as soon as it has joined.
            var polling = new Queue<TestClient>();
            for (int attempt = 0; replacement == 0 && sinceKill.Elapsed < Deadline && attempt < 2000; attempt++)
            {
                var client = await TestClient.ConnectAsync(server.Port);
                polling.Enqueue(client);
                await client.SendAsync("who\n");
                var pid = ParseReply(await client.ReadLineAsync()).Pid;
                Assert.NotEqual(victim, pid);
                if (pid != survivor) replacement = pid;
                if (polling.Count > 4) polling.Dequeue().Dispose();
                await Task.Delay(20); // pacing a bounded poll, not synchronisation
            }
            foreach (var client in polling) client.Dispose();
            output.WriteLine($"connections of the killed worker closed {closedAfter.TotalMilliseconds:F0} ms after kill -9; " +
                             $"replacement {replacement} served {sinceKill.Elapsed.TotalMilliseconds:F0} ms after it");
            Assert.NotEqual(0, replacement);
        }
        finally
        {
            foreach (var (client, _) in held) client.Dispose();
        }
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_handler_throwing_in_a_worker_is_supervised_as_in_threading_mode(string path)
    {
        using var server = await ForkingServers.StartAsync(path, "", "--workers", "1");
        await ForkingServers.AssertServedByAsync(server, path);
        using var bystander = await TestClient.ConnectAsync(server.Port);
        await bystander.SendAsync("first\n");
        int worker = ParseReply(await bystander.ReadLineAsync()).Pid;

        using (var victim = await TestClient.ConnectAsync(server.Port))
        {
            await victim.SendAsync("boom\n");
            Assert.True(await victim.IsClosedByServerAsync());
            await Eventually.Until(() => server.Stderr.Contains("boom requested") && server.Stderr.Contains(victim.Socket.LocalEndPoint!.ToString()!),
                Deadline, "HandleError's warning naming the client and the exception");
        }
        await bystander.SendAsync("second\n");
        Assert.Equal((worker, "second"), ParseReply(await bystander.ReadLineAsync())); // same worker process lives on
        bystander.HalfClose();
        Assert.True(await bystander.IsClosedByServerAsync());
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task A_worker_node_started_by_hand_with_stdin_at_eof_joins_and_serves_beside_a_local_worker()
    {
        using var server = await ForkingServers.StartAsync(Handoff, "", "--workers", "1", "--max-children", "64");
        var cluster = await server.ClusterAddressAsync();
        Assert.StartsWith("akka.tcp://", cluster);
        // stdin from /dev/null (at end of file from the start), as under systemd, nohup or a script.
        using var extra = SampleProcess.Launch(Program, stdinFromDevNull: true, "--worker", "--seed-nodes", cluster);
        await extra.WaitForStderrAsync("joined the cluster", Deadline); // says so when it joins

        var held = new Queue<TestClient>();
        var paths = new Dictionary<int, string>();
        int requests = 0;
        try
        {
            // Keep a few requests in flight, so the least-loaded router sends the next one to
            // whichever worker has fewer; both must serve.
            var started = Stopwatch.StartNew();
            while (paths.Count < 2 && requests < 2000 && started.Elapsed < Deadline)
            {
                var client = await TestClient.ConnectAsync(server.Port);
                held.Enqueue(client);
                await client.SendAsync("where\n");
                var (pid, where) = ParseReply(await client.ReadLineAsync(Deadline));
                paths[pid] = where;
                requests++;
                if (held.Count > 6) held.Dequeue().Dispose();
            }
            output.WriteLine($"{string.Join(", ", paths.Select(p => $"{p.Key}: {p.Value}"))} after {requests} requests; hand-started worker {extra.Pid}");
            Assert.Equal("request", paths.GetValueOrDefault(extra.Pid)); // relayed to the node started by hand
            Assert.Contains("handoff", paths.Values); // handed to the listener's own worker
        }
        finally
        {
            foreach (var client in held) client.Dispose();
        }
        Assert.Equal(0, await server.StopAsync());
        Assert.Equal(0, await extra.WaitForExitAsync(Deadline)); // the cluster's listener left: the worker leaves too
        Assert.Contains("left the cluster", extra.Stderr);
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("akka.tcp://actorsockets@127.0.0.1")]
    [InlineData("http://127.0.0.1:4053")]
    public async Task A_bad_seed_node_is_a_one_line_usage_error(string seed)
    {
        using var worker = SampleProcess.Launch(Program, "--worker", "--seed-nodes", "akka.tcp://actorsockets@127.0.0.1:4053", seed);
        Assert.Equal(2, await worker.WaitForExitAsync(Deadline));
        var lines = worker.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains($"'{seed}' is not a cluster address", lines[0]);
    }

    [Fact]
    public async Task A_worker_that_cannot_reach_its_seed_says_so_until_stopped()
    {
        using var port = new TcpListener(System.Net.IPAddress.Loopback, 0); // a port nobody serves a cluster on
        port.Start();
        int unused = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        using var worker = SampleProcess.Launch(Program, stdinFromDevNull: true, "--worker", "--seed-nodes", $"akka.tcp://actorsockets@127.0.0.1:{unused}");
        await worker.WaitForStderrAsync("cannot reach seed node", Deadline);
        Assert.Equal(0, await worker.StopAsync(Deadline)); // SIGTERM, not stdin, ends it
    }

    [Theory]
    [InlineData("TERM", Handoff)]
    [InlineData("KILL", Handoff)]
    [InlineData("TERM", Relay)]
    [InlineData("KILL", Relay)]
    public async Task No_worker_process_outlives_the_listener(string signal, string path)
    {
        using var server = await ForkingServers.StartAsync(path, "", "--workers", "2");
        var workers = ChildProcesses(server.Pid);
        Assert.Equal(2, workers.Count);

        // Requests in flight on both workers, so the workers are busy serving when the listener goes.
        var busy = new List<TestClient>();
        for (int i = 0; i < 4; i++)
        {
            var client = await TestClient.ConnectAsync(server.Port);
            busy.Add(client);
            await client.SendAsync("where\n");
            Assert.EndsWith(path == Handoff ? " handoff\n" : " request\n", await client.ReadLineAsync());
        }
        server.Signal(signal);
        foreach (var client in busy) client.Dispose(); // a graceful stop drains them first
        await server.WaitForExitAsync(Deadline);
        await Eventually.Until(() => workers.All(p => !SampleModes.IsAlive(p)), Deadline, $"worker processes {string.Join(",", workers)} to exit after SIG{signal} to the listener");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Max_children_makes_further_clients_wait_instead_of_failing(string path)
    {
        using var server = await ForkingServers.StartAsync(path, "", "--workers", "2", "--max-children", "2");
        using var first = await TestClient.ConnectAsync(server.Port);
        using var second = await TestClient.ConnectAsync(server.Port);
        foreach (var client in new[] { first, second })
        {
            await client.SendAsync("where\n");
            Assert.EndsWith(path == Handoff ? " handoff\n" : " request\n", await client.ReadLineAsync());
        }

        using var third = await TestClient.ConnectAsync(server.Port); // waits in the backlog
        await third.SendAsync("waiting\n");
        var early = third.ReadLineAsync(TimeSpan.FromSeconds(30));
        // A listener holding a client back in the backlog shows nothing (and this listener is
        // another process: no stats to ask), so this is a window; a listener over max-children
        // would hand the third to a worker within milliseconds.
        Assert.False(await Task.WhenAny(early, Task.Delay(500)) == early, "the third client is not served while two requests are in workers");
        first.HalfClose();
        Assert.True(await first.IsClosedByServerAsync());
        Assert.EndsWith(" waiting\n", await early);
        second.Dispose();
        third.Dispose();
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Five_thousand_increments_from_all_workers_count_exactly_five_thousand(string path)
    {
        using var server = await ForkingServers.StartAsync(path, "", "--workers", "2", "--handler", "count", "--log-level", "Debug");
        var seen = new ConcurrentBag<int>();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async task =>
        {
            for (int i = task; i < 5000; i += 16)
            {
                using var client = await TestClient.ConnectAsync(server.Port);
                seen.Add(int.Parse(await client.ReadLineAsync()));
            }
        }));
        Assert.Equal(Enumerable.Range(1, 5000), seen.Order()); // every increment seen once: no update lost
        Assert.Equal(0, await server.StopAsync());
        // Which path served them, from the listener's debug log (one line per request).
        Assert.Equal(5000, Regex.Matches(server.Stderr, path == Handoff ? "path=handoff" : @"routed handler-\d+ .* \(path=relay\)").Count);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_worker_handler_sees_the_endpoints_of_the_PROXY_header_or_of_the_socket(string path)
    {
        using var server = await ForkingServers.StartAsync(path, "proxy-protocol = optional\n proxy-protocol-trusted = [\"127.0.0.0/8\"]");
        using (var proxied = await TestClient.ConnectAsync(server.Port))
        {
            await proxied.SendAsync("PROXY TCP4 203.0.113.7 10.0.0.1 51234 8080\r\nendpoints\n");
            var (pid, text) = ParseReply(await proxied.ReadLineAsync(Deadline));
            Assert.NotEqual(server.Pid, pid);
            Assert.Equal("203.0.113.7:51234 10.0.0.1:8080", text);
        }
        using var direct = await TestClient.ConnectAsync(server.Port);
        await direct.SendAsync("endpoints\n");
        Assert.Equal($"{direct.Socket.LocalEndPoint} 127.0.0.1:{server.Port}", ParseReply(await direct.ReadLineAsync(Deadline)).Text);
        Assert.Equal(0, await server.StopAsync());
    }

    private static (int Pid, string Text) ParseReply(string line)
    {
        var match = Regex.Match(line, @"^(\d+) (.*)\n$");
        Assert.True(match.Success, $"unexpected reply '{line}'");
        return (int.Parse(match.Groups[1].Value), match.Groups[2].Value);
    }

    private static List<int> ChildProcesses(int parent)
        => Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent)
            .ToList();

    private static int ParentOf(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("PPid:"));
            return line is null ? 0 : int.Parse(line[5..].Trim());
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
