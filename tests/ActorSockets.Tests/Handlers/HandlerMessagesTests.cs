using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Handlers;

/// <summary>
/// A handler is a full actor: it takes its own messages at once, even while it waits in
/// <c>ReadLineAsync</c>, and it has timers, Become/Stash, supervised children, death watch and
/// the event stream (<see cref="ActorFeaturesHandler"/>, driven by its client's lines).
/// </summary>
public class HandlerMessagesTests : ServerTestKit
{
    private readonly ITestOutputHelper _output;

    public HandlerMessagesTests(ITestOutputHelper output) : base(output) => _output = output;

    private static readonly TimeSpan Line = TimeSpan.FromSeconds(10);

    private async Task<(SocketServer Server, TestClient Client)> ConnectAsync()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<ActorFeaturesHandler>());
        var client = Track(await TestClient.ConnectAsync(server.Port));
        await client.SendAsync("where\n"); // answered once the handler runs and waits for the next line
        Assert.EndsWith(" conn\n", await client.ReadLineAsync(Line));
        return (server, client);
    }

    [Fact]
    public async Task A_message_to_a_handler_blocked_in_ReadLineAsync_is_written_to_its_client_within_100_ms()
    {
        var (server, client) = await ConnectAsync();
        var handler = await server.Handlers.ResolveOne(Line);
        var bound = TimeSpan.FromMilliseconds(100);
        var tries = await Latency.BestOfAsync(async i =>
        {
            handler.Tell(new Say($"pushed {i}"));
            Assert.Equal($"pushed {i}\n", await client.ReadLineAsync(Line));
        }, bound);
        _output.WriteLine($"Tell to line read: {Latency.Describe(tries)}");
        Assert.True(tries.Min() < bound, $"fastest {tries.Min().TotalMilliseconds} ms");

        await client.SendAsync("where\n"); // and its HandleAsync still reads the next line
        Assert.EndsWith(" conn\n", await client.ReadLineAsync(Line));
    }

    [Fact]
    public async Task A_message_written_while_a_long_write_waits_for_the_client_comes_after_all_of_it()
    {
        var (_, client) = await ConnectAsync();
        await client.SendAsync("big 300000\n"); // past half the write limit: the write waits for a flush midway
        Assert.Equal(new string('x', 300000) + "\n", await client.ReadLineAsync(Line));
        Assert.Equal("after\n", await client.ReadLineAsync(Line));
    }

    [Fact]
    public async Task A_timer_writes_to_a_client_that_sends_nothing()
    {
        var (_, client) = await ConnectAsync();
        await client.SendAsync("ping 50\n");
        for (int i = 0; i < 3; i++) Assert.Equal("ping\n", await client.ReadLineAsync(Line));
    }

    [Fact]
    public async Task Become_stashes_messages_until_the_handler_becomes_open_again()
    {
        var (_, client) = await ConnectAsync();
        await client.SendAsync("lock\n");
        Assert.Equal("locked\n", await client.ReadLineAsync(Line));
        await client.SendAsync("say one\nsay two\nunlock\n");
        // Not stashed, "one" and "two" would come before "unlocked": each was told before the next line was read.
        Assert.Equal("unlocked\n", await client.ReadLineAsync(Line));
        Assert.Equal("one\n", await client.ReadLineAsync(Line));
        Assert.Equal("two\n", await client.ReadLineAsync(Line));
        await client.SendAsync("say three\n");
        Assert.Equal("three\n", await client.ReadLineAsync(Line));
    }

    [Fact]
    public async Task A_failing_child_is_restarted_by_the_handlers_own_supervisor_strategy()
    {
        var (_, client) = await ConnectAsync();
        await client.SendAsync("crash boom\n");
        Assert.Equal("supervised boom\n", await client.ReadLineAsync(Line));
        await client.SendAsync("child\n");
        Assert.Equal("child pong, 1 restarts\n", await client.ReadLineAsync(Line));
    }

    [Fact]
    public async Task A_watched_actor_stopping_reaches_the_handler_as_Terminated()
    {
        var (_, client) = await ConnectAsync();
        await client.SendAsync("watch\n");
        Assert.Equal("terminated\n", await client.ReadLineAsync(Line));
    }

    [Fact]
    public async Task The_handler_hears_what_is_published_on_the_event_stream()
    {
        var (_, client) = await ConnectAsync();
        await client.SendAsync("publish from-the-handler\n");
        Assert.Equal("announced from-the-handler\n", await client.ReadLineAsync(Line));
        Sys.EventStream.Publish(new Announcement("from-outside"));
        Assert.Equal("announced from-outside\n", await client.ReadLineAsync(Line));
    }

    [Fact]
    public async Task Broadcast_reaches_every_live_handler_even_as_others_end()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<ActorFeaturesHandler>());
        var clients = new List<TestClient>();
        for (int i = 0; i < 6; i++)
        {
            var client = Track(await TestClient.ConnectAsync(server.Port));
            await client.SendAsync("where\n");
            await client.ReadLineAsync(Line);
            clients.Add(client);
        }
        // Half of them end while the broadcasts go out: the rest get every one, in order.
        var leaving = clients.Where((_, i) => i % 2 == 0).ToList();
        foreach (var client in leaving) client.HalfClose();
        for (int n = 0; n < 20; n++) server.Broadcast(new Say($"all {n}"));
        foreach (var client in clients.Except(leaving))
            for (int n = 0; n < 20; n++) Assert.Equal($"all {n}\n", await client.ReadLineAsync(Line));
        // A leaving client may still get the first broadcasts, sent before its end reached the
        // server: what it gets is a prefix of the sequence, in order, then the close.
        foreach (var client in leaving)
        {
            var (data, _) = await client.ReadUntilClosedAsync(Line);
            var lines = System.Text.Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Enumerable.Range(0, lines.Length).Select(n => $"all {n}"), lines);
        }
        await server.StatsWhenAsync(stats => stats.ActiveConnections == 3, "the ended connections gone");
        server.Broadcast(new Say("the rest"));
        foreach (var client in clients.Except(leaving)) Assert.Equal("the rest\n", await client.ReadLineAsync(Line));
    }
}
