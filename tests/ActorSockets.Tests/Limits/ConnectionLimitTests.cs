using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>Issue item 1: max_connections, runtime changes, suspend/resume.</summary>
public class ConnectionLimitTests(ITestOutputHelper output) : ServerTestKit(output)
{
    // "Not served while held back" has no positive signal (nothing happens), so it is a window:
    // a long one, as a server that does serve would do so within milliseconds.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task At_max_connections_clients_wait_in_the_backlog_and_are_served_as_connections_close()
    {
        var server = await ServeAsync(ServerOptions.Tcp() with { MaxConnections = 2 }, Props.Create(() => new StartedEchoHandler(TestActor)));
        var clients = new List<TestClient>();
        for (int i = 0; i < 6; i++)
        {
            var client = Track(await TestClient.ConnectAsync(server.Port)); // all six connect: the kernel's backlog holds them
            await client.SendAsync($"c{i}\n");
            clients.Add(client);
        }
        await ExpectMsgAsync("started");
        await ExpectMsgAsync("started");
        await ExpectNoMsgAsync(Quiet);
        var atLimit = await server.GetStatsAsync();
        // Not accepted at all (Received counts accept() calls): nothing was accepted and dropped.
        Assert.Equal((2, 2L, 2L, 2), (atLimit.ActiveConnections, atLimit.Received, atLimit.Accepted, atLimit.MaxConnections));
        Assert.Equal("c0\n", await clients[0].ReadLineAsync());
        Assert.Equal("c1\n", await clients[1].ReadLineAsync());

        clients[0].HalfClose();
        Assert.True(await clients[0].IsClosedByServerAsync());
        await ExpectMsgAsync("started");
        Assert.Equal("c2\n", await clients[2].ReadLineAsync());
        Assert.Equal(3, (await server.GetStatsAsync()).Accepted);

        var raised = await server.SetMaxConnectionsAsync(10); // at runtime: the three waiting are served at once
        Assert.Equal(10, raised.MaxConnections);
        for (int i = 3; i < 6; i++)
        {
            await ExpectMsgAsync("started");
            Assert.Equal($"c{i}\n", await clients[i].ReadLineAsync());
        }

        var lowered = await server.SetMaxConnectionsAsync(1); // lowering closes nothing...
        Assert.Equal(5, lowered.ActiveConnections);
        await clients[1].SendAsync("still served\n");
        Assert.Equal("still served\n", await clients[1].ReadLineAsync());
        using var late = await TestClient.ConnectAsync(server.Port); // ...but accepts no one until under it
        await late.SendAsync("late\n");
        foreach (var client in clients.Skip(1)) client.HalfClose();
        await ExpectMsgAsync("started", Deadline);
        Assert.Equal("late\n", await late.ReadLineAsync());

        var end = await server.GetStatsAsync();
        Output.WriteLine($"served {end.Accepted} connections, {end.Refused} refused, at most 2 at once until raised; {end}");
        Assert.Equal((7L, 7L, 0L), (end.Received, end.Accepted, end.Refused));
    }

    [Fact]
    public async Task Suspending_keeps_existing_connections_working_while_new_clients_wait_until_resumed()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new StartedEchoHandler(TestActor)));
        using var existing = await TestClient.ConnectAsync(server.Port);
        await existing.SendAsync("before\n");
        Assert.Equal("before\n", await existing.ReadLineAsync());
        await ExpectMsgAsync("started");

        Assert.True((await server.SuspendAcceptingAsync()).Suspended);
        using var waiting = await TestClient.ConnectAsync(server.Port); // completes from the backlog
        await waiting.SendAsync("let me in\n");
        var answer = waiting.ReadLineAsync(TimeSpan.FromSeconds(30));
        for (int i = 0; i < 3; i++)
        {
            await existing.SendAsync($"during {i}\n");
            Assert.Equal($"during {i}\n", await existing.ReadLineAsync());
        }
        Assert.False(await Task.WhenAny(answer, Task.Delay(Quiet)) == answer, "a client is not served while accepting is suspended");
        await ExpectNoMsgAsync(TimeSpan.Zero);
        var suspended = await server.GetStatsAsync();
        Assert.Equal((1L, 1, true), (suspended.Accepted, suspended.ActiveConnections, suspended.Suspended));

        Assert.False((await server.ResumeAcceptingAsync()).Suspended);
        await ExpectMsgAsync("started");
        Assert.Equal("let me in\n", await answer);
        await existing.SendAsync("after\n");
        Assert.Equal("after\n", await existing.ReadLineAsync());
        Assert.Equal(2, (await server.GetStatsAsync()).Accepted);
    }

    [Fact]
    public async Task A_suspended_datagram_server_keeps_datagrams_in_the_socket_until_resumed()
    {
        var server = await ServeAsync(ServerOptions.Udp(), Props.Create<EchoOrBoomDatagramHandler>());
        using var client = DatagramClient.Udp(server.Port);
        Assert.Equal("one", await client.RoundTripAsync("one"));

        await server.SuspendAcceptingAsync();
        await client.SendAsync("two");
        var reply = client.ReceiveAsync(TimeSpan.FromSeconds(30));
        Assert.False(await Task.WhenAny(reply, Task.Delay(Quiet)) == reply, "no datagram is taken while suspended");
        await server.ResumeAcceptingAsync();
        Assert.Equal("two", await reply);
        Assert.Equal(2, (await server.GetStatsAsync()).Accepted);
    }

    [Fact]
    public async Task A_limit_under_one_is_refused_naming_the_setting()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>());
        var error = await Assert.ThrowsAsync<ArgumentException>(() => server.SetMaxConnectionsAsync(0));
        Assert.Contains("MaxConnections", error.Message);
        Assert.Throws<ArgumentException>(() => (ServerOptions.Tcp() with { MaxConnections = 0 }).Validate());
        Assert.Null((await server.SetMaxConnectionsAsync(null)).MaxConnections);
    }

    [Theory]
    [InlineData(ServerMode.Threading, null, 0, int.MaxValue)]
    [InlineData(ServerMode.Threading, 3, 0, 3)]
    [InlineData(ServerMode.Sync, 5, 0, 1)]        // sync mode serves one at a time whatever the limit
    [InlineData(ServerMode.Forking, null, 4, 4)]  // max_children alone
    [InlineData(ServerMode.Forking, 2, 4, 2)]     // the smaller limit wins
    [InlineData(ServerMode.Forking, 10, 4, 4)]
    public void The_effective_limit_is_the_smaller_of_MaxConnections_and_the_modes_own(
        ServerMode mode, int? maxConnections, int maxChildren, int expected)
    {
        var options = ServerOptions.Tcp(mode: mode) with { MaxConnections = maxConnections };
        if (maxChildren > 0) options = options with { Forking = options.Forking with { MaxChildren = maxChildren } };
        var gate = new AcceptGate(options);
        int limit = Enumerable.Range(0, 100).FirstOrDefault(n => !gate.Admits(n), int.MaxValue);
        Assert.Equal(expected, limit);
        gate.Apply(SuspendAccepting.Instance);
        Assert.False(gate.Admits(0));
    }
}
