using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Forking;

/// <summary>
/// Stands in for a handler that runs in a worker, as the connection's child (or, for a datagram,
/// the listener's): the connection treats it exactly like a local handler, and the worker sees it
/// as the connection. It owns everything forking adds to a request, so the connection knows
/// nothing of workers:
/// <list type="bullet">
/// <item>on Setup it takes the bytes the client has sent so far (a datagram comes in Setup itself)
/// and asks the pool to route the request with them;</item>
/// <item>it relays the worker's <see cref="Exchange"/>s as the plain connection protocol: the
/// writes, then a read, a flush or the end; answers go straight back to the worker;</item>
/// <item>a failure reported by the worker, or the worker going away, makes it throw, so the
/// connection's own supervisor reports it (<c>HandleError</c>) and closes the connection, just as
/// in threading mode;</item>
/// <item>if it stops before the request is over (the connection closed: a timeout, a limit, the
/// drain deadline) it tells the worker to stop the handler.</item>
/// </list>
/// </summary>
internal sealed class HandlerProxy(IActorRef pool, int maxLineLength, IActorRef? preferred) : UntypedActor
{
    private static readonly ReadAhead NothingAhead = new([], Ended: true);

    private Setup? _setup;
    private IActorRef _connection = ActorRefs.Nobody;
    private IActorRef? _worker; // the worker host running the request, until it is over
    private bool _done;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Setup setup:
                _setup = setup with { Connection = Self }; // the worker's I/O comes through here
                _connection = setup.Connection;
                if (setup.Datagram is not null) Route(NothingAhead); // it travels in Setup itself
                else _connection.Tell(TakeReadAhead.Instance);
                break;
            case ReadAhead input when _setup is not null:
                Route(input);
                break;
            case Handle or Finish:
                break; // the worker delivers them itself, in order
            case RoutedTo routed:
                _worker = routed.Host;
                break;
            case Exchange exchange:
                Relay(exchange);
                break;
            case Write or IoFailed or Abort: // a datagram's empty write; a read failure to count; an abort to log
                _connection.Forward(message);
                break;
            case HandlerFailed failed:
                _done = true; // the worker stopped it already
                throw new RemoteHandlerException(failed);
            case WorkerLost lost:
                _done = true;
                throw new WorkerLostException(lost.Reason);
            case NoWorkerAvailable none:
                _done = true;
                throw new WorkerLostException($"no worker became available within {none.Waited}");
            case NoWorkerLives:
                _done = true; // a relayed request is closed at once, without the refuse-reply
                throw new WorkerLostException("no worker process lives: their restarts are backing off");
            default:
                Unhandled(message);
                break;
        }
    }

    private void Route(ReadAhead input) => pool.Tell(new RouteRequest(_setup!, Self, input, maxLineLength, preferred));

    /// <summary>One crossing from the worker becomes the connection's own protocol. The writes go
    /// first, from here; what follows is sent on the worker's behalf, so the answer goes straight
    /// back to it without passing through here.</summary>
    private void Relay(Exchange exchange)
    {
        if (exchange.Writes.Length > 0) _connection.Tell(new Write(exchange.Writes), Self);
        switch (exchange.Then)
        {
            case ExchangeThen.Read:
                _connection.Tell(ReadChunk.Instance, Sender);
                break;
            case ExchangeThen.Flush:
                _connection.Tell(Flush.Instance, Sender);
                break;
            case ExchangeThen.Done:
                _done = true; // over in the worker: nothing to end there
                _connection.Tell(HandlerDone.Instance, Self);
                Context.Stop(Self); // as a local handler stops itself once done
                break;
        }
    }

    protected override void PostStop()
    {
        // The connection ended before the handler in the worker did: stop it there, or a handler
        // busy elsewhere would never learn of it.
        if (!_done) _worker?.Tell(EndRequest.Instance, Self);
    }
}

/// <summary>Forking mode's launcher: every handler is a <see cref="HandlerProxy"/> for a worker;
/// with <paramref name="handoff"/>, an accepted stream socket is first offered to the listener's own
/// workers whole: at once, in the listener's run, when a linked worker can take it
/// (<see cref="HandedOffRef"/>), else through a <see cref="HandOffActor"/> that asks the pool.</summary>
/// <param name="pool">The worker pool.</param>
/// <param name="maxLineLength">The server's line limit.</param>
/// <param name="preferred">The worker the pool chose for this request, if it chose already.</param>
/// <param name="handoff">Offer accepted stream sockets to our own worker processes, placed with this; null: relay all.</param>
internal sealed class ForkingHandlerPlacement(IActorRef pool, int maxLineLength, IActorRef? preferred = null, LocalPlacement? handoff = null)
    : HandlerPlacement
{
    public override IActorRef Launch(IActorContext connection, RequestInfo request)
        => connection.ActorOf(Props.Create(typeof(HandlerProxy), pool, maxLineLength, preferred), request.HandlerName);

    public override Props? StreamRequestProps(System.Net.Sockets.Socket client, RequestInfo request, ServerContext settings)
        // TLS too: the worker wraps the handed-off socket with the server's certificate files.
        => handoff is not null
            ? new Props(CompactMailbox.ConnectionDeployment, typeof(HandOffActor), client, request, settings, pool, handoff)
            : null;

    public override StandInRef? TryServeElsewhere(IActorContext listener, string name, System.Net.Sockets.Socket client,
        RequestInfo request, ServerContext settings)
        => handoff is null ? null
            : HandedOffRef.TryHandOff(handoff, listener, name, client, request, settings, _log ??= Logging.GetLogger(listener.System, listener.Self));

    private ILoggingAdapter? _log; // the listener's (its path is the source of the lines), made once from its thread
}
