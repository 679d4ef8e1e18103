using System.Diagnostics;
using System.Net.Sockets;
using ActorSockets.Servers;
using static ActorSockets.Metrics.ActorSocketsMetrics;

namespace ActorSockets.Metrics;

/// <summary>
/// One server's measurements. Its tags are built once, so recording allocates nothing: the
/// per-operation calls (<see cref="BytesIn"/>, <see cref="BytesOut"/>) are safe on hot paths.
/// </summary>
internal sealed class ServerMetrics
{
    /// <summary>For code paths that have no server (tests of single pieces).</summary>
    public static readonly ServerMetrics Unnamed = new("", "tcp");

    private readonly KeyValuePair<string, object?>[] _tags;

    public ServerMetrics(string serverName, string transport)
    {
        ServerName = serverName;
        _tags = [new(ServerNameTag, serverName), new(TransportTag, transport)];
    }

    public string ServerName { get; }

    /// <summary>The tags for a server named <paramref name="serverName"/> with <paramref name="options"/>.</summary>
    public static ServerMetrics For(string serverName, ServerOptions options)
        => new(serverName, TransportOf(options));

    /// <summary>OpenTelemetry's <c>network.transport</c> value for a server's socket.</summary>
    public static string TransportOf(ServerOptions options)
        => options.Endpoint is UnixDomainSocketEndPoint ? "unix" : options.Kind == SocketKind.Datagram ? "udp" : "tcp";

    public void ConnectionOpened()
    {
        Opened.Add(1, _tags);
        Active.Add(1, _tags);
    }

    public void ConnectionRefused() => Refused.Add(1, _tags);

    /// <summary>A connection failed before a handler ran; <paramref name="errorType"/> says how
    /// (<c>tls_handshake</c>, <c>proxy_header</c>).</summary>
    public void ConnectionRejected(string errorType)
        => Rejected.Add(1, _tags[0], _tags[1], new KeyValuePair<string, object?>(ErrorTypeTag, errorType));

    /// <summary>The connection closed: its request completed or failed, and took this long since
    /// <paramref name="startedTimestamp"/> (a <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void ConnectionClosed(bool failed, long startedTimestamp)
    {
        Active.Add(-1, _tags);
        (failed ? Failed : Completed).Add(1, _tags);
        Duration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, _tags);
    }

    public void BytesIn(int count)
    {
        if (count > 0) Received.Add(count, _tags);
    }

    public void BytesOut(int count)
    {
        if (count > 0) Sent.Add(count, _tags);
    }

    /// <summary>Forking mode: a worker process started.</summary>
    public void WorkerStarted() => Workers.Add(1, _tags);

    /// <summary>Forking mode: a worker process exited.</summary>
    public void WorkerExited() => Workers.Add(-1, _tags);
}
