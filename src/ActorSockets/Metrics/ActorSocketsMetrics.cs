using System.Diagnostics.Metrics;

namespace ActorSockets.Metrics;

/// <summary>
/// The library's one <see cref="Meter"/>, <c>ActorSockets</c>, and its instruments, named after
/// the OpenTelemetry semantic conventions (dotted lower-case names, UCUM units, counts in
/// curly braces). Every measurement carries the server's name
/// (<see cref="ServerNameTag"/>) and transport (<see cref="TransportTag"/>). Listen with a
/// <see cref="MeterListener"/>, OpenTelemetry's <c>AddMeter("ActorSockets")</c>, or
/// <c>dotnet-counters</c>.
/// </summary>
public static class ActorSocketsMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ActorSockets";

    /// <summary>Tag: the server's name (its HOCON name in hosting, else the listener actor's name).</summary>
    public const string ServerNameTag = "actorsockets.server.name";

    /// <summary>Tag: <c>tcp</c>, <c>udp</c> or <c>unix</c> (OpenTelemetry's <c>network.transport</c>).</summary>
    public const string TransportTag = "network.transport";

    /// <summary>Counter: connections accepted and admitted.</summary>
    public const string ConnectionsOpened = "actorsockets.connections.opened";

    /// <summary>UpDownCounter: connections open now.</summary>
    public const string ConnectionsActive = "actorsockets.connections.active";

    /// <summary>Counter: connections closed at once by the allow/deny lists or VerifyRequest.</summary>
    public const string ConnectionsRefused = "actorsockets.connections.refused";

    /// <summary>Counter: requests whose handler finished normally.</summary>
    public const string RequestsCompleted = "actorsockets.requests.completed";

    /// <summary>Counter: requests whose handler threw, or whose connection failed.</summary>
    public const string RequestsFailed = "actorsockets.requests.failed";

    /// <summary>Counter: bytes received from clients.</summary>
    public const string BytesReceived = "actorsockets.io.received";

    /// <summary>Counter: bytes sent to clients.</summary>
    public const string BytesSent = "actorsockets.io.sent";

    /// <summary>Histogram: seconds from accepting a connection to closing it.</summary>
    public const string RequestDuration = "actorsockets.request.duration";

    /// <summary>UpDownCounter: worker processes alive (forking mode).</summary>
    public const string WorkersAlive = "actorsockets.workers.alive";

    /// <summary>Counter: connections closed before a handler ran because the connection itself
    /// failed: a TLS handshake, a PROXY header. Tagged <c>error.type</c> (<c>tls_handshake</c>, <c>proxy_header</c>).</summary>
    public const string ConnectionsRejected = "actorsockets.connections.rejected";

    /// <summary>Tag on <see cref="ConnectionsRejected"/>: why.</summary>
    public const string ErrorTypeTag = "error.type";

    internal static readonly Meter Meter = new(MeterName, typeof(ActorSocketsMetrics).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> Opened = Meter.CreateCounter<long>(
        ConnectionsOpened, "{connection}", "Connections accepted and admitted");

    internal static readonly UpDownCounter<long> Active = Meter.CreateUpDownCounter<long>(
        ConnectionsActive, "{connection}", "Connections open now");

    internal static readonly Counter<long> Refused = Meter.CreateCounter<long>(
        ConnectionsRefused, "{connection}", "Connections refused by the allow/deny lists or VerifyRequest");

    internal static readonly Counter<long> Completed = Meter.CreateCounter<long>(
        RequestsCompleted, "{request}", "Requests whose handler finished normally");

    internal static readonly Counter<long> Failed = Meter.CreateCounter<long>(
        RequestsFailed, "{request}", "Requests whose handler threw or whose connection failed");

    internal static readonly Counter<long> Received = Meter.CreateCounter<long>(
        BytesReceived, "By", "Bytes received from clients");

    internal static readonly Counter<long> Sent = Meter.CreateCounter<long>(
        BytesSent, "By", "Bytes sent to clients");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram(
        RequestDuration, "s", "Time from accepting a connection to closing it",
        tags: null, advice: new InstrumentAdvice<double>
        {
            // OpenTelemetry's recommended boundaries for request durations in seconds.
            HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
        });

    internal static readonly UpDownCounter<long> Workers = Meter.CreateUpDownCounter<long>(
        WorkersAlive, "{process}", "Worker processes alive (forking mode)");

    internal static readonly Counter<long> Rejected = Meter.CreateCounter<long>(
        ConnectionsRejected, "{connection}", "Connections closed before a handler ran: failed TLS handshake or PROXY header");
}
