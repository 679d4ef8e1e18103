using System.Diagnostics;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>Issue item 2: idle, first-byte, read and request-deadline timeouts each close only the
/// offending connection, and are logged (Info) and counted.</summary>
public class TimeoutTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(400);
    // For tests where a well-behaved client must stay within the timeout throughout: ten times
    // its pace, and seconds long, so a loaded 2-core machine's stalls do not make it look idle.
    private static readonly TimeSpan Patient = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task An_idle_connection_is_closed_and_an_active_one_is_not()
    {
        var server = await ServeAsync(ServerOptions.Tcp() with { IdleTimeout = Patient }, Props.Create(() => new StartedEchoHandler(TestActor)));
        using var active = await TestClient.ConnectAsync(server.Port);
        var clock = Stopwatch.StartNew();
        TimeSpan idleClosedAfter = TimeSpan.Zero;
        await EventFilter.Info(contains: "IdleTimeout").ExpectOneAsync(async () =>
        {
            using var idle = await TestClient.ConnectAsync(server.Port);
            var closed = idle.IsClosedByServerAsync(TimeSpan.FromSeconds(10));
            while (!closed.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(10)) // the active one talks throughout
            {
                await active.SendAsync("ping\n");
                Assert.Equal("ping\n", await active.ReadLineAsync());
                await Task.WhenAny(closed, Task.Delay(Patient / 10));
            }
            Assert.True(await closed, "the idle connection is closed by the server (FIN)");
            idleClosedAfter = clock.Elapsed;
        });
        await active.SendAsync("still here\n");
        Assert.Equal("still here\n", await active.ReadLineAsync());

        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 1, "the idle connection to end");
        Output.WriteLine($"idle connection closed after {idleClosedAfter.TotalMilliseconds:F0} ms (IdleTimeout {Patient.TotalMilliseconds} ms); {stats}");
        Assert.InRange(idleClosedAfter, Patient * 0.9, Patient + TimeSpan.FromSeconds(5));
        Assert.Equal((1L, 1), (stats.IdleTimeouts, stats.ActiveConnections));
    }

    [Fact]
    public async Task A_handler_writing_to_a_reading_client_is_not_idle()
    {
        // A line every 100 ms for 4 s, under an idle timeout of 3 s: writing for longer than the
        // timeout, with gaps far shorter than it even on a loaded machine.
        var options = ServerOptions.Tcp() with { IdleTimeout = TimeSpan.FromSeconds(3) };
        var server = await ServeAsync(options, Props.Create(() => new TickerHandler(40, TimeSpan.FromMilliseconds(100))));
        using var client = await TestClient.ConnectAsync(server.Port); // sends nothing, only reads
        var all = await client.ReadToEndAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(40, all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(0, (await server.GetStatsAsync()).IdleTimeouts);
    }

    [Fact]
    public async Task A_client_that_sends_nothing_after_connecting_is_closed_by_the_first_byte_timeout()
    {
        var server = await ServeAsync(ServerOptions.Tcp() with { FirstByteTimeout = Patient }, Props.Create(() => new StartedEchoHandler(TestActor)));
        using var prompt = await TestClient.ConnectAsync(server.Port);
        await prompt.SendAsync("h"); // one byte in time; the rest of the line long after the timeout
        var clock = Stopwatch.StartNew();
        await EventFilter.Info(contains: "FirstByteTimeout").ExpectOneAsync(async () =>
        {
            using var silent = await TestClient.ConnectAsync(server.Port);
            Assert.True(await silent.IsClosedByServerAsync(TimeSpan.FromSeconds(10)));
        });
        var closedAfter = clock.Elapsed;
        await prompt.SendAsync("ello\n");
        Assert.Equal("hello\n", await prompt.ReadLineAsync());

        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 1, "the silent connection to end");
        Output.WriteLine($"silent client closed after {closedAfter.TotalMilliseconds:F0} ms; {stats}");
        Assert.Equal((1L, 1, 0L), (stats.FirstByteTimeouts, stats.ActiveConnections, stats.HandlerFailures));
    }

    [Fact]
    public async Task A_slowloris_line_fails_the_read_timeout_and_only_its_connection_closes()
    {
        var hooks = new CountingHooks();
        var options = ServerOptions.Tcp() with { ReadTimeout = Patient };
        var server = await ServeAsync(options, Props.Create(() => new StartedEchoHandler(TestActor)), hooks);
        using var good = await TestClient.ConnectAsync(server.Port);
        await good.SendAsync("good\n");
        Assert.Equal("good\n", await good.ReadLineAsync());

        using var slow = await TestClient.ConnectAsync(server.Port);
        var clock = Stopwatch.StartNew();
        int dripped = 0;
        await EventFilter.Info(contains: "ReadTimeout").ExpectOneAsync(async () =>
        {
            var closed = slow.IsClosedByServerAsync(TimeSpan.FromSeconds(10));
            // A byte every tenth of the timeout: bytes keep coming, the line never does. Meanwhile
            // the good client sends whole lines, well within the timeout.
            while (!closed.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                try { await slow.SendAsync("x"); dripped++; } catch (System.Net.Sockets.SocketException) { break; }
                await good.SendAsync("good\n");
                Assert.Equal("good\n", await good.ReadLineAsync());
                await Task.WhenAny(closed, Task.Delay(Patient / 10));
            }
            Assert.True(await closed);
        });
        var closedAfter = clock.Elapsed;

        await good.SendAsync("still good\n");
        Assert.Equal("still good\n", await good.ReadLineAsync());
        await Eventually.Until(() => hooks.ErrorCount == 1, Deadline, "HandleError for the timed-out read");
        Assert.IsType<ReadTimeoutException>(hooks.Errors.Single().Error);
        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 1, "the slow connection to end");
        Output.WriteLine($"slowloris dripped {dripped} bytes and was closed after {closedAfter.TotalMilliseconds:F0} ms; {stats}");
        Assert.Equal((1L, 1L, 1), (stats.ReadTimeouts, stats.HandlerFailures, stats.ActiveConnections));
    }

    [Fact]
    public async Task A_request_past_its_deadline_is_stopped_and_closed_cleanly()
    {
        var never = new TaskCompletionSource();
        var options = ServerOptions.Tcp() with { RequestDeadline = Short };
        var server = await ServeAsync(options, Props.Create(() => new GatedHandler(TestActor, () => never.Task)));
        var clock = Stopwatch.StartNew();
        await EventFilter.Info(contains: "RequestDeadline").ExpectOneAsync(async () =>
        {
            using var stuck = await TestClient.ConnectAsync(server.Port);
            await stuck.SendAsync("stuck\n");
            await ExpectMsgAsync("started stuck");
            Assert.Equal("", await stuck.ReadToEndAsync()); // EOF (FIN), not a reset: ReadToEnd would throw
        });
        var closedAfter = clock.Elapsed;
        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the stopped request to end");
        Output.WriteLine($"request stopped after {closedAfter.TotalMilliseconds:F0} ms (deadline {Short.TotalMilliseconds} ms); {stats}");
        Assert.Equal((1L, 0L), (stats.RequestDeadlines, stats.HandlerFailures));
    }

    [Fact]
    public async Task A_datagram_request_past_its_deadline_sends_no_reply_and_the_next_is_served()
    {
        var gate = new TaskCompletionSource();
        var options = ServerOptions.Udp() with { RequestDeadline = Short };
        var server = await ServeAsync(options, Props.Create(() => new GatedDatagramHandler(TestActor, () => gate.Task)));
        using var client = DatagramClient.Udp(server.Port);
        await client.SendAsync("late");
        await ExpectMsgAsync("started late");
        await server.StatsWhenAsync(s => s.RequestDeadlines == 1, "the deadline to pass");
        gate.SetResult();
        Assert.Equal("done fast", await client.RoundTripAsync("fast"));
        await ExpectMsgAsync("started fast");
        // The late handler, released, has finished once no request is active; a reply it sent
        // would then be ahead of the next reply in the client's socket.
        await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the released late handler to finish");
        Assert.Equal("done after", await client.RoundTripAsync("after"));
        await ExpectMsgAsync("started after");
        Assert.Equal(0, client.Socket.Available); // the late one never answered
    }
}
