using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

// The listener's arrivals: taking the next request from the socket (one receive in flight,
// at once when the kernel already has one, else asynchronously), and admitting and starting
// each one (socketserver's get_request, verify_request and process_request), and the gate's
// runtime changes with the stats they answer. The states that decide when to ask for the next
// request are in ListenerActor.cs.
internal abstract partial class ListenerActor<TRequest>
{
    /// <summary>Whether each request holds a descriptor of its own (an accepted socket) until it
    /// ends: those are counted against the process's <see cref="DescriptorBudget"/>.</summary>
    protected virtual bool HoldsDescriptors => false;

    /// <summary>Called for each arrival the state would serve now, before admission: true when
    /// the subclass keeps it pending until it shows it is live (its PROXY header or TLS
    /// ClientHello still to come) and will <see cref="Deliver"/> it once ready, or
    /// <see cref="Drop"/> it. A pending request holds no connection slot.</summary>
    protected virtual bool Defer(TRequest request) => false;

    /// <summary>How many requests are pending (<see cref="Defer"/>) now.</summary>
    protected virtual int PendingCount => 0;

    /// <summary>Called when the process is short of descriptors: closes the oldest pending
    /// request, if there is one, to make room; returns whether it did.</summary>
    protected virtual bool GiveUpOldestPending() => false;

    /// <summary>Called when closing begins and when the listener stops: every pending request,
    /// which the caller drops.</summary>
    protected virtual IReadOnlyCollection<TRequest> TakePending() => [];

    /// <summary>Hands a request back from its pending stage (<see cref="Defer"/>): it arrives
    /// again, to be served as soon as the state and the gate allow.</summary>
    protected void Deliver(TRequest request) => Self.Tell(new Arrived(request, FromSocket: false));

    /// <summary>Lets go of a request that will not be served, and of its descriptor.</summary>
    protected void Drop(TRequest request)
    {
        Discard(request);
        if (HoldsDescriptors) _descriptors.Release();
    }

    /// <summary>Called first for every arrival, in every state: a socket just accepted takes a
    /// descriptor from the budget. Returns whether the request is still there to be dealt with
    /// (false: the process is short of descriptors and it was closed at once, counted).</summary>
    private bool TookArrival(Arrived arrived)
    {
        if (!arrived.FromSocket) return true;
        _receiveInFlight = false;
        Settings.Counters.Count(ServerEvent.Received); // once, whether then served, pending, queued or not
        if (!HoldsDescriptors) return true;
        if (_descriptors.Take() || GiveUpOldestPending())
        {
            if (_descriptors.EndShortage())
                Log.Info("Server on {Address}: descriptors free again; accepting as usual", _boundDescription);
            return true;
        }
        Settings.Counters.Count(ServerEvent.DescriptorLimit);
        Settings.Metrics.ConnectionRejected(ServerMetrics.ErrorDescriptorLimit);
        if (_descriptors.BeginShortage())
            Log.Warning("Server on {Address}: the process holds all the {Capacity} client sockets its open-file limit ({Limit}) allows "
                + "besides a reserve for the runtime; closing new connections at once until some end", _boundDescription,
                DescriptorBudget.Capacity, FileLimit.Current);
        Drop(arrived.Request);
        return false;
    }

    /// <summary>A request's actor ended: forget it, and give its descriptor back. Returns whether it was one.</summary>
    private bool RequestEnded(IActorRef request)
    {
        if (!_requests.Remove(request)) return false;
        CircuitRequestEnded(request);
        if (HoldsDescriptors) _descriptors.Release();
        return true;
    }

    /// <summary>Drops every request not yet served: queued early, or pending.</summary>
    private void DropWaiting()
    {
        while (_arrivedEarly.TryDequeue(out var early)) Drop(early);
        foreach (var pending in TakePending()) Drop(pending);
    }

    /// <summary>At bind: measures the process's descriptor budget, and says in one line when the
    /// connection limit is more than it can serve.</summary>
    private void CheckDescriptors()
    {
        DescriptorBudget.Measure();
        var limit = Options.Mode == ServerMode.Forking ? Math.Min(Options.MaxConnections ?? int.MaxValue, Options.Forking.MaxChildren) : Options.MaxConnections;
        var setting = Options.Mode == ServerMode.Forking && limit == Options.Forking.MaxChildren ? "forking.max-children" : "max-connections";
        if (DescriptorBudget.CannotServe(limit) && FileLimit.Current is { } files)
            Log.Warning("Server on {Address}: {Setting} = {Limit} is more than the {Capacity} connections the open-file limit ({FileLimit}, "
                + "less what is open and {Reserve} kept in reserve) lets this process hold; past that, new connections are closed at once. "
                + "Raise the limit (ulimit -n, LimitNOFILE=) or lower the setting",
                _boundDescription, setting, limit, DescriptorBudget.Capacity, files, DescriptorBudget.Reserve(files));
    }

