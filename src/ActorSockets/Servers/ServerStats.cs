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
