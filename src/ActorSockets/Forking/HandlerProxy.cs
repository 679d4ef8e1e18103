using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Forking;

/// <summary>
/// Stands in for a handler that runs in a worker, as the connection's child: the connection
/// treats it exactly like a local handler. It asks the pool to route the request, then watches
/// the request in the worker. A failure reported by the worker, or the worker going away, makes
/// the proxy throw, so the connection's own supervisor reports it (<c>HandleError</c>) and
/// closes the connection, just as in threading mode. Reads and writes do not pass through
/// here: the handler talks to the connection directly.
/// </summary>
internal sealed class HandlerProxy : ReceiveActor, IWithTimers
{
    /// <summary>Grace for the handler's last messages after its request actor stopped: they travel
    /// on a different path than the stop notice, and the connection closes on HandlerDone anyway.</summary>
    private static readonly TimeSpan EndGrace = TimeSpan.FromSeconds(2);

    private sealed record EndGraceOver;

    private readonly IActorRef _pool;
    private IActorRef? _remote;

    public HandlerProxy(IActorRef pool)
    {
        _pool = pool;
        Receive<Setup>(setup => _pool.Tell(new RouteRequest(setup, Self)));
        Receive<Handle>(_ => { }); // the worker sends Handle and Finish itself, in order
        Receive<Finish>(_ => { });
        Receive<HandlerStarted>(started =>
        {
            _remote = started.Request;
            Context.Watch(_remote);
        });
        Receive<HandlerFailed>(failed => throw new RemoteHandlerException(failed));
        Receive<WorkerLost>(lost => throw new WorkerLostException(lost.Reason));
        Receive<NoWorkerAvailable>(none => throw new WorkerLostException($"no worker became available within {none.Waited}"));
        Receive<Terminated>(t => t.ActorRef.Equals(_remote), t =>
        {
            if (t.AddressTerminated) throw new WorkerLostException($"worker node {t.ActorRef.Path.Address} went away");
            Timers.StartSingleTimer(nameof(EndGraceOver), new EndGraceOver(), EndGrace);
        });
        Receive<EndGraceOver>(_ => Context.Stop(Self));
    }

    public ITimerScheduler Timers { get; set; } = null!;
}

/// <summary>Forking mode's launcher: every handler is a <see cref="HandlerProxy"/> for a worker.</summary>
internal sealed class ForkingHandlerLauncher(IActorRef pool) : HandlerLauncher
{
    public override IActorRef Launch(IActorContext connection, RequestInfo request)
        => connection.ActorOf(Props.Create(typeof(HandlerProxy), pool), request.HandlerName);
}
