using ActorSockets.Connections;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>The state of a server's circuit breaker (<see cref="ServerStats.CircuitState"/>; the
/// gauge <c>actorsockets.server.circuit_state</c> reports the number).</summary>
public enum CircuitState
{
    /// <summary>Serving as usual (also when no breaker is set).</summary>
    Closed = 0,
    /// <summary>Too many handler failures: each new connection is sent the refuse-reply and closed.</summary>
    Open = 1,
    /// <summary>The reset timeout passed: one connection is served as a probe; others are refused meanwhile.</summary>
    HalfOpen = 2,
}

/// <summary>Request → its listener: a handler failed (sent only when a circuit breaker is set;
/// the sender is the request's actor).</summary>
internal sealed record HandlerFailureSeen : IDeadLetterSuppression
{
    public static readonly HandlerFailureSeen Instance = new();
}

/// <summary>
/// The listener's circuit breaker (<see cref="CircuitBreakerOptions"/>), Akka's
/// <c>CircuitBreaker</c> applied to arrivals: closed, it counts handler failures across the server
/// and opens past <c>MaxFailures</c> within <c>Within</c>; open, it refuses every arrival until
/// the listener tells it the reset timeout passed; half-open, it lets one arrival through, whose
/// handler ending without a failure closes it and failing opens it again. The listener owns the
/// timer and the log; this class only decides. Used only from the listener actor.
/// </summary>
internal sealed class ListenerCircuit(CircuitBreakerOptions options)
{
    private readonly RecentEvents _failures = new(options.Within);
    private IActorRef? _probe;
    private bool _probeFailed;

    public CircuitState State { get; private set; } = CircuitState.Closed;

    /// <summary>Whether a breaker is set at all.</summary>
    public bool Enabled => options.MaxFailures is not null;

    /// <summary>Handler failures counted in the window now.</summary>
    public int Failures => _failures.Count;

    /// <summary>Whether an arrival is to be refused now (open, or half-open with its probe under way).</summary>
    public bool Refuses => State == CircuitState.Open || (State == CircuitState.HalfOpen && _probe is not null);

    /// <summary>The request actor just started for an arrival that was not refused: half-open, it is the probe.</summary>
    public void Started(IActorRef request)
    {
        if (State != CircuitState.HalfOpen || _probe is not null) return;
        _probe = request;
        _probeFailed = false;
    }

    /// <summary>A handler failed at <paramref name="now"/> (in <paramref name="request"/>, when known).
    /// Returns the new state when this failure changed it: Open.</summary>
    public CircuitState? Failed(IActorRef? request, DateTime now)
    {
        if (!Enabled) return null;
        if (State == CircuitState.HalfOpen)
        {
            if (request is not null && request.Equals(_probe)) _probeFailed = true;
            return null;
        }
        if (State == CircuitState.Open) return null;
        if (_failures.Add(now) < options.MaxFailures) return null;
        return Open();
    }

    /// <summary>The reset timeout passed: half-open.</summary>
    public void ResetTimeoutPassed()
    {
        if (State != CircuitState.Open) return;
        State = CircuitState.HalfOpen;
        _probe = null;
    }

    /// <summary>A request actor ended. Returns the new state when it was the probe: Closed on
    /// success, Open when its handler failed.</summary>
    public CircuitState? Ended(IActorRef request)
    {
        if (State != CircuitState.HalfOpen || !request.Equals(_probe)) return null;
        _probe = null;
        if (_probeFailed) return Open();
        State = CircuitState.Closed;
        _failures.Clear();
        return State;
    }

    private CircuitState Open()
    {
        State = CircuitState.Open;
        _failures.Clear();
        _probe = null;
        return State;
    }
}
