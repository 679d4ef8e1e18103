using ActorSockets.Connections;
using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Forking;

/// <summary>
/// Stands in for a handler that runs in a worker, as the connection's child: the connection
/// treats it exactly like a local handler. On Setup it takes the bytes the client has sent so
/// far from the connection (a datagram comes in Setup itself) and asks the pool to route the
/// request with them. A failure
/// reported by the worker, or the worker going away, makes the proxy throw, so the connection's
/// own supervisor reports it (<c>HandleError</c>) and closes the connection, just as in
/// threading mode. Reads and writes do not pass through here: the handler's stand-in for the
/// connection in the worker (<see cref="WorkerConnection"/>) talks to the connection directly.
/// </summary>
internal sealed class HandlerProxy(IActorRef pool, int maxLineLength) : UntypedActor
{
    private static readonly ReadAhead NothingAhead = new([], Ended: true);

    private Setup? _setup;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Setup { Datagram: not null } setup: // the datagram travels in Setup itself: nothing to read ahead
                pool.Tell(new RouteRequest(setup, Self, NothingAhead, maxLineLength));
                break;
            case Setup setup:
                _setup = setup;
                setup.Connection.Tell(TakeReadAhead.Instance);
                break;
            case ReadAhead input when _setup is not null:
                pool.Tell(new RouteRequest(_setup, Self, input, maxLineLength));
                break;
            case Handle or Finish:
                break; // the worker delivers them itself, in order
            case HandlerFailed failed:
                throw new RemoteHandlerException(failed);
            case WorkerLost lost:
                throw new WorkerLostException(lost.Reason);
            case NoWorkerAvailable none:
                throw new WorkerLostException($"no worker became available within {none.Waited}");
            default:
                Unhandled(message);
                break;
        }
    }
}

/// <summary>Forking mode's launcher: every handler is a <see cref="HandlerProxy"/> for a worker.</summary>
internal sealed class ForkingHandlerLauncher(IActorRef pool, int maxLineLength) : HandlerLauncher
{
    public override IActorRef Launch(IActorContext connection, RequestInfo request)
        => connection.ActorOf(Props.Create(typeof(HandlerProxy), pool, maxLineLength), request.HandlerName);
}
