using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using static ActorSockets.Metrics.ActorSocketsMetrics;

namespace ActorSockets.Metrics;

/// <summary>
/// One server's measurements. Its tag arrays are built once (again when the server binds, to
/// carry the bound address and port), so recording allocates nothing: the per-operation calls
/// (<see cref="BytesIn"/>, <see cref="BytesOut"/>) are safe on hot paths.
/// </summary>
internal sealed class ServerMetrics
{
    /// <summary>The <c>reason</c> value of each limit event.</summary>
    internal static readonly IReadOnlyDictionary<ServerEvent, string> LimitReasons = new Dictionary<ServerEvent, string>
    {
        [ServerEvent.IdleTimeout] = "idle_timeout",
        [ServerEvent.FirstByteTimeout] = "first_byte_timeout",
        [ServerEvent.ReadTimeout] = "read_timeout",
        [ServerEvent.RequestDeadline] = "request_deadline",
        [ServerEvent.WriteLimit] = "write_limit",
        [ServerEvent.LineTooLong] = "line_too_long",
        [ServerEvent.OversizeDatagram] = "oversize_datagram",
    };

    // Declared after LimitReasons: static fields start in order.
    /// <summary>For code paths that have no server (tests of single pieces).</summary>
    public static readonly ServerMetrics Unnamed = new("", "tcp");

    private readonly string _transport;
    private readonly KeyValuePair<string, object?>[] _processTags;
    private volatile Tags _tags;

    public ServerMetrics(string serverName, string transport, EndPoint? endpoint = null)
    {
        ServerName = serverName;
        _transport = transport;
        _processTags = [new(ServerNameTag, serverName), new(TransportTag, transport)];
        _tags = new Tags(serverName, transport, endpoint);
    }

    public string ServerName { get; }

    /// <summary>The server is bound to <paramref name="address"/>: later measurements carry it (port 0 resolved).</summary>
    public void Bound(EndPoint? address)
    {
        if (address is not null) _tags = new Tags(ServerName, _transport, address);
    }

    /// <summary>The listener accepted a connection and handed it to its (not yet started) connection actor.</summary>
    public void ConnectionQueued() => Queued.Add(1, _tags.Base);

    /// <summary>The connection actor started serving a queued connection.</summary>
    public void ConnectionOpened()
    {
        var tags = _tags.Base;
        Queued.Add(-1, tags);
        Active.Add(1, tags);
    }

    public void ConnectionRefused() => Rejected.Add(1, _tags.Base);

    /// <summary>A failed handler was replaced on its connection.</summary>
    public void HandlerRestarted() => Restarts.Add(1, _tags.Base);

    /// <summary>The circuit breaker is in <paramref name="state"/> now (a <c>CircuitState</c>'s value).</summary>
    public void CircuitChanged(int state) => Circuit.Record(state, _tags.Base);

    /// <summary>A connection failed before a handler ran; <paramref name="errorType"/> says how
    /// (<c>tls_handshake</c>, <c>proxy_header</c>, <see cref="ErrorPendingHandshakeLimit"/>, <see cref="ErrorDescriptorLimit"/>).</summary>
    public void ConnectionRejected(string errorType)
        => Rejected.Add(1, [.. _tags.Base, new KeyValuePair<string, object?>(ErrorTypeTag, errorType)]);

    /// <summary>The connection closed, after this long since <paramref name="startedTimestamp"/> (a
    /// <see cref="Stopwatch.GetTimestamp"/>); <paramref name="errorType"/> says why it failed, null when it did not.</summary>
    public void ConnectionClosed(string? errorType, long startedTimestamp)
    {
        var tags = _tags;
        Active.Add(-1, tags.Base);
        var seconds = Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds;
        Duration.Record(seconds, errorType switch
        {
            null => tags.Base,
            ErrorHandler => tags.HandlerError,
            _ => tags.Aborted,
        });
    }

    /// <summary><c>error.type</c> of a rejection: the oldest pending handshake, closed past <c>max-pending-handshakes</c>.</summary>
    public const string ErrorPendingHandshakeLimit = "pending_handshake_limit";

    /// <summary><c>error.type</c> of a rejection: closed as soon as accepted, no descriptor to spare.</summary>
    public const string ErrorDescriptorLimit = "descriptor_limit";

    /// <summary><c>error.type</c> of a rejection: refused with the refuse-reply while the circuit breaker is open.</summary>
    public const string ErrorCircuitOpen = "circuit_open";

    /// <summary><c>error.type</c> of a rejection: refused with the refuse-reply while no forking worker lives.</summary>
    public const string ErrorNoWorker = "no_worker";

    /// <summary><c>error.type</c>: the handler threw.</summary>
    public const string ErrorHandler = "handler_error";

    /// <summary><c>error.type</c>: the connection was cut off before its handler finished.</summary>
    public const string ErrorAborted = "aborted";

    public void BytesIn(long count)
    {
        if (count > 0) Io.Add(count, _tags.Receive);
    }

    public void BytesOut(long count)
    {
        if (count > 0) Io.Add(count, _tags.Transmit);
    }

    /// <summary>A limit or timeout was hit (one of <c>ServerStats</c>' limit counters).</summary>
    public void LimitReached(ServerEvent what)
    {
        if (_tags.ByLimit.TryGetValue(what, out var tags)) Limits.Add(1, tags);
    }

    /// <summary>Forking mode: a worker process started.</summary>
    public void WorkerStarted() => Workers.Add(1, _processTags);

    /// <summary>Forking mode: a worker process exited.</summary>
    public void WorkerExited() => Workers.Add(-1, _processTags);

    /// <summary>Every tag array one server records with, for one address.</summary>
    private sealed class Tags
    {
        public readonly KeyValuePair<string, object?>[] Base;
        public readonly KeyValuePair<string, object?>[] HandlerError;
        public readonly KeyValuePair<string, object?>[] Aborted;
        public readonly KeyValuePair<string, object?>[] Receive;
        public readonly KeyValuePair<string, object?>[] Transmit;
        public readonly Dictionary<ServerEvent, KeyValuePair<string, object?>[]> ByLimit;

        public Tags(string serverName, string transport, EndPoint? endpoint)
        {
            List<KeyValuePair<string, object?>> tags = [new(ServerNameTag, serverName), new(TransportTag, transport)];
            switch (endpoint)
            {
                case IPEndPoint ip:
                    tags.Add(new(AddressTag, ip.Address.ToString()));
                    tags.Add(new(PortTag, ip.Port));
                    tags.Add(new(NetworkTypeTag, ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4"));
                    break;
                case UnixDomainSocketEndPoint unix:
                    tags.Add(new(AddressTag, unix.ToString()));
                    break;
            }
            Base = [.. tags];
            HandlerError = With(ErrorTypeTag, ErrorHandler);
            Aborted = With(ErrorTypeTag, ErrorAborted);
            Receive = With(DirectionTag, "receive");
            Transmit = With(DirectionTag, "transmit");
            ByLimit = LimitReasons.ToDictionary(r => r.Key, r => With(ReasonTag, r.Value));
        }

        private KeyValuePair<string, object?>[] With(string key, string value) => [.. Base, new(key, value)];
    }
}
