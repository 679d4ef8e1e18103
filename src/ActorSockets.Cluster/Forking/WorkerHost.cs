using Akka.Actor;

namespace ActorSockets.Forking;

/// <summary>
/// The one actor every worker node runs (<c>/user/actorsockets-worker</c>): the listener's
/// pool finds it through cluster membership and sends it requests, each run by a
/// <see cref="WorkerConnection"/>. It knows each running request by its listener-side proxy,
/// for <see cref="EndRequest"/>.
/// </summary>
internal sealed class WorkerHost(Props handlerProps, Action<string>? refused = null) : UntypedActor
{
    private readonly Dictionary<IActorRef, IActorRef> _byProxy = [];
    private readonly Dictionary<IActorRef, IActorRef> _byRequest = [];
    private long _started;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartHandler start:
                var request = Context.ActorOf(Props.Create(typeof(WorkerConnection), start, handlerProps), $"request-{++_started}");
                Context.Watch(request);
                _byProxy[start.Proxy] = request;
                _byRequest[request] = start.Proxy;
                break;
            case EndRequest end:
                if (_byProxy.TryGetValue(Sender, out var running)) running.Forward(end);
                break;
            case Terminated t when _byRequest.Remove(t.ActorRef, out var proxy):
                _byProxy.Remove(proxy);
                break;
            case GetWorkerInfo ask:
                Sender.Tell(new WorkerInfo(Environment.ProcessId, Environment.MachineName)); // the listener refuses us if it must
                if (ask.WireVersion != WireSerializer.Version)
                    refused?.Invoke($"listener {Sender.Path.Address} speaks wire version {ask.WireVersion}, this worker {WireSerializer.Version}");
                break;
            case WorkerRefused refusal:
                refused?.Invoke(refusal.Reason);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>A request actor failing itself (not its handler) must not take the host down.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);
}
