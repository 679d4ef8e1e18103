using System.Diagnostics;
using System.Text;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Handlers;

public sealed class RequestAbortedTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private async Task<(SocketServer Server, TestClient Client)> WaitingRequestAsync(ServerOptions? options = null, ServerHooks? hooks = null)
    {
        var server = await ServeAsync(options ?? ServerOptions.Tcp(), Props.Create(() => new AbortWatchingHandler(TestActor)), hooks);
        var client = Track(await TestClient.ConnectAsync(server.Port));
        await client.SendAsync("go\n");
        await ExpectMsgAsync("waiting", Deadline);
        return (server, client);
    }

    [Fact]
    public async Task It_fires_when_the_client_closes_its_side_while_the_handler_is_not_reading()
    {
        var hooks = new CountingHooks();
        var (_, client) = await WaitingRequestAsync(hooks: hooks);
        client.HalfClose();
        await ExpectMsgAsync("aborted", Deadline);
        // The handler ended with the token's OperationCanceledException: reported as a lost connection (debug, not a warning).
        await Eventually.Until(() => hooks.ErrorCount == 1, Deadline, "HandleError");
        Assert.IsType<ConnectionLostException>(hooks.Errors[0].Error);
    }

    [Fact]
    public async Task It_fires_when_the_client_resets()
    {
        var (_, client) = await WaitingRequestAsync();
        client.Abort();
        await ExpectMsgAsync("aborted", Deadline);
    }

    [Fact]
    public async Task It_fires_when_the_request_deadline_passes()
    {
        await WaitingRequestAsync(ServerOptions.Tcp() with { RequestDeadline = TimeSpan.FromSeconds(1) });
        await ExpectMsgAsync("aborted", Deadline);
    }

    [Fact]
    public async Task It_fires_when_the_drain_grace_period_runs_out_not_when_the_drain_starts()
    {
        // Measured, not a quiet window: the token fires no sooner than the drain timeout after the
        // close began (a clock started before the close was asked for can only read more).
        var drain = TimeSpan.FromSeconds(2);
        var (server, _) = await WaitingRequestAsync(ServerOptions.Tcp() with { BlockOnClose = true, DrainTimeout = drain });
        var sinceClose = Stopwatch.StartNew();
        var closing = server.CloseAsync();
        await ExpectMsgAsync("aborted", Deadline);
        Assert.True(sinceClose.Elapsed >= drain - TimeSpan.FromMilliseconds(50), $"aborted {sinceClose.Elapsed} after the close began, before the {drain} drain ran out");
        await closing.Within(Deadline, "close");
    }

    [Fact]
    public async Task It_fires_when_the_server_cuts_the_request()
    {
        var (server, _) = await WaitingRequestAsync(ServerOptions.Tcp() with { BlockOnClose = true, DrainTimeout = TimeSpan.FromMinutes(1) });
        var closing = server.CloseAsync();
        await Eventually.Until(() => server.CutRequestsAsync().Result == 1, Deadline, "the request cut");
        await ExpectMsgAsync("aborted", Deadline);
        await closing.Within(Deadline, "close");
    }

    [Fact]
    public async Task A_read_whose_token_fires_throws_and_the_next_read_is_served()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new CancelledReadHandler(TestActor)));
        using var client = await TestClient.ConnectAsync(server.Port);
        await ExpectMsgAsync("read cancelled", Deadline);
        await client.SendAsync("hello\n");
        Assert.Equal("then hello\n", await client.ReadLineAsync());
    }

    [Fact]
    public async Task The_lending_read_echoes_every_byte_however_it_arrives()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<MemoryEchoHandler>());
        using var client = await TestClient.ConnectAsync(server.Port);
        var sent = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray();
        for (int at = 0; at < sent.Length; at += 30_000) await client.SendAsync(sent[at..Math.Min(sent.Length, at + 30_000)]);
        client.HalfClose();
        Assert.Equal(sent, await client.ReadToEndBytesAsync());
    }

    /// <summary>Reads a line, tells the probe "waiting", then waits on <c>RequestAborted</c> (work that
    /// never ends by itself); the token's callback tells the probe "aborted".</summary>
    public sealed class AbortWatchingHandler(IActorRef probe) : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            await ReadLineAsync();
            RequestAborted.Register(() => probe.Tell("aborted"));
            probe.Tell("waiting");
            await Task.Delay(Timeout.Infinite, RequestAborted);
        }
    }

    /// <summary>A read with a token that fires, then a plain read: the connection still serves it.</summary>
    public sealed class CancelledReadHandler(IActorRef probe) : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await ReadLineAsync(soon.Token);
            }
            catch (OperationCanceledException e) when (e.CancellationToken == soon.Token)
            {
                probe.Tell("read cancelled");
            }
            await WriteAsync($"then {await ReadLineAsync()}\n");
        }
    }

    /// <summary>Echoes with the lending read until end of stream.</summary>
    public sealed class MemoryEchoHandler : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            while (await ReceiveMemoryAsync() is { Length: > 0 } data) await WriteAsync(data);
        }
    }
}
