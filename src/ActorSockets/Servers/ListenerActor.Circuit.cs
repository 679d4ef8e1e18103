using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

// The listener's circuit breaker (supervision.circuit-breaker): ListenerCircuit decides, this
// part refuses arrivals while it is open, runs its reset timer, and logs and measures each
// transition once. Connections already being served are never touched.
internal abstract partial class ListenerActor<TRequest>
{
    /// <summary>Turns away a request the open breaker refuses: streams write the refuse-reply
    /// before closing; a datagram is dropped (its request is not served, nothing is answered).</summary>
    protected virtual void RefuseOpen(TRequest request) => Discard(request);

    private void RefuseByCircuit(TRequest request)
    {
        Settings.Counters.Count(ServerEvent.CircuitOpen);
        Settings.Metrics.ConnectionRejected(ServerMetrics.ErrorCircuitOpen);
        RefuseOpen(request);
        if (HoldsDescriptors) _descriptors.Release();
    }

    /// <summary>Failure notices and the reset timer, in every state.</summary>
    private bool ReceiveCircuit(object message)
    {
        switch (message)
        {
            case HandlerFailureSeen:
                if (_circuit.Failed(Sender, DateTime.UtcNow) == CircuitState.Open)
                    CircuitOpened("Server on {Address}: circuit breaker open after {Failures} handler failures within {Within}; "
                        + "refusing new connections for {ResetTimeout}", Options.Supervision.CircuitBreaker.MaxFailures!, Options.Supervision.CircuitBreaker.Within);
                return true;
            case CircuitResetTimeout:
                _circuit.ResetTimeoutPassed();
                Log.Info("Server on {Address}: circuit breaker half-open; the next connection is served as a probe", _boundDescription);
                Settings.Metrics.CircuitChanged((int)_circuit.State);
                return true;
            default:
                return false;
        }
    }

    private void CircuitRequestEnded(IActorRef request)
    {
        switch (_circuit.Ended(request))
        {
            case CircuitState.Closed:
                Log.Info("Server on {Address}: circuit breaker closed; the probe connection ended without a failure", _boundDescription);
                Settings.Metrics.CircuitChanged((int)_circuit.State);
                break;
            case CircuitState.Open:
                CircuitOpened("Server on {Address}: circuit breaker open again: the probe connection's handler failed; "
                    + "refusing new connections for {ResetTimeout}");
                break;
        }
    }

    private void CircuitOpened(string template, params object[] details)
    {
        var reset = Options.Supervision.CircuitBreaker.ResetTimeout;
        Log.Warning(template, [_boundDescription, .. details, reset]);
        Settings.Metrics.CircuitChanged((int)_circuit.State);
        Timers.StartSingleTimer(nameof(CircuitResetTimeout), new CircuitResetTimeout(), reset);
    }
}
