using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Forking;

/// <summary>
/// Forking mode's failure paths over real worker processes, for handed-off sockets and for the
/// relay: Finish after Handle throws, the line limit, the read timeout, the request deadline and
/// the drain deadline. Each first checks which path served it.
/// </summary>
[Collection(ForkingCollections.Workers)]
public class ForkingLimitsTests
{
    private static readonly TimeSpan Deadline = ForkingServers.Deadline;

    public static TheoryData<string> Paths => ForkingServers.Paths;

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Finish_runs_in_the_worker_after_Handle_throws(string path)
    {
        using var server = await ForkingServers.StartAsync(path, "", "--workers", "1", "--handler", "finish");
        await ForkingServers.AssertServedByAsync(server, path, "finished", "0"); // no Finish after a throw yet
        using (var victim = await TestClient.ConnectAsync(server.Port))
        {
            await victim.SendAsync("boom\n");
            Assert.True(await victim.IsClosedByServerAsync(Deadline));
        }
        // The thrown handler's Finish increments the listener's counter: poll (bounded) until it shows.
        string seen = "";
        var waited = Stopwatch.StartNew();
        while (seen != "1" && waited.Elapsed < Deadline)
        {
            using var probe = await TestClient.ConnectAsync(server.Port);
            await probe.SendAsync("finished\n");
            seen = Regex.Match(await probe.ReadLineAsync(Deadline), @"^\d+ (\d+)\n$").Groups[1].Value;
            if (seen != "1") await Task.Delay(50); // pacing a bounded poll, not synchronisation
        }
        Assert.Equal("1", seen);
        await server.WaitForStderrAsync("boom requested", Deadline); // HandleError in the listener
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_huge_line_fails_at_the_line_limit(string path)
    {
        using var server = await ForkingServers.StartAsync(path, "max-line-length = 1024", "--workers", "1");
        await ForkingServers.AssertServedByAsync(server, path);
        using var client = await TestClient.ConnectAsync(server.Port);
        var huge = new byte[10 * 1024 * 1024];
        Array.Fill(huge, (byte)'x');
        var sending = Task.Run(async () =>
        {
            try { await client.SendAsync(huge); }
            catch (SocketException) { /* the server closed on us: expected */ }
        });
        Assert.True(await client.IsClosedByServerAsync(Deadline), "the connection closes once the line passes the limit");
        await server.WaitForStderrAsync("(LineTooLong #1)", Deadline);
        Assert.Contains("1024", Regex.Match(server.Stderr, @".*LineTooLong #1.*").Value);
        client.Dispose();
        await sending.Within(Deadline, "the sender to stop");
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_read_timeout_closes_a_silent_client(string path)
    {
        using var server = await ForkingServers.StartAsync(path, "read-timeout = 1s", "--workers", "1");
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("where\n");
        Assert.EndsWith(Where(path), await client.ReadLineAsync(Deadline));
        var silent = Stopwatch.StartNew();
        Assert.True(await client.IsClosedByServerAsync(Deadline));
        Assert.True(silent.Elapsed >= TimeSpan.FromMilliseconds(900), $"closed after {silent.Elapsed}, before the 1 s timeout");
        await server.WaitForStderrAsync("(ReadTimeout #1)", Deadline);
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task The_request_deadline_closes_a_request_still_running(string path)
    {
        using var server = await ForkingServers.StartAsync(path, "request-deadline = 2s", "--workers", "1");
        var started = Stopwatch.StartNew();
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("where\n");
        Assert.EndsWith(Where(path), await client.ReadLineAsync(Deadline));
        Assert.True(await client.IsClosedByServerAsync(Deadline));
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(1900), $"closed after {started.Elapsed}, before the 2 s deadline");
        await server.WaitForStderrAsync("(RequestDeadline #1)", Deadline);
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task The_drain_deadline_closes_requests_still_in_workers(string path)
    {
        // A handler busy with a request it read (not one waiting for the next: the drain ends those at once).
        using var server = await ForkingServers.StartAsync(path, "drain-timeout = 1s", "--workers", "1", "--handler", "hang");
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("where\n");
        Assert.EndsWith(Where(path), await client.ReadLineAsync(Deadline));
        await client.SendAsync("busy\n");
        await server.WaitForStderrAsync("READ busy", Deadline);

        var sinceStop = Stopwatch.StartNew();
        server.Signal("TERM");
        Assert.True(await client.IsClosedByServerAsync(Deadline), "the drain deadline closes the connection in the worker");
        Assert.True(sinceStop.Elapsed >= TimeSpan.FromMilliseconds(900), $"closed after {sinceStop.Elapsed}: the drain did not wait");
        Assert.Equal(0, await server.WaitForExitAsync(Deadline));
        Assert.Contains("Drain deadline of", server.Stderr);
    }

    private static string Where(string path) => ForkingServers.Where(path);
}
