using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Servers;

public class ServerModeTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task Sync_mode_serves_the_second_client_only_after_the_first_finished()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = TestActor;
        Func<string, Task> gate = async line =>
        {
            if (line != "one") return;
            await release.Task;
            probe.Tell("one released");
        };
        var server = await ServeAsync(ServerOptions.Tcp(mode: ServerMode.Sync),
            Props.Create(() => new GatedHandler(TestActor, gate)));

        using var first = await TestClient.ConnectAsync(server.Port);
        await first.SendAsync("one\n");
        ExpectMsg("started one");

        using var second = await TestClient.ConnectAsync(server.Port); // completes from the backlog
        await second.SendAsync("two\n");

        // A sync server shows nothing while it holds the second client, so this is a window, but
        // a long one: a server serving both at once starts "two" within milliseconds.
        ExpectNoMsg(TimeSpan.FromSeconds(1));
        release.SetResult();
        // And order: the first request ends before the second starts.
        ExpectMsg("one released");
        Assert.Equal("done one\n", await first.ReadLineAsync());
        ExpectMsg("started two");
        Assert.Equal("done two\n", await second.ReadLineAsync());
    }

    [Fact]
    public async Task Threading_mode_runs_handlers_concurrently()
    {
        const int n = 8;
        var rendezvous = new Rendezvous(n); // opens only when all n handlers are active at once
        var server = await ServeAsync(ServerOptions.Tcp(mode: ServerMode.Threading),
            Props.Create(() => new GatedHandler(TestActor, rendezvous.Arrive)));

        var clients = new List<TestClient>();
        for (int i = 0; i < n; i++)
        {
            var client = Track(await TestClient.ConnectAsync(server.Port));
            await client.SendAsync($"c{i}\n");
            clients.Add(client);
        }
        var replies = await Task.WhenAll(clients.Select(c => c.ReadLineAsync()));
        Assert.Equal(Enumerable.Range(0, n).Select(i => $"done c{i}\n"), replies);
    }

    [Fact]
    public async Task Sync_mode_in_the_same_handler_code_gives_the_same_answers()
    {
        var server = await ServeAsync(ServerOptions.Tcp(mode: ServerMode.Sync), Props.Create<LineEchoHandler>());
        for (int i = 0; i < 3; i++)
        {
            using var client = await TestClient.ConnectAsync(server.Port);
            await client.SendAsync($"line {i}\n");
            Assert.Equal($"line {i}\n", await client.ReadLineAsync());
        }
    }
}
