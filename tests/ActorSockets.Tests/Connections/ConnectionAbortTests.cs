using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Connections;

/// <summary><see cref="Abort"/>: an actor other than the handler closes a connection.</summary>
public class ConnectionAbortTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task Abort_closes_the_connection_stops_its_handler_and_leaves_the_server_serving()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new ConnectionReportingHandler(TestActor)));
        using var client = await TestClient.ConnectAsync(server.Port);
        var connection = ExpectMsg<IActorRef>();
        var handler = ExpectMsg<IActorRef>();
        await client.SendAsync("hello\n");
        Assert.Equal("hello\n", await client.ReadLineAsync());
        Watch(connection);
        Watch(handler);

        connection.Tell(new Abort("test says so"));

        Assert.True(await client.IsClosedByServerAsync(), "the client sees the connection end");
        // Both stop (the handler while waiting for its next line); the order of the two notices is not the point.
        var stopped = (await ReceiveNAsync(2, Deadline).ToListAsync()).Cast<Terminated>().Select(t => t.ActorRef).ToHashSet();
        Assert.Equal(new HashSet<IActorRef> { handler, connection }, stopped);
        using var next = await TestClient.ConnectAsync(server.Port);
        ExpectMsg<IActorRef>();
        ExpectMsg<IActorRef>();
        await next.SendAsync("still here\n");
        Assert.Equal("still here\n", await next.ReadLineAsync());
    }

    /// <summary>Tells the probe its connection and itself, then echoes lines until end of stream.</summary>
    private sealed class ConnectionReportingHandler(IActorRef probe) : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            probe.Tell(Connection);
            probe.Tell(Self);
            while (await ReadLineBytesAsync() is { Length: > 0 } line) await WriteAsync(line);
        }
    }
}
