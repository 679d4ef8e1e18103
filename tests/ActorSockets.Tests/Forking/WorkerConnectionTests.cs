using System.Text;
using ActorSockets.Connections;
using ActorSockets.Forking;
using ActorSockets.Handlers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>
/// The worker side of a request, in process: the listener's connection is a test probe here, so
/// every message that would cross between the processes is seen.
/// </summary>
public class WorkerConnectionTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task A_connection_that_ends_first_stops_the_handler_in_the_worker()
    {
        var connection = CreateTestProbe();
        var proxy = CreateTestProbe();
        var never = new TaskCompletionSource();
        var stopped = new TaskCompletionSource();
        var host = Sys.ActorOf(Props.Create(() => new WorkerHost(Props.Create(() => new BusyHandler(never.Task, stopped)))));
        host.Tell(Start(connection, proxy, ""), proxy.Ref);

        // Busy, not reading, when the connection goes: it would never hear of it through a read.
        host.Tell(EndRequest.Instance, proxy.Ref); // sent by the listener as the request's proxy
        await stopped.Task.WaitAsync(Deadline);
        // Nothing is sent to a connection that is gone. A send would follow the handler's stop on
        // another actor's run, with nothing to wait for after it, so this is a window.
        connection.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Reads_the_bytes_that_came_with_the_request_can_answer_do_not_cross_to_the_listener()
    {
        var connection = CreateTestProbe();
        var proxy = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new WorkerConnection(Start(connection, proxy, "hello\nworld\n"), Props.Create<UpperLines>())));

        var (written, steps) = CollectUntilDone(connection);
        Assert.Equal("HELLO\nWORLD\n", written);
        Assert.DoesNotContain(ExchangeThen.Read, steps);
    }

    [Fact]
    public void A_read_the_bytes_here_cannot_answer_fetches_more_and_the_line_spans_both()
    {
        var connection = CreateTestProbe();
        var proxy = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new WorkerConnection(Start(connection, proxy, "hel", ended: false), Props.Create<UpperLines>())));

        var fetch = ExpectExchange(connection);
        Assert.Equal(ExchangeThen.Read, fetch.Then);
        connection.Reply(new ReadResult("lo\nwor"u8.ToArray()));
        // The first line is answered; the second needs more again, and its fetch carries the write.
        var writes = new StringBuilder();
        while (true)
        {
            var next = ExpectExchange(connection);
            writes.Append(Encoding.UTF8.GetString(next.Writes));
            if (next.Then == ExchangeThen.Read) break;
        }
        Assert.Equal("HELLO\n", writes.ToString());
        connection.Reply(new ReadResult("ld\n"u8.ToArray()));
        Assert.Equal(ExchangeThen.Read, FetchAfter(connection, writes));
        connection.Reply(new ReadResult([])); // end of stream
        var (rest, _) = CollectUntilDone(connection);
        Assert.Equal("HELLO\nWORLD\n", writes + rest);
    }

    private static StartHandler Start(TestProbe connection, TestProbe proxy, string input, bool ended = true)
    {
        var info = new RequestInfo("127.0.0.1:1", "127.0.0.1:2", "handler-1", ActorRefs.Nobody);
        return new StartHandler(new Setup(info, connection.Ref, 64 * 1024), proxy.Ref, Encoding.UTF8.GetBytes(input), ended, 1024);
    }

    private static Exchange ExpectExchange(TestProbe connection) => connection.ExpectMsg<Exchange>(Deadline);

    private static ExchangeThen FetchAfter(TestProbe connection, StringBuilder writes)
    {
        while (true)
        {
            var next = ExpectExchange(connection);
            writes.Append(Encoding.UTF8.GetString(next.Writes));
            if (next.Then != ExchangeThen.Nothing) return next.Then;
        }
    }

    private static (string Written, List<ExchangeThen> Steps) CollectUntilDone(TestProbe connection)
    {
        var written = new StringBuilder();
        var steps = new List<ExchangeThen>();
        while (steps.LastOrDefault() != ExchangeThen.Done)
        {
            var next = ExpectExchange(connection);
            written.Append(Encoding.UTF8.GetString(next.Writes));
            steps.Add(next.Then);
        }
        return (written.ToString(), steps);
    }

    private sealed class UpperLines : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            while (await ReadLineAsync() is { } line) await WriteAsync(line.ToUpperInvariant() + "\n");
        }
    }

    private sealed class BusyHandler(Task busy, TaskCompletionSource stopped) : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            await busy;
            await ReadLineAsync();
        }

        protected override void OnStopped() => stopped.TrySetResult();
    }
}
