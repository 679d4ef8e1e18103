using System.Net;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Event;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Handlers;

public class HandlerLifecycleTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task Setup_handle_finish_arrive_in_order_and_the_reply_is_written()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new RecordingHandler(TestActor, false)));
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("hello world\n");

        Assert.StartsWith("setup 127.0.0.1:", ExpectMsg<string>());
        ExpectMsg("handle");
        ExpectMsg("finish");
        Assert.Equal("hello world\n", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync(), "the connection closes after Finish");
    }

    [Fact]
    public async Task Finish_runs_after_a_throwing_handle_and_handle_error_gets_the_client()
    {
        var hooks = new RecordingHooks();
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new RecordingHandler(TestActor, true)), hooks);
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("hello\n");

        ExpectMsg<string>(s => s.StartsWith("setup"));
        ExpectMsg("handle");
        ExpectMsg("finish");
        Assert.True(await client.IsClosedByServerAsync(), "a failed request's connection is closed");
        await Eventually.Until(() => hooks.Errors.Count == 1, Deadline, "HandleError called");
        var (request, error) = hooks.Errors.Single();
        Assert.Equal(client.Socket.LocalEndPoint!.ToString(), request.ClientAddress);
        Assert.Equal("handler failed on purpose", error.Message);
    }

    [Fact]
    public async Task A_throwing_handler_leaves_the_server_and_a_concurrent_connection_unharmed()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>());
        using var survivor = await TestClient.ConnectAsync(server.Port);
        await survivor.SendAsync("before\n");
        Assert.Equal("before\n", await survivor.ReadLineAsync());

        using (var victim = await TestClient.ConnectAsync(server.Port))
        {
            await victim.SendAsync("boom\n");
            Assert.True(await victim.IsClosedByServerAsync());
        }

        await survivor.SendAsync("after\n");
        Assert.Equal("after\n", await survivor.ReadLineAsync());
        using var newcomer = await TestClient.ConnectAsync(server.Port);
        await newcomer.SendAsync("new\n");
        Assert.Equal("new\n", await newcomer.ReadLineAsync());
    }

    [Fact]
    public async Task A_line_over_the_limit_fails_the_read_with_a_clear_error()
    {
        var options = ServerOptions.Tcp() with { MaxLineLength = 16 };
        var server = await ServeAsync(options, Props.Create(() => new ReadErrorHandler(TestActor)));
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync(new string('x', 100) + "\n");

        var error = ExpectMsg<LineTooLongException>();
        Assert.Contains("16", error.Message);
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task A_read_timeout_fails_the_read_and_closes_only_that_connection()
    {
        var options = ServerOptions.Tcp() with { ReadTimeout = TimeSpan.FromMilliseconds(200) };
        var server = await ServeAsync(options, Props.Create(() => new ReadErrorHandler(TestActor)));
        using var silent = await TestClient.ConnectAsync(server.Port);

        ExpectMsg<ReadTimeoutException>();
        Assert.True(await silent.IsClosedByServerAsync());
    }

    [Fact]
    public async Task End_of_stream_is_visible_to_the_handler()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>());
        using var client = await TestClient.ConnectAsync(server.Port);
        for (int i = 0; i < 3; i++)
        {
            await client.SendAsync("hello world\n");
            Assert.Equal("hello world\n", await client.ReadLineAsync());
        }
        client.HalfClose();
        Assert.True(await client.IsClosedByServerAsync(), "the handler saw EOF, returned, and the server closed");
    }

    [Fact]
    public async Task A_handle_that_ends_off_the_actor_still_completes_the_request()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<EndsOffActorHandler>());
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("hello\n");

        Assert.Equal("hello\n", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync(), "the request completes once Handle's task ends, wherever it ends");
    }

    /// <summary>Echoes one line, then ends its Handle on a timer thread: no message of its own follows.</summary>
    private sealed class EndsOffActorHandler : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            await WriteAsync(await ReadLineBytesAsync());
            await Task.Delay(50).ConfigureAwait(false);
        }
    }
}
