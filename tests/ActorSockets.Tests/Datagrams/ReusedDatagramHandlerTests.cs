using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Datagrams;

public class ReusedDatagramHandlerTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task A_kept_handler_with_an_async_finish_runs_it_after_handle_even_when_handle_throws()
    {
        var hooks = new RecordingHooks();
        var server = await ServeAsync(ServerOptions.Udp(mode: ServerMode.Threading), Props.Create<KeptFinishingHandler>(), hooks);
        using var client = DatagramClient.Udp(server.Port);
        Assert.Equal("h:one|f", await client.RoundTripAsync("one"));
        Assert.Equal("h:boom|f", await client.RoundTripAsync("boom")); // finish() sends after handle() raised
        Assert.Equal("h:two|f", await client.RoundTripAsync("two"));
        await server.StatsWhenAsync(s => s.HandlerFailures == 1 && s.Accepted == 3 && s.ActiveConnections == 0, "one failure, every request over");
        lock (hooks.Errors) Assert.Equal("boom", Assert.Single(hooks.Errors).Error.Message);
    }

    private static string[] Fields(string reply) => reply.Split('|');

    [Theory]
    [InlineData(ServerMode.Sync)]
    [InlineData(ServerMode.Threading)]
    public async Task One_kept_handler_serves_datagrams_one_after_another_each_seeing_its_own_request(ServerMode mode)
    {
        var server = await ServeAsync(ServerOptions.Udp(mode: mode), Props.Create<KeptEchoHandler>());
        using var alice = DatagramClient.Udp(server.Port);
        using var bob = DatagramClient.Udp(server.Port);

        var replies = new List<string[]>();
        async Task<string[]> OneAfterAnotherAsync(DatagramClient client, string request)
        {
            var reply = Fields(await client.RoundTripAsync(request));
            // The reply can reach the client before the listener has counted the request out, and
            // a request that comes while the first handler still has one goes to the next: wait.
            await server.StatsWhenAsync(s => s.ActiveConnections == 0, $"{request} counted out");
            return reply;
        }
        for (int i = 0; i < 4; i++)
        {
            replies.Add(await OneAfterAnotherAsync(alice, $"a{i}"));
            replies.Add(await OneAfterAnotherAsync(bob, $"b{i}"));
        }

        Assert.Single(replies.Select(r => r[0]).Distinct()); // one actor answered them all
        Assert.StartsWith("kept-handler-", replies[0][0]);
        for (int i = 0; i < 4; i++) // Data, ClientAddress and Request are each request's own
        {
            Assert.Equal(("a" + i, alice.Address), (replies[2 * i][1], replies[2 * i][2]));
            Assert.Equal(("b" + i, bob.Address), (replies[2 * i + 1][1], replies[2 * i + 1][2]));
        }
        Assert.Equal(8, replies.Select(r => r[3]).Distinct().Count()); // a request name each
        await server.StatsWhenAsync(s => s.Accepted == 8 && s.ActiveConnections == 0, "every request over");
    }

    [Fact]
    public async Task Without_the_attribute_every_datagram_still_gets_a_fresh_handler()
    {
        var server = await ServeAsync(ServerOptions.Udp(), Props.Create<FreshEchoHandler>());
        using var client = DatagramClient.Udp(server.Port);
        var first = Fields(await client.RoundTripAsync("one"));
        var second = Fields(await client.RoundTripAsync("two"));
        Assert.NotEqual(first[0], second[0]);
        Assert.Equal((first[0], second[0]), (first[3], second[3])); // the actor is the request's
    }

    [Theory]
    [InlineData(ServerMode.Sync)]
    [InlineData(ServerMode.Threading)]
    public async Task A_kept_handler_that_throws_is_reported_and_replaced(ServerMode mode)
    {
        var hooks = new RecordingHooks();
        var server = await ServeAsync(ServerOptions.Udp(mode: mode), Props.Create<KeptEchoHandler>(), hooks);
        using var client = DatagramClient.Udp(server.Port);

        var before = Fields(await client.RoundTripAsync("before"));
        await client.SendAsync("boom");
        await Eventually.Until(() => { lock (hooks.Errors) return hooks.Errors.Count == 1; }, Deadline, "handle_error for the throwing handler");
        Assert.Equal(("boom", client.Address), (hooks.Errors[0].Error.Message, hooks.Errors[0].Request.ClientAddress));
        var after = Fields(await client.RoundTripAsync("after"));

        Assert.NotEqual(before[0], after[0]); // a fresh handler took the failed one's place
        Assert.Equal(("after", client.Address), (after[1], after[2]));
        Assert.Equal(0, client.Socket.Available); // the failed request sent nothing
        await server.StatsWhenAsync(s => s.HandlerFailures == 1 && s.ActiveConnections == 0, "the failure counted, nothing in flight");
    }

    [Fact]
    public async Task Datagrams_queued_behind_a_failing_request_are_served_by_the_replacement()
    {
        var hooks = new RecordingHooks();
        var server = await ServeAsync(ServerOptions.Udp(mode: ServerMode.Threading), Props.Create<KeptEchoHandler>(), hooks);
        using var client = DatagramClient.Udp(server.Port);
        KeptEchoHandler.Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Every handler is kept busy by a waiting request, so "boom" and the ones after it queue.
        var waiting = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Track(DatagramClient.Udp(server.Port))).ToList();
        foreach (var w in waiting) await w.SendAsync("wait");
        await server.StatsWhenAsync(s => s.Accepted == waiting.Count, "the waiting requests taken");
        await client.SendAsync("boom");
        for (int i = 0; i < 5; i++) await client.SendAsync($"n{i}");
        await server.StatsWhenAsync(s => s.Accepted == waiting.Count + 6, "the queued requests taken");
        KeptEchoHandler.Gate.SetResult();

        var replies = new List<string>();
        for (int i = 0; i < 5; i++) replies.Add(Fields(await client.ReceiveAsync())[1]);
        Assert.Equal(["n0", "n1", "n2", "n3", "n4"], replies.Order());
        foreach (var w in waiting) Assert.Equal("wait", Fields(await w.ReceiveAsync())[1]);
        await server.StatsWhenAsync(s => s.HandlerFailures == 1 && s.ActiveConnections == 0, "one failure, nothing in flight");
        Assert.Single(hooks.Errors);
    }

    [Fact]
    public async Task A_kept_handler_past_the_request_deadline_is_stopped_and_replaced()
    {
        var options = ServerOptions.Udp(mode: ServerMode.Sync) with { RequestDeadline = TimeSpan.FromMilliseconds(200) };
        var server = await ServeAsync(options, Props.Create<KeptEchoHandler>());
        using var client = DatagramClient.Udp(server.Port);
        KeptEchoHandler.Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        var before = Fields(await client.RoundTripAsync("before"));
        await client.SendAsync("wait"); // never answered: the gate stays shut
        await server.StatsWhenAsync(s => s.RequestDeadlines == 1 && s.ActiveConnections == 0, "the deadline to end the request");
        var after = Fields(await client.RoundTripAsync("after"));

        Assert.NotEqual(before[0], after[0]);
        Assert.Equal("after", after[1]);
        KeptEchoHandler.Gate.SetResult();
    }

    /// <summary>Answers "actor|datagram|client|request name"; throws on "boom"; waits on "wait"
    /// until <see cref="Gate"/> opens. Declares it keeps no state, so the server reuses it.</summary>
    [ReusableHandler]
    public sealed class KeptEchoHandler : DatagramRequestHandler
    {
        public static TaskCompletionSource Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task HandleAsync()
        {
            if (Text == "boom") throw new InvalidOperationException("boom");
            if (Text == "wait") await Gate.Task;
            await WriteAsync($"{Self.Path.Name}|{Text}|{ClientAddress}|{Request.HandlerName}");
        }
    }

    /// <summary>The same answer without the attribute: one actor per datagram, the default.</summary>
    public sealed class FreshEchoHandler : DatagramRequestHandler
    {
        protected override Task HandleAsync() => WriteAsync($"{Self.Path.Name}|{Text}|{ClientAddress}|{Request.HandlerName}");
    }

    /// <summary>Kept, with an asynchronous Finish: Handle writes "h:DATA" (and then throws on
    /// "boom"), Finish yields and appends "|f", so the reply shows that Finish ran after Handle.</summary>
    [ReusableHandler]
    public sealed class KeptFinishingHandler : DatagramRequestHandler
    {
        protected override async Task HandleAsync()
        {
            await WriteAsync("h:" + Text);
            if (Text == "boom") throw new InvalidOperationException("boom");
        }

        protected override async Task FinishAsync()
        {
            await Task.Yield();
            await WriteAsync("|f");
        }
    }
}
