namespace ActorSockets.Servers;

/// <summary>
/// What a handler failure does (HOCON <c>supervision { }</c>): to its own connection
/// (<see cref="OnFailure"/>, with OTP's restart intensity: at most <see cref="MaxRestarts"/>
/// within <see cref="Within"/>) and to the server (<see cref="CircuitBreaker"/>). The defaults
/// are socketserver's: a failed handler's connection is closed, and nothing else changes.
/// </summary>
public sealed record SupervisionOptions
{
    /// <summary>What a handler failure does to its connection: <see cref="FailurePolicy.Stop"/>
    /// (the default) closes it; <see cref="FailurePolicy.Restart"/> serves it on with a fresh
    /// handler, within the budget below.</summary>
    public FailurePolicy OnFailure { get; init; } = FailurePolicy.Stop;

    /// <summary>With <see cref="FailurePolicy.Restart"/>: restarts of one connection's handler
    /// allowed within <see cref="Within"/>; the failure past them closes the connection as under
    /// <see cref="FailurePolicy.Stop"/>. 0 restarts never.</summary>
    public int MaxRestarts { get; init; } = 3;

    /// <summary>The window <see cref="MaxRestarts"/> counts in.</summary>
    public TimeSpan Within { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The server-wide circuit breaker over handler failures; off by default.</summary>
    public CircuitBreakerOptions CircuitBreaker { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(OnFailure)) throw ServerOptions.Bad("Supervision.OnFailure", $"unknown policy {OnFailure}");
        if (MaxRestarts < 0) throw ServerOptions.Bad("Supervision.MaxRestarts", "must not be negative");
        if (Within <= TimeSpan.Zero) throw ServerOptions.Bad("Supervision.Within", "must be positive");
        CircuitBreaker.Validate();
    }
}

/// <summary>What a handler failure does to its connection.</summary>
public enum FailurePolicy
{
    /// <summary>The handler is stopped, reported to <c>HandleError</c>, and its connection closed.</summary>
    Stop,
    /// <summary>A fresh handler serves the same connection: it gets the bytes the failed one had
    /// received but not read (bytes it read are not replayed), and its
    /// <c>OnRestartAsync</c> runs first. Datagram servers treat it as <see cref="Stop"/>: each
    /// datagram is a request of its own.</summary>
    Restart,
}

/// <summary>
/// A breaker on the listener (Akka's <c>CircuitBreaker</c>, HOCON
/// <c>supervision.circuit-breaker { }</c>): <see cref="MaxFailures"/> handler failures within
/// <see cref="Within"/> open it; while open, each new connection is accepted, sent
/// <see cref="RefuseReply"/> and closed, and no handler runs; after <see cref="ResetTimeout"/>
/// it is half-open and serves one connection, whose success closes it and failure opens it again.
/// Connections already being served are not touched.
/// </summary>
public sealed record CircuitBreakerOptions
{
    /// <summary>Handler failures within <see cref="Within"/> that open the breaker; <c>null</c>
    /// (the default, HOCON <c>off</c>): no breaker.</summary>
    public int? MaxFailures { get; init; }

    /// <summary>The window <see cref="MaxFailures"/> counts in.</summary>
    public TimeSpan Within { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the breaker stays open before it lets one connection through.</summary>
    public TimeSpan ResetTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Text (sent as UTF-8) written to a client the server refuses while the breaker is
    /// open, or while no forking worker lives, before its connection is closed; "" writes nothing.</summary>
    public string RefuseReply { get; init; } = "";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (MaxFailures is < 1) throw ServerOptions.Bad("Supervision.CircuitBreaker.MaxFailures", "must be at least 1 (null for off)");
        if (Within <= TimeSpan.Zero) throw ServerOptions.Bad("Supervision.CircuitBreaker.Within", "must be positive");
        if (ResetTimeout <= TimeSpan.Zero) throw ServerOptions.Bad("Supervision.CircuitBreaker.ResetTimeout", "must be positive");
        if (RefuseReply is null) throw ServerOptions.Bad("Supervision.CircuitBreaker.RefuseReply", "must not be null (\"\" writes nothing)");
    }
}
