using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// The one way a request's handler is run, whichever path serves it — a stream connection, a
/// datagram listener, a worker's stand-in for the connection: the handler is started through
/// the server's <see cref="HandlerPlacement"/>, watched, and told <see cref="Setup"/>,
/// <see cref="Handle"/> and <see cref="Finish"/> (socketserver's <c>finish_request</c>); its
/// parent supervises it with <see cref="Supervision"/>, and a failure is counted and reported to
/// <see cref="ServerHooks.HandleError"/> by <see cref="Report"/> (socketserver's <c>handle_error</c>).
/// </summary>
internal static class RequestLifecycle
{
    /// <summary>Starts the handler for <paramref name="setup"/> as a child of <paramref name="context"/>
    /// and queues its three lifecycle steps, sent as from <paramref name="connection"/>.</summary>
    /// <remarks><paramref name="watch"/> is false when the handler is a local child whose parent's
    /// strategy is <see cref="Supervision"/> with <c>tellChildStopped</c>: its end is then learnt
    /// without death-watch, which cost each idle connection about 0.4 KB of bookkeeping.</remarks>
    public static IActorRef Start(IActorContext context, HandlerPlacement launcher, Setup setup, IActorRef connection, bool watch = true)
    {
        var handler = launcher.Launch(context, setup.Request);
        if (watch) context.Watch(handler);
        handler.Tell(setup, connection);
        handler.Tell(Handle.Instance, connection);
        handler.Tell(Finish.Instance, connection);
        return handler;
    }

    /// <summary>Supervision for a parent of handlers: a handler that throws is stopped, never
    /// restarted (a fresh handler on a half-served request would see it in an unknown state), and
    /// <paramref name="onFailure"/> learns which one failed and why, so the report can name its
    /// request (a plain decider sees only the exception).</summary>
    /// <remarks>With <c>tellChildStopped</c> the parent is also told <see cref="ChildStopped"/> when a
    /// child stops, so it need not watch its children (see <see cref="AsTerminated"/>).</remarks>
    public static SupervisorStrategy Supervision(Action<IActorRef, Exception> onFailure, bool tellChildStopped = false)
        => new StopAndReport(onFailure, tellChildStopped);

    /// <summary>A parent's default supervision that also tells it <see cref="ChildStopped"/>.</summary>
    public static SupervisorStrategy DefaultTellingChildStopped() => new TellChildStopped();

    /// <summary>A child of an actor that does not watch it has stopped (told by its parent's
    /// supervisor strategy, which sees every child stop without death-watch's per-actor sets).</summary>
    // A parent that stopped first (a connection closing) has no use for it: not a dead-letter warning.
    internal sealed record ChildStopped(IActorRef Child) : IDeadLetterSuppression;

    /// <summary>Turns <see cref="ChildStopped"/> into the <see cref="Terminated"/> a watching
    /// parent would have received, so the parent's states handle both alike. For
    /// <c>AroundReceive</c>: a Terminated told by hand would not pass the actor cell's check.</summary>
    public static object AsTerminated(object message)
        => message is ChildStopped stopped ? new Terminated(stopped.Child, existenceConfirmed: true, addressTerminated: false) : message;

    /// <summary>Counts a handler's failure and reports it to the server's <c>HandleError</c>.</summary>
    public static void Report(ServerContext settings, RequestInfo request, Exception error, ILoggingAdapter log)
    {
        settings.Counters.Count(ServerEvent.HandlerFailure);
        // The listener's circuit breaker counts failures on the listener's own thread. In a worker
        // process the listener is remote and knows of the failure from the connection's end report.
        if (settings.Options.Supervision.CircuitBreaker.MaxFailures is not null && request.Server is IInternalActorRef { IsLocal: true } listener)
            listener.Tell(HandlerFailureSeen.Instance, ActorCell.GetCurrentSelfOrNoSender());
        settings.Hooks.HandleError(request, error, log);
    }

    private sealed class StopAndReport(Action<IActorRef, Exception> onFailure, bool tellChildStopped)
        : OneForOneStrategy(_ => Directive.Stop, loggingEnabled: false)
    {
        public override void HandleChildTerminated(IActorContext actorContext, IActorRef child, IEnumerable<IInternalActorRef> children)
        {
            if (tellChildStopped) actorContext.Self.Tell(new ChildStopped(child), ActorRefs.NoSender);
            base.HandleChildTerminated(actorContext, child, children);
        }

        public override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause,
            ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
        {
            onFailure(child, cause);
            base.ProcessFailure(context, restart, child, cause, stats, children);
        }
    }

    private sealed class TellChildStopped() : OneForOneStrategy(DefaultDecider)
    {
        public override void HandleChildTerminated(IActorContext actorContext, IActorRef child, IEnumerable<IInternalActorRef> children)
        {
            actorContext.Self.Tell(new ChildStopped(child), ActorRefs.NoSender);
            base.HandleChildTerminated(actorContext, child, children);
        }
    }
}
