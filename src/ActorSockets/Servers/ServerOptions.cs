using System.Net;
using System.Net.Sockets;

namespace ActorSockets.Servers;

/// <summary>
/// Everything that configures one server: its address (socketserver's <c>server_address</c>),
/// its mode (the mix-in) and its limits. Immutable; derive variants with <c>with</c>.
/// </summary>
public sealed record ServerOptions
{
    /// <summary>Where to listen: an <see cref="IPEndPoint"/> (port 0 picks a free port) or a
    /// <see cref="UnixDomainSocketEndPoint"/>. socketserver's <c>server_address</c>.</summary>
    public EndPoint Endpoint { get; init; } = new IPEndPoint(IPAddress.Loopback, 0);

    /// <summary>Stream (TCP, Unix stream) or datagram (UDP, Unix datagram).</summary>
    public SocketKind Kind { get; init; } = SocketKind.Stream;

    /// <summary>How requests are processed (socketserver's <c>process_request</c> / mix-in).</summary>
    public ServerMode Mode { get; init; } = ServerMode.Threading;

    /// <summary>Listen backlog, socketserver's <c>request_queue_size</c>. socketserver uses 5;
    /// a modern server wants more so bursts of connects are not refused.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>SO_REUSEADDR before bind (socketserver's <c>allow_reuse_address</c>), so a
    /// restarted server can bind at once while old connections sit in TIME_WAIT.</summary>
    public bool ReuseAddress { get; init; } = true;

    /// <summary>SO_REUSEPORT before bind (socketserver's <c>allow_reuse_port</c>).</summary>
    public bool ReusePort { get; init; }

    /// <summary>TCP_NODELAY on accepted connections (<c>disable_nagle_algorithm</c>).
    /// On by default: request/response protocols suffer from Nagle's delay.</summary>
    public bool NoDelay { get; init; } = true;

    /// <summary>For an IPv6 endpoint: also accept IPv4 clients (dual stack).</summary>
    public bool DualMode { get; init; }

    /// <summary>Longest line a handler may read, newline included; a longer one fails the read
    /// with <see cref="Handlers.LineTooLongException"/> instead of growing memory without bound.</summary>
    public int MaxLineLength { get; init; } = 64 * 1024;

    /// <summary>How long a handler's read may wait for bytes (StreamRequestHandler's
    /// <c>timeout</c>); <c>null</c> waits forever.</summary>
    public TimeSpan? ReadTimeout { get; init; }

    /// <summary>How long <c>HandleRequestAsync</c> waits for a client before calling
    /// <see cref="ServerHooks.HandleTimeout"/> (socketserver's <c>timeout</c>); <c>null</c> waits forever.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Period of the <see cref="ServerHooks.ServiceActions"/> tick while serving
    /// (socketserver's <c>poll_interval</c>).</summary>
    public TimeSpan ServiceInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Whether closing the server waits for requests in flight
    /// (socketserver's <c>block_on_close</c>).</summary>
    public bool BlockOnClose { get; init; } = true;

    /// <summary>How long closing waits for requests in flight before closing their connections.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes a connection may hold unsent for a handler. A handler's writes wait for
    /// the client once half of it is pending, so a client that does not read slows the handler
    /// instead of growing a queue.</summary>
    public int WriteBufferLimit { get; init; } = 256 * 1024;

    /// <summary>Worker processes and limits for <see cref="ServerMode.Forking"/>; ignored in other modes.</summary>
    public Forking.ForkingOptions Forking { get; init; } = new();

    /// <summary>Client networks admitted; empty admits all (checked before <see cref="Deny"/>).</summary>
    public IReadOnlyList<IPNetwork> Allow { get; init; } = [];

    /// <summary>Client networks refused even when <see cref="Allow"/> admits them.</summary>
    public IReadOnlyList<IPNetwork> Deny { get; init; } = [];

    /// <summary>A TCP server on <paramref name="host"/>:<paramref name="port"/> (port 0 picks one).</summary>
    public static ServerOptions Tcp(string host = "127.0.0.1", int port = 0, ServerMode mode = ServerMode.Threading)
        => new() { Endpoint = new IPEndPoint(IPAddress.Parse(host), port), Mode = mode };

    /// <summary>A Unix stream server on a filesystem path.</summary>
    public static ServerOptions UnixStream(string path, ServerMode mode = ServerMode.Threading)
        => new() { Endpoint = new UnixDomainSocketEndPoint(path), Mode = mode };

    /// <summary>Checks every setting and throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (Endpoint is IPEndPoint ip && (ip.Port < 0 || ip.Port > 65535))
            throw Bad(nameof(Endpoint), $"port {ip.Port} is outside 0..65535");
        if (!Enum.IsDefined(Mode)) throw Bad(nameof(Mode), $"unknown mode {Mode}");
        if (Backlog < 1) throw Bad(nameof(Backlog), "must be at least 1");
        if (MaxLineLength < 1) throw Bad(nameof(MaxLineLength), "must be at least 1");
        if (WriteBufferLimit < 1024) throw Bad(nameof(WriteBufferLimit), "must be at least 1024 bytes");
        if (ReadTimeout is { } rt && rt <= TimeSpan.Zero) throw Bad(nameof(ReadTimeout), "must be positive");
        if (Timeout is { } t && t < TimeSpan.Zero) throw Bad(nameof(Timeout), "must not be negative");
        if (ServiceInterval <= TimeSpan.Zero) throw Bad(nameof(ServiceInterval), "must be positive");
        if (DrainTimeout < TimeSpan.Zero) throw Bad(nameof(DrainTimeout), "must not be negative");
        if (Mode == ServerMode.Forking) Forking.Validate();
    }

    internal static ArgumentException Bad(string setting, string why)
        => new($"Invalid server setting '{setting}': {why}.", setting);
}

/// <summary>The socket type a server listens with.</summary>
public enum SocketKind
{
    /// <summary>Connection-oriented: TCP or Unix stream (socketserver's TCPServer, UnixStreamServer).</summary>
    Stream,
    /// <summary>Datagrams: UDP or Unix datagram (UDPServer, UnixDatagramServer).</summary>
    Datagram,
}

/// <summary>How a server processes requests: socketserver's mix-ins.</summary>
public enum ServerMode
{
    /// <summary>One request at a time; the next client waits in the backlog (plain TCPServer).</summary>
    Sync,
    /// <summary>A handler actor per connection, any number at once (ThreadingMixIn).</summary>
    Threading,
    /// <summary>Each request's handler runs in one of a pool of warm worker processes, or on
    /// worker nodes of an Akka.Cluster (ForkingMixIn, without a fork per request).</summary>
    Forking,
}
