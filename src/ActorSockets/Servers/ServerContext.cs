using ActorSockets.Connections;
using ActorSockets.Handlers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>What every request of one server shares with it (<see cref="ConnectionContext"/>),
/// with the options, hooks and handler placement it is made from, which the server's own actors
/// read. One per server: its connections' settings are made here once.</summary>
internal sealed record ServerContext : ConnectionContext
{
    /// <param name="options">The server's options.</param>
    /// <param name="hooks">Its hooks; failures are reported to their <c>HandleError</c>.</param>
    /// <param name="placement">Where its handlers run.</param>
    /// <param name="limits">Its connections' settings when already made from <paramref name="options"/>
    /// (a worker making a context per request); null: made here.</param>
    public ServerContext(ServerOptions options, ServerHooks hooks, HandlerPlacement placement, ConnectionSettings? limits = null)
        : base(limits ?? ConnectionSettingsOf(options))
    {
        Options = options;
        Hooks = hooks;
        Placement = placement;
    }

    public ServerOptions Options { get; }

    public ServerHooks Hooks { get; }

    /// <summary>The server mode's placement of handlers.</summary>
    public HandlerPlacement Placement { get; init; }

    public override IHandlerLauncher Launcher => Placement;

    /// <summary>Tells the listener's circuit breaker, when one is set, then calls <see cref="ServerHooks.HandleError"/>.</summary>
    public override void ReportError(RequestInfo request, Exception error, ILoggingAdapter log, IActorRef reporter)
    {
        // The listener's circuit breaker counts failures on the listener's own thread. In a worker
        // process the listener is remote and knows of the failure from the connection's end report.
        if (Options.Supervision.CircuitBreaker.MaxFailures is not null && request.Server.Path.Address.HasLocalScope)
            request.Server.Tell(HandlerFailureSeen.Instance, reporter);
        Hooks.HandleError(request, error, log);
    }

    /// <summary>What a connection reads of <paramref name="options"/>.</summary>
    public static ConnectionSettings ConnectionSettingsOf(ServerOptions options) => new()
    {
        MaxLineLength = options.MaxLineLength,
        WriteBufferLimit = options.WriteBufferLimit,
        ReadTimeout = options.ReadTimeout,
        FirstByteTimeout = options.FirstByteTimeout,
        IdleTimeout = options.IdleTimeout,
        RequestDeadline = options.RequestDeadline,
        RestartFailedHandlers = options.Supervision.OnFailure == FailurePolicy.Restart,
        MaxRestarts = options.Supervision.MaxRestarts,
        RestartsWithin = options.Supervision.Within,
    };
}
