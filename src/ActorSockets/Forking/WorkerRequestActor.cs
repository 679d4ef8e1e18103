using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Forking;

/// <summary>
/// The worker-side parent of one handler: starts it from the worker's own handler props,
/// delivers Setup, Handle and Finish as if the connection had sent them, and reports a failure
/// to the listener's proxy (the handler is stopped, never restarted, as in threading mode).
/// Stops when its handler stops, and stops the handler when the connection ends first (a
/// timeout, a drain deadline, the listener gone), as a local handler would be stopped with its
/// connection: a handler busy at that moment would otherwise wait forever on its next read.
/// </summary>
internal sealed class WorkerRequestActor : UntypedActor
{
    private readonly StartHandler _start;
    private readonly IActorRef _handler;

    public WorkerRequestActor(StartHandler start, Props handlerProps)
    {
        _start = start;
        _handler = Context.ActorOf(handlerProps, start.Setup.Request.HandlerName);
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(error =>
    {
        _start.Proxy.Tell(new HandlerFailed(error.GetType().FullName ?? error.GetType().Name, error.Message, error.ToString()));
        return Directive.Stop;
    }, loggingEnabled: false);

    protected override void PreStart()
    {
        Context.Watch(_handler);
        var connection = _start.Setup.Connection;
        Context.Watch(connection);
        _handler.Tell(_start.Setup, connection);
        _handler.Tell(Handle.Instance, connection);
        _handler.Tell(Finish.Instance, connection);
        _start.Proxy.Tell(new HandlerStarted(Self));
    }

    protected override void OnReceive(object message)
    {
        if (message is Terminated) Context.Stop(Self); // the handler or the connection ended: the request is over
        else Unhandled(message);
    }
}

/// <summary>
/// The one actor every worker node runs (<c>/user/actorsockets-worker</c>): the listener's
/// pool finds it through cluster membership and sends it requests.
/// </summary>
internal sealed class WorkerHost(Props handlerProps) : UntypedActor
{
    private long _started;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartHandler start:
                Context.ActorOf(Props.Create(typeof(WorkerRequestActor), start, handlerProps), $"request-{++_started}");
                break;
            case GetWorkerInfo:
                Sender.Tell(new WorkerInfo(Environment.ProcessId, Environment.MachineName));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>A request actor failing itself (not its handler) must not take the host down.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);
}
