using System.Text;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>Issue item 4: bad input and client faults give a clear error or a clean close, never
/// a crash, a hang or a leaked connection; Setup and Finish failures are supervised as Handle's.</summary>
public class BadInputTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task Random_bytes_are_served_like_any_bytes()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>());
        var random = new Random(4711);
        const int clients = 32;
        int echoedExactly = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            var data = new byte[4096];
            lock (random) random.NextBytes(data);
            using var client = await TestClient.ConnectAsync(server.Port);
            await client.SendAsync(data);
            client.HalfClose();
            var (echo, reset) = await client.ReadUntilClosedAsync();
            if (!reset && echo.AsSpan().SequenceEqual(data)) Interlocked.Increment(ref echoedExactly);
        }));
        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 0, "every connection to end");
        Output.WriteLine($"{echoedExactly}/{clients} clients of random bytes got them back exactly, then a clean close; {stats}");
        Assert.Equal(clients, echoedExactly);
        Assert.Equal(0, stats.HandlerFailures);
    }

    [Fact]
    public async Task A_ten_MiB_line_fails_the_read_with_a_clear_error_and_the_client_sees_the_close()
    {
        var hooks = new CountingHooks();
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new TextLineHandler(TestActor)), hooks);
        using var client = await TestClient.ConnectAsync(server.Port);
        var sending = client.SendAsync(new byte[10 * 1024 * 1024]);
        var (data, reset) = await client.ReadUntilClosedAsync();
        await sending.ContinueWith(_ => { }); // it fails once the server has closed: expected
        Assert.IsType<LineTooLongException>(await ExpectMsgAsync<Exception>());
        await Eventually.Until(() => hooks.ErrorCount == 1, Deadline, "HandleError");
        Assert.Contains(client.Socket.LocalEndPoint!.ToString()!, hooks.Errors[0].Request.ClientAddress);
        Output.WriteLine($"10 MiB line: the client got {data.Length} bytes and {(reset ? "a reset" : "end of stream")}; HandleError: {hooks.Errors[0].Error.Message}");
        Assert.Empty(data);
        Assert.Equal("10\n", await TestClient.RequestLineAsync(server.Port, "still fine"));
    }

    [Fact]
    public async Task Invalid_UTF8_to_a_text_handler_fails_its_read_with_an_error_naming_the_client()
    {
        var hooks = new CountingHooks();
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new TextLineHandler(TestActor)), hooks);
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync([(byte)'c', (byte)'a', (byte)'f', 0xC3, 0x28, (byte)'\n']); // 0xC3 0x28: a broken two-byte sequence

        var error = await ExpectMsgAsync<InvalidDataException>();
        Assert.Contains(client.Socket.LocalEndPoint!.ToString()!, error.Message);
        Assert.Contains("not valid UTF-8", error.Message);
        var (data, reset) = await client.ReadUntilClosedAsync();
        Assert.False(reset, "a clean close");
        Assert.Empty(data);
        await Eventually.Until(() => hooks.ErrorCount == 1, Deadline, "HandleError");
        Assert.Equal("4\n", await TestClient.RequestLineAsync(server.Port, "café")); // valid UTF-8 is fine
    }

    [Fact]
    public async Task A_client_that_resets_mid_request_ends_only_its_own_request()
    {
        var hooks = new CountingHooks();
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>(), hooks);
        using var survivor = await TestClient.ConnectAsync(server.Port);
        await survivor.SendAsync("before\n");
        Assert.Equal("before\n", await survivor.ReadLineAsync());

        var victim = await TestClient.ConnectAsync(server.Port);
        await victim.SendAsync("half a li");
        await server.StatsWhenAsync(s => s.ActiveConnections == 2, "the victim to be served");
        victim.Abort();

        await Eventually.Until(() => hooks.ErrorCount == 1, Deadline, "HandleError for the reset");
        Assert.IsType<ConnectionLostException>(hooks.Errors[0].Error);
        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 1, "the reset connection to end");
        await survivor.SendAsync("after\n");
        Assert.Equal("after\n", await survivor.ReadLineAsync());
        Output.WriteLine($"reset mid-request: {hooks.Errors[0].Error.Message}; {stats}");
    }

    [Fact]
    public async Task Client_resets_are_not_logged_as_warnings_but_handler_bugs_are()
    {
        var hooks = new RecordingHooks(); // calls the default HandleError, which logs
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>(), hooks);
        await EventFilter.Warning(contains: "failed").ExpectAsync(0, async () =>
        {
            for (int i = 0; i < 5; i++)
            {
                var client = await TestClient.ConnectAsync(server.Port);
                await client.SendAsync("half");
                await server.StatsWhenAsync(s => s.ActiveConnections == 1, "the client to be served");
                client.Abort();
                await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the reset connection to end");
            }
        });
        Assert.Equal(5, hooks.Errors.Count); // still reported to HandleError, each one
        await EventFilter.Warning(contains: "failed: boom").ExpectOneAsync(async () =>
        {
            using var client = await TestClient.ConnectAsync(server.Port);
            await client.SendAsync("boom\n");
            Assert.True(await client.IsClosedByServerAsync());
        });
    }

    [Fact]
    public async Task A_client_that_resets_while_the_server_writes_ends_only_its_own_request()
    {
        var progress = new SharedCounter();
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new FloodHandler(TestActor, progress, 1L << 30)));
        var victim = await TestClient.ConnectAsync(server.Port);
        await Eventually.Until(() => Interlocked.Read(ref progress.Value) > 0, Deadline, "the handler to write");
        victim.Abort();
        Assert.IsType<ConnectionLostException>(await ExpectMsgAsync<Exception>(Deadline));
        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the reset connection to end");
        Output.WriteLine($"reset while being written to after {Measurements.MiB(progress.Value)}: the handler's write failed; {stats}");
        using var next = await TestClient.ConnectAsync(server.Port); // the server goes on writing to others
        using var cts = new CancellationTokenSource(Deadline);
        Assert.True(await next.Socket.ReceiveAsync(new byte[1024], System.Net.Sockets.SocketFlags.None, cts.Token) > 0);
    }

    [Theory]
    [InlineData("whole line\n", "whole line\n")]
    [InlineData("no newline", "no newline")] // the tail at end of stream is a last line
    public async Task A_half_closed_client_gets_its_answer_then_a_clean_close(string sent, string expected)
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>());
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync(sent);
        client.HalfClose();
        var (data, reset) = await client.ReadUntilClosedAsync();
        Assert.Equal((expected, false), (Encoding.UTF8.GetString(data), reset));
    }

    [Fact]
    public async Task A_client_that_connects_and_leaves_without_a_byte_ends_its_request_quietly()
    {
        var hooks = new CountingHooks();
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>(), hooks);
        for (int i = 0; i < 20; i++)
        {
            using var client = await TestClient.ConnectAsync(server.Port);
        }
        var stats = await server.StatsWhenAsync(s => s.Accepted == 20 && s.ActiveConnections == 0, "every silent connection to end");
        Assert.Equal((0, 0L), (hooks.ErrorCount, stats.HandlerFailures)); // end of stream is not an error
        Assert.Equal("echo\n", await TestClient.RequestLineAsync(server.Port, "echo"));
    }

    [Theory]
    [InlineData("setup")]
    [InlineData("finish")]
    public async Task A_handler_failing_in_Setup_or_Finish_is_supervised_like_one_failing_in_Handle(string where)
    {
        var hooks = new CountingHooks();
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new PhaseThrowingHandler(TestActor, where)), hooks);
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("hello\n");
        var (data, reset) = await client.ReadUntilClosedAsync();

        await Eventually.Until(() => hooks.ErrorCount == 1, Deadline, "HandleError");
        var (request, error) = hooks.Errors.Single();
        Assert.Equal($"{where} failed on purpose", error.Message);
        Assert.Equal(client.Socket.LocalEndPoint!.ToString(), request.ClientAddress);
        Assert.False(reset);
        // Setup failing: Handle never runs. Finish failing: Handle ran and its answer went out first.
        Assert.Equal(where == "setup" ? "" : "hello\n", Encoding.UTF8.GetString(data));
        if (where == "finish")
        {
            await ExpectMsgAsync("handle");
            await ExpectMsgAsync("finish");
        }
        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the connection to end");
        await ExpectNoMsgAsync(TimeSpan.Zero); // the connection has ended: its handler can send nothing more
        Assert.Equal(1, stats.HandlerFailures);
    }
}
