using System.Net;
using System.Net.Sockets;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Servers;

public class ServerLifecycleTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task Port_zero_binds_a_real_port_that_is_exposed()
    {
        var server = await ServeAsync(ServerOptions.Tcp(port: 0), Props.Create<LineEchoHandler>());
        Assert.InRange(server.Port, 1, 65535);
        Assert.Equal(server.Port, ((IPEndPoint)server.ServerAddress!).Port);
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("x\n");
        Assert.Equal("x\n", await client.ReadLineAsync());
    }

    [Fact]
    public async Task A_users_actor_may_have_the_servers_name()
    {
        Sys.ActorOf(Props.Empty, "echo"); // e.g. the program's own store actor, named like the program
        await using var server = await SocketServer.StartAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>(), system: Sys, name: "echo");
        Assert.Equal(("echo", "actorsockets-listener-echo"), (server.Name, server.Listener.Path.Name));
    }

    [Fact]
    public async Task Without_bind_and_activate_nothing_listens_until_BindAsync()
    {
        await using var server = new SocketServer(ServerOptions.Tcp(), Props.Create<LineEchoHandler>(), system: Sys);
        Assert.Null(server.ServerAddress);
        var bound = (IPEndPoint)await server.BindAsync();
        Assert.NotEqual(0, bound.Port);
        _ = server.ServeForeverAsync();
        using var client = await TestClient.ConnectAsync(bound.Port);
        await client.SendAsync("bound\n");
        Assert.Equal("bound\n", await client.ReadLineAsync());
    }

    [Fact]
    public async Task Shutdown_from_inside_a_handler_returns_and_stops_serving()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<ShutdownHandler>(), serve: false);
        var serving = server.ServeForeverAsync();
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("stop please\n");

        Assert.Equal("shut down\n", await client.ReadLineAsync());
        await serving.Within(Deadline, "ServeForeverAsync to return after shutdown");
    }

    [Fact]
    public async Task The_port_can_be_bound_again_right_after_close()
    {
        var first = await SocketServer.StartAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>(), system: Sys);
        _ = first.ServeForeverAsync();
        int port = first.Port;
        using (var client = await TestClient.ConnectAsync(port))
        {
            await client.SendAsync("x\n");
            Assert.Equal("x\n", await client.ReadLineAsync());
        }
        await first.DisposeAsync();

        var second = await ServeAsync(ServerOptions.Tcp(port: port), Props.Create<LineEchoHandler>());
        Assert.Equal(port, second.Port);
        using var again = await TestClient.ConnectAsync(port);
        await again.SendAsync("again\n");
        Assert.Equal("again\n", await again.ReadLineAsync());
    }

    [Fact]
    public async Task Handle_request_times_out_and_calls_the_timeout_hook_then_serves_one()
    {
        var hooks = new RecordingHooks();
        var server = await ServeAsync(ServerOptions.Tcp(mode: ServerMode.Sync), Props.Create<LineEchoHandler>(), hooks, serve: false);

        Assert.Equal(RequestOutcome.TimedOut, await server.HandleRequestAsync(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(1, hooks.Timeouts);

        using var client = await TestClient.ConnectAsync(server.Port);
        var handled = server.HandleRequestAsync(TimeSpan.FromSeconds(10));
        await client.SendAsync("one\n");
        Assert.Equal("one\n", await client.ReadLineAsync());
        client.HalfClose();
        Assert.Equal(RequestOutcome.Served, await handled.Within(Deadline, "handle_request"));
        Assert.Equal(1, hooks.Timeouts);
    }

    [Fact]
    public async Task Service_actions_tick_while_serving()
    {
        var hooks = new RecordingHooks();
        var options = ServerOptions.Tcp() with { ServiceInterval = TimeSpan.FromMilliseconds(20) };
        await ServeAsync(options, Props.Create<LineEchoHandler>(), hooks);
        await Eventually.Until(() => hooks.Ticks >= 3, Deadline, "three service_actions ticks");
    }

    [Fact]
    public async Task Close_with_block_on_close_waits_for_the_request_in_flight()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new GatedHandler(TestActor, () => release.Task)));
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("slow\n");
        ExpectMsg("started slow");

        var closing = server.CloseAsync();
        await Eventually.Until(() => !TestClient.IsListening(server.Port), Deadline, "the port to be released while draining");
        Assert.False(closing.IsCompleted, "close waits for the request in flight");
        release.SetResult();
        Assert.Equal("done slow\n", await client.ReadLineAsync());
        await closing.Within(Deadline, "close after the drain");
    }

    [Fact]
    public async Task Await_using_closes_the_server()
    {
        int port;
        await using (var server = await SocketServer.StartAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>(), system: Sys))
        {
            _ = server.ServeForeverAsync();
            port = server.Port;
        }
        Assert.False(TestClient.IsListening(port));
    }

    [Fact]
    public async Task Binding_a_port_in_use_fails_with_a_message_naming_the_address()
    {
        using var occupier = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        occupier.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        occupier.Listen();
        int port = ((IPEndPoint)occupier.LocalEndPoint!).Port;

        var error = await Assert.ThrowsAsync<IOException>(() =>
            SocketServer.StartAsync(ServerOptions.Tcp(port: port) with { ReuseAddress = false }, Props.Create<LineEchoHandler>(), system: Sys));
        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    [Theory]
    [InlineData("Backlog")]
    [InlineData("MaxLineLength")]
    [InlineData("ReadTimeout")]
    public void Invalid_options_fail_with_the_setting_named(string setting)
    {
        var options = setting switch
        {
            "Backlog" => ServerOptions.Tcp() with { Backlog = 0 },
            "MaxLineLength" => ServerOptions.Tcp() with { MaxLineLength = -1 },
            _ => ServerOptions.Tcp() with { ReadTimeout = TimeSpan.Zero },
        };
        var error = Assert.Throws<ArgumentException>(() => new SocketServer(options, Props.Create<LineEchoHandler>(), system: Sys));
        Assert.Contains(setting, error.Message);
    }
}
