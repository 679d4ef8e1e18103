using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// The one way a request's handler is run, whichever path serves it — a stream connection, a
/// datagram listener, a worker's stand-in for the connection: the handler is started through
/// the server's <see cref="HandlerLauncher"/>, watched, and told <see cref="Setup"/>,
/// <see cref="Handle"/> and <see cref="Finish"/> (socketserver's <c>finish_request</c>); its
/// parent supervises it with <see cref="Supervision"/>, and a failure is counted and reported to
/// <see cref="ServerHooks.HandleError"/> by <see cref="Report"/> (socketserver's <c>handle_error</c>).
/// </summary>
internal static class RequestLifecycle
{
    /// <summary>Starts the handler for <paramref name="setup"/> as a child of <paramref name="context"/>
    /// and queues its three lifecycle steps, sent as from <paramref name="connection"/>.</summary>
    public static IActorRef Start(IActorContext context, HandlerLauncher launcher, Setup setup, IActorRef connection)
    {
        var handler = launcher.Launch(context, setup.Request);
        context.Watch(handler);
        handler.Tell(setup, connection);
        handler.Tell(Handle.Instance, connection);
        handler.Tell(Finish.Instance, connection);
        return handler;
    }

    /// <summary>Supervision for a parent of handlers: a handler that throws is stopped, never
    /// restarted (a fresh handler on a half-served request would see it in an unknown state), and
    /// <paramref name="onFailure"/> learns which one failed and why, so the report can name its
    /// request (a plain decider sees only the exception).</summary>
    public static SupervisorStrategy Supervision(Action<IActorRef, Exception> onFailure) => new StopAndReport(onFailure);

    /// <summary>Counts a handler's failure and reports it to the server's <c>HandleError</c>.</summary>
    public static void Report(RequestSettings settings, RequestInfo request, Exception error, ILoggingAdapter log)
    {
        settings.Counters.Count(ServerEvent.HandlerFailure);
        settings.Hooks.HandleError(request, error, log);
    }

    private sealed class StopAndReport(Action<IActorRef, Exception> onFailure)
        : OneForOneStrategy(_ => Directive.Stop, loggingEnabled: false)
    {
        public override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause,
            ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
        {
            onFailure(child, cause);
            base.ProcessFailure(context, restart, child, cause, stats, children);
        }
    }
}
