using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Dispatch.MessageQueues;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>
/// What the per-connection savings (issue 10) must not change: a burst of clients arriving
/// together is served in every mode and within MaxConnections; handlers that leave Setup and
/// Finish alone still get the whole lifecycle, failure reporting included; the compact
/// mailbox keeps order under concurrent senders.
/// </summary>
public class PerConnectionCostTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private const int Burst = 40;

    [Theory]
    [InlineData(ServerMode.Sync)]
    [InlineData(ServerMode.Threading)]
    public async Task A_burst_of_clients_connecting_together_is_served_one_line_each(ServerMode mode)
    {
        var server = await ServeAsync(ServerOptions.Tcp(mode: mode), Props.Create<OneLineEchoHandler>());
        // Every client connects before any is served: the listener finds a backlog of them.
        var clients = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => TestClient.ConnectAsync(server.Port)));
        foreach (var client in clients) Track(client);
        await Task.WhenAll(clients.Select((c, i) => c.SendAsync($"line {i}\n")));

        var replies = await Task.WhenAll(clients.Select(c => c.ReadToEndAsync(Deadline)));

        Assert.Equal(Enumerable.Range(0, Burst).Select(i => $"line {i}\n"), replies);
        var stats = await server.GetStatsAsync();
        Assert.Equal((Burst, (long)Burst), ((int)stats.Received, stats.Accepted));
    }

    [Fact]
    public async Task A_burst_waiting_in_the_backlog_never_has_more_than_max_connections_served_at_once()
    {
        var gate = new TaskCompletionSource();
        var server = await ServeAsync(ServerOptions.Tcp() with { MaxConnections = 3 },
            Props.Create(() => new GatedHandler(TestActor, () => gate.Task)));
        var clients = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => TestClient.ConnectAsync(server.Port)));
        foreach (var client in clients) Track(client);
        await Task.WhenAll(clients.Select((c, i) => c.SendAsync($"{i}\n")));

        for (int i = 0; i < 3; i++) ExpectMsg<string>(s => s.StartsWith("started"), Deadline);
        ExpectNoMsg(TimeSpan.FromSeconds(1)); // a window (nothing happens when it holds): long, as a server over the limit would start a 4th within milliseconds
        var atLimit = await server.GetStatsAsync();
        Assert.Equal((3, 3L), (atLimit.ActiveConnections, atLimit.Received)); // the rest still in the kernel

        gate.SetResult();
        var replies = await Task.WhenAll(clients.Select(c => c.ReadToEndAsync(Deadline)));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"done {i}\n"), replies);
        ReceiveN(9, Deadline);
        Assert.Equal(12, (await server.GetStatsAsync()).Accepted);
    }

    [Fact]
    public async Task A_handler_with_only_HandleAsync_still_has_its_failure_reported_and_its_connection_closed()
    {
        var hooks = new RecordingHooks();
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>(), hooks);
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("one\nboom\n");

        Assert.Equal("one\n", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync(), "the failed request's connection is closed");
        await Eventually.Until(() => hooks.Errors.Count == 1, Deadline, "HandleError called");
        Assert.Equal("boom", hooks.Errors[0].Error.Message);
        Assert.Equal(1, (await server.GetStatsAsync()).HandlerFailures);
    }

    [Fact]
    public async Task The_compact_mailbox_keeps_each_senders_order_and_loses_nothing()
    {
        var queue = new CompactMessageQueue();
        const int Senders = 4, PerSender = 5_000;
        var sending = Enumerable.Range(0, Senders).Select(s => Task.Run(() =>
        {
            for (int i = 0; i < PerSender; i++) queue.Enqueue(ActorRefs.Nobody, new Envelope((s, i), ActorRefs.NoSender));
        })).ToArray();
        var next = new int[Senders];
        int taken = 0;
        var deadline = DateTime.UtcNow + Deadline;
        while (taken < Senders * PerSender && DateTime.UtcNow < deadline)
        {
            if (!queue.TryDequeue(out var envelope))
            {
                await Task.Yield();
                continue;
            }
            var (sender, index) = ((int, int))envelope.Message;
            Assert.Equal(next[sender]++, index);
            taken++;
        }
        await Task.WhenAll(sending);
        Assert.Equal(Senders * PerSender, taken);
        Assert.False(queue.HasMessages);
    }

    private sealed class OneLineEchoHandler : StreamRequestHandler
    {
        protected override async Task HandleAsync() => await WriteAsync(await ReadLineBytesAsync());
    }

    private sealed class DatagramEcho : DatagramRequestHandler
    {
        protected override Task HandleAsync() => WriteAsync(Data);
    }
}
