using System.Diagnostics;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>Issue item 5: after thousands of aborted connections and of requests with a tenth of
/// handlers throwing, open descriptors and actors return to their baseline and every good
/// request got its answer. Measured over the whole process, so run alone.</summary>
[Collection(Measurements.Name)]
public class ResourceHygieneTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Two_thousand_rapid_connect_abort_cycles_leave_descriptors_and_actors_at_baseline()
    {
        const int cycles = 2000, concurrency = 8;
        var hooks = new CountingHooks();
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>(), hooks);
        await ConnectAndAbortAsync(server, 2 * concurrency, concurrency); // warm-up: the code on this path is loaded (its files stay open)
        Assert.Equal("ok\n", await TestClient.RequestLineAsync(server.Port, "ok"));
        await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the warm-up to end");
        var (fdBefore, actorsBefore) = (await SettledDescriptorsAsync(), await CountRequestActorsAsync(server));
        long receivedBefore = (await server.GetStatsAsync()).Received;

        var clock = Stopwatch.StartNew();
        await ConnectAndAbortAsync(server, cycles, concurrency);
        var elapsed = clock.Elapsed;

        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 0 && s.Received >= receivedBefore + cycles,
            "every aborted connection to end", Settle);
        int fdAfter = await DescriptorsBackToAsync(fdBefore);
        int actorsAfter = await CountRequestActorsAsync(server);
        Output.WriteLine($"{cycles} connect/abort cycles in {elapsed.TotalSeconds:F1} s: descriptors {fdBefore} -> {fdAfter}, " +
                         $"request actors {actorsBefore} -> {actorsAfter}, HandleError calls {hooks.ErrorCount}; {stats}");
        Assert.Equal((0, 0), (actorsBefore, actorsAfter));
        Assert.Equal(stats.Received, stats.Accepted);
        Assert.Equal("ok\n", await TestClient.RequestLineAsync(server.Port, "ok"));
    }

    [Fact]
    public async Task Ten_thousand_requests_with_a_tenth_of_handlers_throwing_all_answered_and_nothing_leaks()
    {
        const int requests = 10_000, concurrency = 16;
        var hooks = new CountingHooks();
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<SquareHandler>(), hooks);
        Assert.Equal(("9\n", ""), (await AskSquareAsync(server, 3), await AskSquareAsync(server, 10))); // warm-up, a throwing one too
        await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the warm-up to end");
        var (fdBefore, actorsBefore) = (await SettledDescriptorsAsync(), await CountRequestActorsAsync(server));

        int correct = 0, wrong = 0, closedUnanswered = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            for (long n = worker + 1; n <= requests; n += concurrency)
            {
                var answer = await AskSquareAsync(server, n);
                if (n % 10 == 0) Interlocked.Increment(ref answer == "" ? ref closedUnanswered : ref wrong);
                else Interlocked.Increment(ref answer == $"{n * n}\n" ? ref correct : ref wrong);
            }
        }));
        var elapsed = clock.Elapsed;

        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 0, "every request to end", Settle);
        int fdAfter = await DescriptorsBackToAsync(fdBefore);
        int actorsAfter = await CountRequestActorsAsync(server);
        Output.WriteLine($"{requests} requests, {concurrency} clients at a time, in {elapsed.TotalSeconds:F1} s ({requests / elapsed.TotalSeconds:F0}/s): " +
                         $"{correct} answered correctly, {closedUnanswered} throwing ones closed without an answer, {wrong} wrong; " +
                         $"HandleError {hooks.ErrorCount}; descriptors {fdBefore} -> {fdAfter}; request actors {actorsBefore} -> {actorsAfter}; {stats}");
        Assert.Equal((requests * 9 / 10, requests / 10, 0), (correct, closedUnanswered, wrong));
        Assert.Equal((requests / 10 + 1, requests / 10L + 1), (hooks.ErrorCount, stats.HandlerFailures));
        Assert.Equal((0, 0), (actorsBefore, actorsAfter));
    }

    private static Task ConnectAndAbortAsync(SocketServer server, int cycles, int concurrency)
        => Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            for (int i = worker; i < cycles; i += concurrency)
            {
                var client = await TestClient.ConnectAsync(server.Port);
                if (i % 2 == 1) await client.SendAsync("half a line"); // half reset mid-request, half before a byte
                client.Abort();
            }
        }));

    private static async Task<string> AskSquareAsync(SocketServer server, long n)
    {
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync($"{n}\n");
        var (data, reset) = await client.ReadUntilClosedAsync();
        return reset ? "reset" : System.Text.Encoding.UTF8.GetString(data);
    }

    private Dictionary<string, string> _baseline = [];

    /// <summary>The descriptor count once it stopped changing (warm-up sockets closing).</summary>
    private async Task<int> SettledDescriptorsAsync()
    {
        int last = -1, now = Measurements.OpenDescriptors();
        for (int i = 0; i < 50 && now != last; i++)
        {
            await Task.Delay(50);
            (last, now) = (now, Measurements.OpenDescriptors());
        }
        _baseline = Measurements.DescribeDescriptors();
        return now;
    }

    /// <summary>Waits (bounded) until no more descriptors are open than <paramref name="baseline"/>;
    /// fails naming the count if they do not come back.</summary>
    private async Task<int> DescriptorsBackToAsync(int baseline)
    {
        int now = Measurements.OpenDescriptors();
        var deadline = DateTime.UtcNow + Settle;
        while (now > baseline && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            now = Measurements.OpenDescriptors();
        }
        var added = Measurements.DescribeDescriptors().Where(d => !_baseline.TryGetValue(d.Key, out var was) || was != d.Value);
        Assert.True(now <= baseline, $"open descriptors {now} did not return to the baseline {baseline}; new: {string.Join(", ", added.Select(d => $"{d.Key} {d.Value}"))}");
        return now;
    }

    /// <summary>Connection and handler actors under the listener, found by asking every actor there to identify itself.</summary>
    private async Task<int> CountRequestActorsAsync(SocketServer server)
    {
        var probe = CreateTestProbe();
        Sys.ActorSelection(server.Listener.Path + "/*").Tell(new Identify("connection"), probe.Ref);
        Sys.ActorSelection(server.Listener.Path + "/*/*").Tell(new Identify("handler"), probe.Ref);
        var identities = await probe.ReceiveWhileAsync(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(300),
            m => m as ActorIdentity ?? throw new InvalidOperationException($"unexpected {m}")).ToListAsync();
        return identities.Count(id => id.Subject is not null);
    }
}
