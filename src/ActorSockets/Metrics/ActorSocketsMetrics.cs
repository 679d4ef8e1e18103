using System.Diagnostics.Metrics;

namespace ActorSockets.Metrics;

/// <summary>
/// The library's one <see cref="Meter"/>, <c>ActorSockets</c>, and its instruments, named after
/// the OpenTelemetry semantic conventions in the shape of Kestrel's (<c>kestrel.active_connections</c>,
/// <c>kestrel.connection.duration</c>, ...): dotted lower-case names, UCUM units, counts in curly
/// braces. Every measurement carries the server's name (<see cref="ServerNameTag"/>),
/// <c>network.transport</c>, <c>server.address</c> and <c>server.port</c> (the bound address; a
/// Unix socket's path and no port) and <c>network.type</c> (<c>ipv4</c>/<c>ipv6</c>; none for Unix
/// sockets). Listen with a <see cref="MeterListener"/>, OpenTelemetry's
/// <c>AddMeter("ActorSockets")</c>, or <c>dotnet-counters</c>.
/// </summary>
public static class ActorSocketsMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ActorSockets";

    /// <summary>Tag: the server's name (its HOCON name in hosting, else the listener actor's name).</summary>
    public const string ServerNameTag = "actorsockets.server.name";

    /// <summary>Tag: <c>tcp</c>, <c>udp</c> or <c>unix</c> (OpenTelemetry's <c>network.transport</c>).</summary>
    public const string TransportTag = "network.transport";

    /// <summary>Tag: the address the server is bound to (a Unix socket's path).</summary>
    public const string AddressTag = "server.address";

    /// <summary>Tag: the port the server is bound to (absent for Unix sockets).</summary>
    public const string PortTag = "server.port";

    /// <summary>Tag: <c>ipv4</c> or <c>ipv6</c> (absent for Unix sockets).</summary>
    public const string NetworkTypeTag = "network.type";

    /// <summary>Tag on <see cref="ConnectionDuration"/>: why a connection failed (absent when it did not):
    /// <c>handler_error</c> (its handler threw) or <c>aborted</c> (cut off: a limit, an
    /// <c>Abort</c>, the drain deadline, the peer resetting it).</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>Tag on <see cref="NetworkIo"/>: <c>receive</c> or <c>transmit</c>.</summary>
    public const string DirectionTag = "network.io.direction";

    /// <summary>Tag on <see cref="LimitEvents"/>: which limit (see <see cref="LimitEvents"/>).</summary>
    public const string ReasonTag = "reason";

    /// <summary>UpDownCounter: connections being served now (stream servers).</summary>
    public const string ActiveConnections = "actorsockets.active_connections";

    /// <summary>UpDownCounter: connections accepted from the listening socket whose connection actor
    /// has not started serving them yet. Clients still in the kernel's listen backlog (while
    /// <c>max-connections</c>, <c>max-children</c> or <c>SuspendAccepting</c> hold accepting) are
    /// invisible to the process and not counted.</summary>
    public const string QueuedConnections = "actorsockets.queued_connections";

    /// <summary>Counter: connections (datagram servers: datagrams) turned away before a handler ran: by the allow/deny
    /// lists or VerifyRequest, or, tagged <c>error.type</c>: <c>tls_handshake</c>, <c>proxy_header</c> (a connection whose TLS
    /// handshake or PROXY header failed), <c>pending_handshake_limit</c> (the oldest connection still waiting for its PROXY
    /// header or ClientHello, closed past <c>max-pending-handshakes</c>), <c>descriptor_limit</c> (closed as soon as accepted:
    /// the process held all the client sockets its open-file limit allows), <c>circuit_open</c> (refused with the refuse-reply
    /// while the circuit breaker is open), <c>no_worker</c> (refused so while no forking worker process lives).</summary>
    public const string RejectedConnections = "actorsockets.rejected_connections";

    /// <summary>Histogram: seconds from accepting a connection to closing it; <c>error.type</c> when it failed.</summary>
    public const string ConnectionDuration = "actorsockets.connection.duration";

    /// <summary>Counter: bytes received from and sent to clients, by <c>network.io.direction</c>.</summary>
    public const string NetworkIo = "actorsockets.network.io";

    /// <summary>Counter: limits and timeouts that ended a connection or a read, or dropped a datagram,
    /// by <c>reason</c>: <c>idle_timeout</c>, <c>first_byte_timeout</c>, <c>read_timeout</c>,
    /// <c>request_deadline</c>, <c>write_limit</c>, <c>line_too_long</c>, <c>oversize_datagram</c>
    /// (the limit counters of <c>ServerStats</c>).</summary>
    public const string LimitEvents = "actorsockets.limit_events";

    /// <summary>Gauge: a server's circuit breaker, 0 closed, 1 open, 2 half-open (recorded for
    /// servers that set one, at bind and at each change).</summary>
    public const string CircuitState = "actorsockets.server.circuit_state";

    /// <summary>Counter: failed handlers replaced by a fresh one on the same connection (<c>supervision.on-failure = restart</c>).</summary>
    public const string HandlerRestarts = "actorsockets.handler_restarts";

    /// <summary>UpDownCounter: worker processes alive (forking mode).</summary>
    public const string WorkersAlive = "actorsockets.workers.alive";

    internal static readonly Meter Meter = new(MeterName, typeof(ActorSocketsMetrics).Assembly.GetName().Version?.ToString());

    internal static readonly UpDownCounter<long> Active = Meter.CreateUpDownCounter<long>(
        ActiveConnections, "{connection}", "Connections being served now");

    internal static readonly UpDownCounter<long> Queued = Meter.CreateUpDownCounter<long>(
        QueuedConnections, "{connection}", "Connections accepted and waiting for their connection actor to start");

    internal static readonly Counter<long> Rejected = Meter.CreateCounter<long>(
        RejectedConnections, "{connection}",
        "Connections turned away before a handler ran: by the allow/deny lists or VerifyRequest, or (with error.type) a failed TLS handshake or PROXY header, a pending handshake past its budget, no descriptor to spare, an open circuit breaker, or no worker alive");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram(
        ConnectionDuration, "s", "Time from accepting a connection to closing it",
        tags: null, advice: new InstrumentAdvice<double>
        {
            // Kestrel's boundaries for connection durations in seconds.
            HistogramBucketBoundaries = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
        });

    internal static readonly Counter<long> Io = Meter.CreateCounter<long>(
        NetworkIo, "By", "Bytes received from and sent to clients");

    internal static readonly Counter<long> Limits = Meter.CreateCounter<long>(
        LimitEvents, "{event}", "Limits and timeouts that ended a connection or a read, or dropped a datagram");

    internal static readonly Gauge<int> Circuit = Meter.CreateGauge<int>(
        CircuitState, "{state}", "The server's circuit breaker: 0 closed, 1 open, 2 half-open");

    internal static readonly Counter<long> Restarts = Meter.CreateCounter<long>(
        HandlerRestarts, "{restart}", "Failed handlers replaced by a fresh one on the same connection");

    internal static readonly UpDownCounter<long> Workers = Meter.CreateUpDownCounter<long>(
        WorkersAlive, "{process}", "Worker processes alive (forking mode)");
}
