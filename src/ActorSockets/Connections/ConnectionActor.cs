using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// A per-request actor that owns its client's socket (a stream connection): runs the handler
/// through <see cref="RequestLifecycle"/>, keeps the request's <see cref="RequestScope"/>, and
/// ends the request when <see cref="ConnectionSettings.RequestDeadline"/> passes or a limit gives up
/// on it. Subclasses own the socket side and serve the handler's I/O messages.
/// </summary>
internal abstract class ConnectionActor(RequestInfo info, ConnectionContext settings) : UntypedActor
{
    private const string DeadlineKey = "deadline";

    /// <summary>This actor's timers (<see cref="SelfTimers"/>: nothing is kept until one starts).</summary>
    protected SelfTimers Timers => _timers ??= new SelfTimers(Context);
    private SelfTimers? _timers;

    protected RequestInfo Info { get; set; } = info; // a TLS connection adds the client certificate before the handler starts
    protected ConnectionContext Settings { get; } = settings;
    // Made on first use: a logger formats the actor's path, which most requests never log.
    protected ILoggingAdapter Log => _log ??= Context.GetLogger();
    private ILoggingAdapter? _log;

    /// <summary>Whether Debug is logged, asked without making <see cref="Log"/>.</summary>
    protected bool IsDebugEnabled => Context.System.Log.IsDebugEnabled;

    /// <summary>The handler actor; <c>Nobody</c> until started.</summary>
    protected IActorRef Handler { get; private set; } = ActorRefs.Nobody;

    /// <summary>The request's bookkeeping (<see cref="RequestScope"/>), driven by this actor from
    /// <c>PreStart</c> to <c>PostStop</c>.</summary>
    private RequestScope _scope;

    /// <summary>Whether the request failed: its handler threw and was stopped, or the connection failed it.</summary>
    protected bool HandlerFailed => _scope.Failed;

    /// <summary>The request did not complete normally (for the metrics): the connection failed it
    /// (<see cref="ServerMetrics.ErrorHandler"/>) or cut it off (<see cref="ServerMetrics.ErrorAborted"/>).</summary>
    protected void MarkFailed(string errorType = ServerMetrics.ErrorHandler) => _scope.MarkFailed(errorType);

    /// <summary>The connection is served from now: counted open and measured.</summary>
    protected void BeginRequest() => _scope.Begin(Settings.Metrics);

    /// <summary>The connection is over: its metrics close, as cut off when <paramref name="finished"/>
    /// is false and it did not fail otherwise.</summary>
    protected void EndRequest(bool finished) => _scope.End(Settings, finished ? null : ServerMetrics.ErrorAborted);

    /// <summary>The handler is supervised as on every path (<see cref="RequestLifecycle"/>). A
    /// local child handler is not watched: its supervision tells this actor when it stops.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => RequestLifecycle.Supervision(Context, (_, error) =>
    {
        bool restart = HandlerIsChild && MayRestart && (_restarts ??= new HandlerRestarts(Settings.Limits)).Allow(DateTime.UtcNow);
        _scope.Fail(Settings, Info, error, Log, Self, restart ? null : ServerMetrics.ErrorHandler);
        if (restart)
        {
            _restartAfter = error;
            Settings.Counters.Count(ServerEvent.HandlerRestart);
            Settings.Metrics.HandlerRestarted();
            Log.Warning("Handler {Handler} for client {Client} restarted on its connection ({Restarts} of {MaxRestarts} within {Within})",
                Info.HandlerName, Info.ClientAddress, _restarts!.Count, Settings.Limits.MaxRestarts, Settings.Limits.RestartsWithin);
        }
    }, tellChildStopped: HandlerIsChild);

    private HandlerRestarts? _restarts;
    private Exception? _restartAfter;

    /// <summary>Whether a failed handler may be replaced now (<c>supervision.on-failure = restart</c>,
    /// and the subclass still serves the connection). Only a handler that runs here is: a relayed
    /// one (a worker node started by hand) ends its connection as under stop.</summary>
    protected virtual bool MayRestart => false;

    /// <summary>When the handler that just stopped failed and is to be restarted: starts a fresh one
    /// on the same connection and returns true.</summary>
    protected bool TryRestartHandler()
    {
        if (_restartAfter is not { } failure) return false;
        _restartAfter = null;
        Handler = RequestLifecycle.Start(Context, Settings.Launcher,
            new Setup(Info, Self, Settings.Limits.WriteBufferLimit) { RestartedAfter = failure }, Self, watch: !HandlerIsChild);
        return true;
    }

    private bool HandlerIsChild => Settings.Launcher.LaunchesChildren;

    /// <summary>Whether <paramref name="message"/> tells the handler's stop: a <see cref="Terminated"/>
    /// when it is watched, the <see cref="ChildStopped"/> its supervision tells when it is a child.</summary>
    protected bool IsHandlerStop(object message) => ChildStopped.ActorOf(message)?.Equals(Handler) == true;

    protected override void PreStart()
    {
        Handler = RequestLifecycle.Start(Context, Settings.Launcher, new Setup(Info, Self, Settings.Limits.WriteBufferLimit), Self,
            watch: !HandlerIsChild);
        _scope.StartDeadline(Settings.Limits, Timers, DeadlineKey);
    }

    /// <summary>A timer's message is handled as the message it carries; a stale one is dropped.</summary>
    protected override bool AroundReceive(Receive receive, object message)
        => (message is SelfTimers.Fired ? _timers?.Take(message) : message) is not { } taken || base.AroundReceive(receive, taken);

    public override void AroundPostStop()
    {
        _timers?.CancelAll();
        base.AroundPostStop();
    }

    /// <summary>Stops the handler and ends the request at once, dropping output not yet sent:
    /// a limit or timeout gave up on it.</summary>
    protected abstract void StopRequest();

    /// <summary>Counts and logs why the request is given up on, then stops it.</summary>
    protected void Abandon(ServerEvent reason, string why)
    {
        _scope.Abandon(Settings, Info, reason, why, Log, ServerMetrics.ErrorAborted);
        StopRequest();
    }

    /// <summary>The messages every request actor shares arrive here, from the subclass's
    /// default branch, so subclasses need not list them.</summary>
    protected override void Unhandled(object message)
    {
        if (message is RequestScope.DeadlinePassed)
            Abandon(ServerEvent.RequestDeadline, RequestScope.DeadlineWhy(Settings.Limits));
        else base.Unhandled(message);
    }
}
