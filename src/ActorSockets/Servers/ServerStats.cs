namespace ActorSockets.Servers;

/// <summary>Ask a listener for its counters and limits; answered with <see cref="ServerStats"/>
/// (<c>SocketServer.GetStatsAsync</c>).</summary>
public sealed record GetServerStats
{
    /// <summary>The one instance.</summary>
    public static readonly GetServerStats Instance = new();
}

/// <summary>
/// A server's state and counters since it started. Every limit or timeout that ends a
/// connection (or drops a datagram) is counted here and logged; see README "Limits and failure
/// behaviour".
/// </summary>
/// <param name="ActiveConnections">Connections (datagram servers: requests) being served now.</param>
/// <param name="MaxConnections">The connection limit set now (<c>null</c>: none of its own; the
/// mode's limit still applies: 1 in sync mode, <c>Forking.MaxChildren</c> in forking mode).</param>
/// <param name="Suspended">Whether accepting is suspended (<see cref="SuspendAccepting"/>).</param>
/// <param name="Received">Connections accepted from the socket (datagram servers: datagrams
/// received), whether then served or not.</param>
/// <param name="Accepted">Of those, served: admitted, and a handler started.</param>
/// <param name="Refused">Turned away by <c>Allow</c>/<c>Deny</c> or <c>VerifyRequest</c>.</param>
/// <param name="IdleTimeouts">Connections closed by <see cref="ServerOptions.IdleTimeout"/>.</param>
/// <param name="FirstByteTimeouts">Connections closed by <see cref="ServerOptions.FirstByteTimeout"/>.</param>
/// <param name="ReadTimeouts">Handler reads failed by <see cref="ServerOptions.ReadTimeout"/>.</param>
/// <param name="RequestDeadlines">Requests stopped by <see cref="ServerOptions.RequestDeadline"/>.</param>
/// <param name="WriteLimitFailures">Requests failed for passing <see cref="ServerOptions.WriteBufferLimit"/>.</param>
/// <param name="LinesTooLong">Handler reads failed by <see cref="ServerOptions.MaxLineLength"/>.</param>
/// <param name="OversizeDatagrams">Datagrams dropped for passing <see cref="ServerOptions.MaxPacketSize"/>.</param>
/// <param name="HandlerFailures">Handlers that threw (each reported to <c>HandleError</c>).</param>
public sealed record ServerStats(
    int ActiveConnections,
    int? MaxConnections,
    bool Suspended,
    long Received,
    long Accepted,
    long Refused,
    long IdleTimeouts,
    long FirstByteTimeouts,
    long ReadTimeouts,
    long RequestDeadlines,
    long WriteLimitFailures,
    long LinesTooLong,
    long OversizeDatagrams,
    long HandlerFailures)
{
    /// <summary>Where the server is in its life: serving (its socket accepting), draining, or
    /// bound and not serving. A stopped server answers no stats (the ask fails).</summary>
    public ServerState State { get; init; }

    /// <summary>TLS connections closed because their handshake failed or took longer than
    /// <c>Tls.HandshakeTimeout</c>; no handler ran for them.</summary>
    public long TlsHandshakeFailures { get; init; }

    /// <summary>Connections closed because their PROXY protocol header was malformed, missing
    /// (<c>ProxyProtocol = On</c>) or late; no handler ran for them.</summary>
    public long ProxyHeaderFailures { get; init; }

    /// <summary>Connections accepted and still waiting for their PROXY header or TLS ClientHello
    /// now (at most <see cref="ServerOptions.MaxPendingHandshakes"/>); they hold no connection slot.</summary>
    public int PendingHandshakes { get; init; }

    /// <summary>Pending connections closed, oldest first, to make room for a newer one past
    /// <see cref="ServerOptions.MaxPendingHandshakes"/> or past the descriptors the process may hold.</summary>
    public long PendingHandshakesClosed { get; init; }

    /// <summary>Connections closed as soon as accepted because the process held all the client
    /// sockets its open-file limit allows (less a reserve for the runtime).</summary>
    public long DescriptorLimitRejections { get; init; }

    /// <summary>Connections sent the refuse-reply and closed, no handler run, because the circuit
    /// breaker (<see cref="ServerOptions.Supervision"/>) was open or half-open with its probe under way.</summary>
    public long CircuitRefusals { get; init; }

    /// <summary>Failed handlers replaced by a fresh one on the same connection
    /// (<c>supervision.on-failure = restart</c>); each failure is in <see cref="HandlerFailures"/> too.</summary>
    public long HandlerRestarts { get; init; }

    /// <summary>The circuit breaker's state now: <see cref="Servers.CircuitState.Closed"/> when none is set.
    /// A health check can report the server unhealthy while it is not closed.</summary>
    public CircuitState CircuitState { get; init; }
}

/// <summary>Where a server is in its life (<see cref="ServerStats.State"/>).</summary>
public enum ServerState
{
    /// <summary>Its address is not bound yet.</summary>
    Unbound,
    /// <summary>Bound, not serving: the kernel queues clients in the backlog, nobody accepts
    /// them (before <c>ServeForever</c>, after <c>Shutdown</c>).</summary>
    Bound,
    /// <summary>Serving: accepting clients (unless <see cref="ServerStats.Suspended"/>).</summary>
    Serving,
    /// <summary>Closing: the listening socket is released, requests in flight finish (up to the
    /// drain timeout); the server stops once they have.</summary>
    Draining,
}

/// <summary>Set the connection limit at runtime (<c>null</c>: no limit of its own). Lowering it
/// closes nothing: the listener stops accepting until enough connections ended. Answered with
/// <see cref="ServerStats"/>, or a <c>Status.Failure</c> for a limit under 1.</summary>
internal sealed record SetMaxConnections(int? MaxConnections);

/// <summary>Stop accepting (ranch's <c>suspend_listener</c>): connections being served carry on,
/// new clients wait in the listen backlog (datagrams in the socket's buffer). Answered with
/// <see cref="ServerStats"/>.</summary>
internal sealed record SuspendAccepting
{
    /// <summary>The one instance.</summary>
    public static readonly SuspendAccepting Instance = new();
}

/// <summary>Accept again after <see cref="SuspendAccepting"/> (ranch's <c>resume_listener</c>);
/// the clients that waited are served. Answered with <see cref="ServerStats"/>.</summary>
internal sealed record ResumeAccepting
{
    /// <summary>The one instance.</summary>
    public static readonly ResumeAccepting Instance = new();
}
