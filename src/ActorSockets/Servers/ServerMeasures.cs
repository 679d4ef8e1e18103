using System.Net.Sockets;
using ActorSockets.Metrics;

namespace ActorSockets.Servers;

/// <summary>What a server's <see cref="ServerMetrics"/> and <see cref="ServerStats"/> are made
/// of: its options (the instruments' tags) and its <see cref="ServerCounters"/>.</summary>
internal static class ServerMeasures
{
    /// <summary>The instruments of a server named <paramref name="serverName"/> with <paramref name="options"/>.</summary>
    public static ServerMetrics For(string serverName, ServerOptions options)
        => new(serverName, TransportOf(options), options.Endpoint);

    /// <summary>OpenTelemetry's <c>network.transport</c> value for a server's socket.</summary>
    public static string TransportOf(ServerOptions options)
        => options.Endpoint is UnixDomainSocketEndPoint ? "unix" : options.Kind == SocketKind.Datagram ? "udp" : "tcp";

    /// <summary>The server's stats now: its counters, with its listener's state.</summary>
    public static ServerStats Snapshot(this ServerCounters counters, int active, int? maxConnections, bool suspended, int pendingHandshakes = 0,
        CircuitState circuit = CircuitState.Closed) => new(
        active, maxConnections, suspended,
        counters.Total(ServerEvent.Received), counters.Total(ServerEvent.Accepted), counters.Total(ServerEvent.Refused),
        counters.Total(ServerEvent.IdleTimeout), counters.Total(ServerEvent.FirstByteTimeout), counters.Total(ServerEvent.ReadTimeout),
        counters.Total(ServerEvent.RequestDeadline), counters.Total(ServerEvent.WriteLimit), counters.Total(ServerEvent.LineTooLong),
        counters.Total(ServerEvent.OversizeDatagram), counters.Total(ServerEvent.HandlerFailure))
    {
        TlsHandshakeFailures = counters.Total(ServerEvent.TlsHandshakeFailure),
        ProxyHeaderFailures = counters.Total(ServerEvent.ProxyHeaderFailure),
        PendingHandshakes = pendingHandshakes,
        PendingHandshakesClosed = counters.Total(ServerEvent.PendingHandshakeLimit),
        DescriptorLimitRejections = counters.Total(ServerEvent.DescriptorLimit),
        CircuitRefusals = counters.Total(ServerEvent.CircuitOpen),
        HandlerRestarts = counters.Total(ServerEvent.HandlerRestart),
        CircuitState = circuit,
    };
}