    /// <summary>Takes the next request if the gate admits one. Sets <c>_receiveCancel</c> even
    /// when it does not, which marks the state as wanting requests until <see cref="StopReceiving"/>.</summary>
    private void ReceiveNext()
    {
        _receiveCancel ??= new CancellationTokenSource();
        if (!_gate.Admits(_requests.Count)) return; // the rest wait in the kernel (backlog, receive buffer)
        if (_arrivedEarly.TryDequeue(out var early))
        {
            Self.Tell(new Arrived(early, FromSocket: false));
            return;
        }
        if (_receiveInFlight || _socket is null) return;
        _receiveInFlight = true;
        if (TryReceiveNow(_socket, out var ready))
        {
            Self.Tell(new Arrived(ready, FromSocket: true)); // handled in this same mailbox run
            return;
        }
        var next = ReceiveNextAsync(_socket, _receiveCancel.Token);
        if (next.IsCompletedSuccessfully) // taken at once (a client was already waiting): no continuation
        {
            Self.Tell(new Arrived(next.Result, FromSocket: true));
            return;
        }
        next.ContinueWith(
            static (t, self) => ((IActorRef)self!).Tell(t.IsCompletedSuccessfully
                ? new Arrived(t.Result, FromSocket: true)
                : new ArrivalFailed(t.Exception?.GetBaseException() ?? new OperationCanceledException()), ActorRefs.NoSender),
            Self, TaskContinuationOptions.ExecuteSynchronously);
    }

    private void OnReceiveFailed(Exception error)
    {
        if (_socket is null || error is ObjectDisposedException) return;
        if (error is OperationCanceledException)
        {
            // Cancelled by a stop; if serving resumed meanwhile, its receive waited for this one.
            if (_receiveCancel is not null) ReceiveNext();
            return;
        }
        if (error is SocketException { SocketErrorCode: SocketError.TooManyOpenSockets }) // EMFILE, ENFILE
        {
            // Go's way: pause, longer while it lasts, and never spin; one warning for the episode.
            if (_descriptors.BeginShortage())
                Log.Warning("Server on {Address}: accepting failed: {Reason}; pausing accepts until descriptors free up",
                    _boundDescription, error.Message);
            Timers.StartSingleTimer(nameof(RetryReceive), new RetryReceive(), _descriptors.NextBackoff());
            return;
        }
        // ECONNABORTED and friends must not end the server: log, wait a little, go on.
        Log.Warning("Receiving on {Address} failed: {Reason}", Admission.Describe(BoundAddress), error.Message);
        Timers.StartSingleTimer(nameof(RetryReceive), new RetryReceive(), RetryDelay);
    }

    /// <summary>Cancels a receive under way but goes on wanting requests: the gate closed.</summary>
    private void CancelReceiveInFlight()
    {
        if (!_receiveInFlight || _receiveCancel is null) return;
        _receiveCancel.Cancel();
        _receiveCancel.Dispose();
        _receiveCancel = new CancellationTokenSource();
    }

    private void StopReceiving()
    {
        _receiveCancel?.Cancel();
        _receiveCancel?.Dispose();
        _receiveCancel = null;
    }

    /// <summary>Admits the request and starts its actor, or discards it. Returns the request
    /// actor, or null when not served.</summary>
    private IActorRef? Serve(TRequest request)
    {
        if (!IsServable(request))
        {
            Drop(request);
            return null;
        }
        var client = ClientOf(request);
        if (Admission.Refusal(Options, Hooks, client) is { } why)
        {
            Settings.Counters.Count(ServerEvent.Refused);
            Log.Debug("Refused {Client}: {Reason}", Admission.Describe(client), why);
            Settings.Metrics.ConnectionRefused();
            Drop(request);
            return null;
        }
        if (_circuit.Refuses)
        {
            RefuseByCircuit(request);
            return null;
        }
        long id = ++_requestCount;
        var info = new RequestInfo(Admission.Describe(client), _boundDescription, $"handler-{id}", Self)
        {
            RemoteEndPoint = client, LocalEndPoint = LocalOf(request),
        };
        var actor = StartRequest(request, _socket!, info, id);
        if (WatchesRequests) Context.Watch(actor);
        _circuit.Started(actor);
        _requests.Add(actor);
        Settings.Counters.Count(ServerEvent.Accepted);
        Log.Debug("Accepted {Client} as {Handler}", info.ClientAddress, info.HandlerName);
        return actor;
    }

    /// <summary>Stats and the gate's runtime changes, answered in every state.</summary>
    private bool ReceiveLimits(object message)
    {
        switch (message)
        {
            case GetServerStats:
                break;
            case GetListeningHandle:
                Sender.Tell(new ListeningHandle(_socket?.SafeHandle));
                return true;
            case SetMaxConnections or SuspendAccepting or ResumeAccepting:
                if (_gate.Apply(message) is { } error)
                {
                    Sender.Tell(new Status.Failure(error));
                    return true;
                }
                Log.Info("Server on {Address}: {Change} (serving {Requests})", Admission.Describe(BoundAddress), message, _requests.Count);
                if (!_gate.Admits(_requests.Count)) CancelReceiveInFlight();
                else if (_receiveCancel is not null) ReceiveNext();
                break;
            default:
                return false;
        }
        Sender.Tell(Settings.Counters.Snapshot(_requests.Count, _gate.MaxConnections, _gate.Suspended, PendingCount, _circuit.State) with { State = _state });
        return true;
    }

    private static TimeSpan? Shorter(TimeSpan? a, TimeSpan? b)
        => a is null ? b : b is null ? a : a < b ? a : b;
}
