using System.Diagnostics;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Forking;

/// <summary>
/// The listener's actor for one accepted stream socket in forking mode that no linked worker
/// could take at once (none linked yet, a worker that takes only relayed requests is less busy,
/// or the hand-off failed because the worker was dying; the usual case needs no actor:
/// <see cref="HandedOffRef"/>). A child of the listener like a connection actor (so
/// max_children, drain and stats hold), it asks the pool where the request goes:
/// <list type="bullet">
/// <item>to one of the listener's own worker processes: the descriptor is handed over the
/// worker's link and this process closes its copy; the worker serves the connection with the
/// same connection and handler actors as threading mode, and reports the end here, where it is
/// counted (limits, timeouts, the handler's failure through <c>HandleError</c>) and measured, in
/// this actor's <see cref="RequestScope"/>;</item>
/// <item>to a worker node started by hand: the request is relayed as messages, through a
/// <see cref="StreamConnectionActor"/> child whose handler is a <see cref="HandlerProxy"/>.</item>
/// </list>
/// Stopped before the end (the drain deadline), it tells the worker to close the connection.
/// A worker that dies fails the request: counted, reported to <c>HandleError</c>.
/// </summary>
internal sealed class HandOffActor(Socket client, RequestInfo info, ServerContext settings, IActorRef pool, LocalPlacement placement)
    : UntypedActor
{
    private Socket? _client = client; // ours until handed off or given to the relay
    private WorkerLink? _link;
    private long _id;
    private bool _draining; // the server is closing: the connection, wherever it is, drains
    private RequestScope _scope; // begun once handed off or failed here: a relay connection keeps its own
    private bool _ended;
    private IActorRef? _relay;
    private ILoggingAdapter? _log;
    private int _attempts; // hand-offs that failed: a worker that died just then
    private const int MaxAttempts = 3;

    private ILoggingAdapter Log => _log ??= Context.GetLogger();

    protected override void PreStart()
    {
        if (placement.TryPick() is { } link) HandOff(link); // the usual case: no need to ask the pool
        else pool.Tell(new PlaceConnection(Self));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case PlaceLocal local:
                HandOff(local.Link);
                break;
            case PlaceRelay relay:
                Relay(relay.Preferred);
                break;
            case HandedOffEnded ended:
                Ended(ended.Report);
                break;
            case Drain:
                _draining = true;
                if (_link is not null && !_ended) _link.Drain(_id);
                _relay?.Tell(Drain.Instance);
                break;
            case WorkerLost lost when !_ended && _relay is null:
                Fail(new WorkerLostException(lost.Reason));
                break;
            case NoWorkerLives when _relay is null && _client is { } refused:
                _client = null;
                Refusal.Refuse(refused, Refusal.ReplyOf(settings.Options));
                settings.Metrics.ConnectionRejected(ServerMetrics.ErrorNoWorker);
                _ended = true;
                Context.Stop(Self);
                break;
            case NoWorkerAvailable none when _relay is null:
                Fail(new WorkerLostException($"no worker became available within {none.Waited}"));
                break;
            case Terminated t when t.ActorRef.Equals(_relay):
                _ended = true;
                Context.Stop(Self);
                break;
            case WorkerLost or NoWorkerAvailable or NoWorkerLives:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void HandOff(WorkerLink link)
    {
        _scope.Begin(settings.Metrics);
        try
        {
            _id = link.HandOff(Self, _client!, info);
            _link = link;
            HandedOffAccounting.HandedOff(settings, info, link, Log);
        }
        catch (IOException e)
        {
            // The socket is still ours: the worker died before taking it, so another one may.
            if (++_attempts < MaxAttempts)
            {
                Log.Debug("{0} ({1}) not handed to worker process {2} ({3}); placing it again", info.HandlerName, info.ClientAddress, link.ProcessId, e.Message);
                pool.Tell(new PlaceConnection(Self));
            }
            else Fail(new WorkerLostException($"could not hand the connection to worker process {link.ProcessId}: {e.Message}"));
            return;
        }
        _client!.Dispose(); // the worker has its own descriptor now
        _client = null;
        if (_draining) link.Drain(_id); // closing began while it was being placed
    }

    private void Relay(IActorRef? preferred)
    {
        var relaySettings = settings with { Placement = new ForkingHandlerPlacement(pool, settings.Options.MaxLineLength, preferred) };
        _relay = Context.ActorOf(new Props(CompactMailbox.ConnectionDeploymentFor(relaySettings), typeof(StreamConnectionActor), _client!, info, relaySettings), "relay");
        _client = null; // the relay connection owns it now
        Context.Watch(_relay);
        if (_draining) _relay.Tell(Drain.Instance);
        if (Context.System.Log.IsDebugEnabled)
            Log.Debug("{0} ({1}) relayed to worker {2} (path=relay)", info.HandlerName, info.ClientAddress, preferred?.Path.Address);
    }

    private void Ended(HandoffProtocol.EndReport report)
    {
        _ended = true;
        HandedOffAccounting.Ended(settings, info, report, _link?.ProcessId, Log, Self, ref _scope);
        Context.Stop(Self);
    }

    private void Fail(Exception error)
    {
        _scope.Begin(settings.Metrics);
        _ended = true;
        HandedOffAccounting.Lost(settings, info, error, Log, Self, ref _scope);
        Context.Stop(Self);
    }

    /// <summary>Stops the supervised relay connection rather than restarting it.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PostStop()
    {
        if (_client is { } socket) // never placed: the client gets a FIN
        {
            try { socket.Shutdown(SocketShutdown.Both); }
            catch (SocketException) { /* gone */ }
            socket.Dispose();
        }
        if (_link is not null && !_ended) _link.Close(_id); // the drain deadline or the listener stopping
        _scope.End(settings, _ended ? null : ServerMetrics.ErrorAborted);
    }
}

/// <summary>Stand-in → pool: where does this connection go?</summary>
internal sealed record PlaceConnection(IActorRef StandIn);

/// <summary>Pool → stand-in: hand the socket over this worker's link.</summary>
internal sealed record PlaceLocal(WorkerLink Link);

/// <summary>Pool → stand-in: relay the request (to <paramref name="Preferred"/>, the least busy worker, if still there).</summary>
internal sealed record PlaceRelay(IActorRef? Preferred);
