using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// The one way a request's handler is run, whichever path serves it — a stream connection, a
/// datagram listener, a worker's stand-in for the connection: the handler is started through
/// the server's <see cref="IHandlerLauncher"/>, watched, and told <see cref="Setup"/>,
/// <see cref="Handle"/> and <see cref="Finish"/> (socketserver's <c>finish_request</c>); its
/// parent supervises it with <see cref="Supervision"/>, and a failure is counted and reported to
/// the server's <c>HandleError</c> by <see cref="Report"/> (socketserver's <c>handle_error</c>).
/// <para>
/// The request's bookkeeping around these — metrics, deadline, giving up, the failure report and
/// the end — is <see cref="RequestScope"/>'s, which says which owner drives it on each path; the
/// two primitives below are the words and counts it uses. What every path serves to the handler
/// is <see cref="ConnectionContract"/>.
/// </para>
/// </summary>
internal static class RequestLifecycle
{
    /// <summary>Starts the handler for <paramref name="setup"/> as a child of <paramref name="context"/>
    /// and queues its three lifecycle steps, sent as from <paramref name="connection"/>.</summary>
    /// <remarks><paramref name="watch"/> is false when the handler is a local child whose parent's
    /// strategy is <see cref="Supervision"/> with <c>tellChildStopped</c>: its end is then learnt
    /// without death-watch, which cost each idle connection about 0.4 KB of bookkeeping.</remarks>
    public static IActorRef Start(IActorContext context, IHandlerLauncher launcher, Setup setup, IActorRef connection, bool watch = true)
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
    /// request: while the decider runs, the parent's <see cref="IActorContext.Sender"/> is the
    /// failed child.</summary>
    /// <remarks>With <paramref name="tellChildStopped"/> the parent is also told <see cref="ChildStopped"/>
    /// when a child stops, so it need not watch its children (see <see cref="ChildStopTelling"/>).</remarks>
    public static SupervisorStrategy Supervision(IActorContext parent, Action<IActorRef, Exception> onFailure, bool tellChildStopped = false)
    {
        Directive Decide(Exception error)
        {
            onFailure(parent.Sender, error);
            return Directive.Stop;
        }
        return tellChildStopped ? new ChildStopTelling(Decide, loggingEnabled: false) : new OneForOneStrategy(Decide, loggingEnabled: false);
    }

    /// <summary>Counts and logs that a limit or timeout gave up on <paramref name="request"/>, in
    /// the words every path uses; called through <see cref="RequestScope.Abandon"/>.</summary>
    public static void Abandoned(ConnectionContext settings, RequestInfo request, ServerEvent reason, string why, ILoggingAdapter log)
        => settings.Counters.Record(reason, log, Describe(request), why);

    /// <summary>How a request is named in the log: its handler and client.</summary>
    private static string Describe(RequestInfo request) => $"{request.HandlerName} ({request.ClientAddress})";

    /// <summary>Counts a handler's failure and reports it to the server's <c>HandleError</c>
    /// (through <see cref="RequestScope.Fail"/>, or directly for a kept datagram handler's failure
    /// between requests);
    /// <paramref name="reporter"/> is the actor that served the request, which the listener's
    /// circuit breaker counts the failure against.</summary>
    public static void Report(ConnectionContext settings, RequestInfo request, Exception error, ILoggingAdapter log, IActorRef reporter)
    {
        settings.Counters.Count(ServerEvent.HandlerFailure);
        settings.ReportError(request, error, log, reporter);
    }
}
