using ActorSockets.Forking;
using ActorSockets.Handlers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>The worker side of a request, in process: its connection is an ordinary actor here.</summary>
public class WorkerRequestTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public void A_connection_that_ends_first_stops_the_handler_in_the_worker()
    {
        var connection = CreateTestProbe();
        var proxy = CreateTestProbe();
        var never = new TaskCompletionSource();
        var info = new RequestInfo("127.0.0.1:1", "127.0.0.1:2", "handler-1", ActorRefs.Nobody);
        var start = new StartHandler(new Setup(info, connection.Ref, 64 * 1024), proxy.Ref);
        // Busy, not reading, when the connection goes: it would never hear of it through a read.
        var request = Sys.ActorOf(Props.Create(() => new WorkerRequestActor(start, Props.Create(() => new BusyHandler(never.Task)))));
        Watch(request);
        proxy.ExpectMsg<HandlerStarted>();

        Sys.Stop(connection.Ref); // a timeout or drain deadline closed the connection in the listener
        ExpectTerminated(request);
    }

    private sealed class BusyHandler(Task busy) : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            await busy;
            await ReadLineAsync();
        }
    }
}
