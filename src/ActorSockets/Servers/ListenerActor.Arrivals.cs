using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

// The listener's arrivals: taking the next request from the socket (one receive in flight,
// at once when the kernel already has one, else asynchronously), and admitting and starting
// each one (socketserver's get_request, verify_request and process_request). The states that
// decide when to ask for the next request are in ListenerActor.cs.
internal abstract partial class ListenerActor<TRequest>
{
    private void TookArrival(Arrived arrived)
    {
        if (arrived.FromSocket) _receiveInFlight = false;
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
        // ECONNABORTED, EMFILE and friends must not end the server: log, wait a little, go on.
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
        Settings.Counters.Count(ServerEvent.Received);
        if (!IsServable(request))
        {
            Discard(request);
            return null;
        }
        var client = ClientOf(request);
        if (Admission.Refusal(Options, Hooks, client) is { } why)
        {
            Settings.Counters.Count(ServerEvent.Refused);
            Log.Debug("Refused {Client}: {Reason}", Admission.Describe(client), why);
            Settings.Metrics.ConnectionRefused();
            Discard(request);
            return null;
        }
        long id = ++_requestCount;
        var info = new RequestInfo(Admission.Describe(client), _boundDescription, $"handler-{id}", Self)
        {
            RemoteEndPoint = client, LocalEndPoint = LocalOf(request),
        };
        var actor = StartRequest(request, _socket!, info, id);
        if (WatchesRequests) Context.Watch(actor);
        _requests.Add(actor);
        Settings.Counters.Count(ServerEvent.Accepted);
        Log.Debug("Accepted {Client} as {Handler}", info.ClientAddress, info.HandlerName);
        return actor;
    }
}
