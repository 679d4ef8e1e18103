using ActorSockets.Handlers;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>Everything a request actor needs from its server.</summary>
internal sealed record RequestSettings(ServerOptions Options, ServerHooks Hooks, HandlerLauncher Launcher)
{
    /// <summary>The server's instruments, tagged with its name and transport.</summary>
    public ServerMetrics Metrics { get; init; } = ServerMetrics.Unnamed;
}

/// <summary>
/// What every per-request actor (a stream connection, a datagram request) does with its
/// handler: starts it as a child through the server's <see cref="HandlerLauncher"/>, sends it
/// <see cref="Setup"/>, <see cref="Handle"/> and <see cref="Finish"/>, and supervises it
/// (socketserver's <c>finish_request</c> and <c>handle_error</c>). Subclasses own the socket
/// side and serve the handler's I/O messages.
/// </summary>
internal abstract class RequestActor(RequestInfo info, RequestSettings settings) : UntypedActor
{
    protected RequestInfo Info { get; } = info;
    protected RequestSettings Settings { get; } = settings;
    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    /// <summary>The handler actor; <c>Nobody</c> until started.</summary>
    protected IActorRef Handler { get; private set; } = ActorRefs.Nobody;

    /// <summary>Whether the handler threw and was stopped by supervision.</summary>
    protected bool HandlerFailed { get; private set; }

    /// <summary>The request did not complete normally (for the metrics): the connection failed it.</summary>
    protected void MarkFailed() => HandlerFailed = true;

    /// <summary>A handler that throws is stopped, never restarted: a fresh handler on a
    /// half-served request would see it in an unknown state.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(error =>
    {
        HandlerFailed = true;
        Settings.Hooks.HandleError(Info, error, Log);
        return Directive.Stop;
    }, loggingEnabled: false);

    protected override void PreStart()
    {
        Handler = Settings.Launcher.Launch(Context, Info);
        Context.Watch(Handler);
        Handler.Tell(new Setup(Info, Self, Settings.Options.WriteBufferLimit), Self);
        Handler.Tell(Handle.Instance, Self);
        Handler.Tell(Finish.Instance, Self);
    }
}
