using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>
/// Shutdown loses nothing the server has read: once closing starts, a handler's read that needs
/// bytes not yet received ends the stream, so each handler finishes the request it holds and
/// persistent connections end between requests, well before the drain deadline. Bytes the server
/// never read are left to the kernel (the client sees a reset, not an answerless FIN).
/// </summary>
[Collection(Measurements.Name)]
public class DrainTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private const int Clients = 20;

    [Fact]
    public async Task Closing_under_persistent_load_answers_every_line_a_handler_read_and_ends_between_requests()
    {
        var server = await ServeAsync(ServerOptions.Tcp() with { DrainTimeout = TimeSpan.FromSeconds(30) },
            Props.Create(() => new ReportingSlowEcho(TestActor)));
        var load = new PingPongLoad(server.Port, Clients);
        await load.WaitForRepliesAsync(Clients, Deadline);

        var clock = Stopwatch.StartNew();
        await server.CloseAsync().Within(TimeSpan.FromSeconds(15), "close under load");
        var took = clock.Elapsed;
        await load.StopAsync();

        // Every handler has stopped once close completed: what they told the probe is all queued.
        var read = (await ReceiveWhileAsync<string>(TimeSpan.FromMilliseconds(500), m => m as string ?? "").ToListAsync()).ToHashSet();
        var unanswered = read.Except(load.Answered).ToList();
        Output.WriteLine($"{read.Count} lines read by handlers, {load.Answered.Count} answered; close took {took.TotalMilliseconds:F0} ms");
        Assert.Empty(unanswered);
        Assert.True(took < TimeSpan.FromSeconds(10), $"close took {took}: it waited for the drain deadline instead of ending between requests");
    }

    [Fact]
    public async Task An_idle_persistent_connection_closes_at_once_when_closing_starts()
    {
        var server = await ServeAsync(ServerOptions.Tcp() with { DrainTimeout = TimeSpan.FromSeconds(30) },
            Props.Create(() => new ReportingSlowEcho(TestActor)));
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("hello\n");
        Assert.Equal("hello\n", await client.ReadLineAsync(Deadline));

        var clock = Stopwatch.StartNew();
        await server.CloseAsync().Within(TimeSpan.FromSeconds(15), "close with an idle connection");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"close took {clock.Elapsed}");
        Assert.True(await client.IsClosedByServerAsync(Deadline), "the idle connection is closed");
    }

    [Theory]
    [InlineData("threading")]
    [InlineData("forking")]
    public async Task Sigterm_under_load_answers_every_line_the_server_read_and_exits_soon_after(string mode)
    {
        string[] args = mode == "forking"
            ? ["--handler", "slow", "--mode", "forking", "--workers", "2"]
            : ["--handler", "slow", "--mode", "threading"];
        using var server = await SampleProcess.StartAsync("ActorSockets.TestServer", args);
        var load = new PingPongLoad(server.Port, Clients);
        await load.WaitForRepliesAsync(Clients, TimeSpan.FromSeconds(30));

        var clock = Stopwatch.StartNew();
        server.Signal("TERM");
        int exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(25));
        var took = clock.Elapsed;
        await load.StopAsync();

        var read = Regex.Matches(server.Stderr, @"READ (c\d+-\d+)").Select(m => m.Groups[1].Value).ToHashSet();
        var unanswered = read.Except(load.Answered).ToList();
        Output.WriteLine($"{mode}: {read.Count} lines read by the server, {load.Answered.Count} answered, " +
                         $"{unanswered.Count} read but unanswered; exit {exit} {took.TotalMilliseconds:F0} ms after SIGTERM");
        Assert.Empty(unanswered);
        Assert.Equal(0, exit);
        Assert.True(took < TimeSpan.FromSeconds(15), $"exit took {took}: the drain waited for its 30 s deadline");
    }

    [Fact]
    public async Task A_second_sigterm_stops_at_once_and_says_how_many_requests_were_cut()
    {
        using var server = await SampleProcess.StartAsync("ActorSockets.TestServer", "--handler", "hang");
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("c0-0\n");
        await server.WaitForStderrAsync("READ c0-0");

        server.Signal("TERM");
        await server.WaitForStderrAsync("1 requests in flight");
        var clock = Stopwatch.StartNew();
        server.Signal("TERM");
        int exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Output.WriteLine($"exit {exit} {clock.Elapsed.TotalMilliseconds:F0} ms after the second SIGTERM");
        Assert.Equal(0, exit);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"exit took {clock.Elapsed}: the second signal did not cut the drain short");
        Assert.Contains("1 requests still in flight were cut", server.Stderr);
    }

    /// <summary>Tells the test every line it read, then answers it after 300 ms of work.</summary>
    private sealed class ReportingSlowEcho(IActorRef probe) : ActorSockets.Handlers.StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            while (await ReadLineAsync() is { } line)
            {
                probe.Tell(line);
                await Task.Delay(300);
                await WriteAsync(line + "\n");
            }
        }
    }

    /// <summary>Persistent clients, each sending "c&lt;client&gt;-&lt;n&gt;" and waiting for its echo, again
    /// and again, until the server ends the connection (or a bounded number of rounds).</summary>
    private sealed class PingPongLoad
    {
        private readonly List<Task> _clients = [];
        private readonly HashSet<string> _answered = [];
        private readonly CancellationTokenSource _stop = new();

        public PingPongLoad(int port, int clients)
        {
            for (int i = 0; i < clients; i++) _clients.Add(RunAsync(port, i));
        }

        public IReadOnlyCollection<string> Answered
        {
            get { lock (_answered) return [.. _answered]; }
        }

        public Task WaitForRepliesAsync(int count, TimeSpan within)
            => Eventually.Until(() => Answered.Count >= count, within, $"{count} replies under load");

        public async Task StopAsync()
        {
            await Task.WhenAll(_clients).Within(TimeSpan.FromSeconds(30), "clients to see the server end their connections");
            _stop.Dispose();
        }

        private async Task RunAsync(int port, int id)
        {
            using var client = await TestClient.ConnectAsync(port);
            for (int n = 0; n < 1000; n++)
            {
                var line = $"c{id}-{n}";
                try
                {
                    await client.SendAsync(line + "\n");
                    var reply = await client.ReadLineAsync(TimeSpan.FromSeconds(20));
                    if (reply != line + "\n") return; // end of stream: the server closed between requests
                    lock (_answered) _answered.Add(line);
                }
                catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
                {
                    return; // reset: the line was left unread in the kernel
                }
            }
        }
    }
}
