using System.Net;
using System.Net.Sockets;
using ActorSockets.Handlers;

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

    /// <summary>An open listening socket to serve on instead of binding <see cref="Endpoint"/>
    /// (Kestrel's <c>ListenHandle</c>): one systemd passed (<see cref="SocketActivation"/> sets it)
    /// or one a predecessor handed over. Its type (stream, datagram) and family (IP, Unix) must be
    /// those of <see cref="Kind"/> and <see cref="Endpoint"/>; the server owns it from then on and
    /// closes it, but never removes its Unix path (the manager that made it owns that).
    /// <c>null</c> (the default): bind.</summary>
    public int? ListenDescriptor { get; init; }

    /// <summary>Stream (TCP, Unix stream) or datagram (UDP, Unix datagram).</summary>
    public SocketKind Kind { get; init; } = SocketKind.Stream;

    /// <summary>How requests are processed (socketserver's <c>process_request</c> / mix-in).</summary>
    public ServerMode Mode { get; init; } = ServerMode.Threading;

    /// <summary>Listen backlog, socketserver's <c>request_queue_size</c>. socketserver uses 5;
    /// a modern server wants more so bursts of connects are not refused.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>SO_REUSEADDR before bind (socketserver's <c>allow_reuse_address</c>). <c>null</c>
    /// (the default) means on for streams, so a restarted server can bind at once while old
    /// connections sit in TIME_WAIT, and off for datagrams, because on Linux it lets a second
    /// UDP server bind the same port and take some of its datagrams.</summary>
    public bool? ReuseAddress { get; init; }

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

    /// <summary>Connections served at once (ranch's <c>max_connections</c>, Kestrel's
    /// <c>MaxConcurrentConnections</c>). At the limit the listener stops accepting: further
    /// clients wait in the listen backlog and are accepted as connections close, never accepted
    /// and dropped. <c>null</c> (the default): no limit of its own; sync mode still serves one at
    /// a time and forking mode <c>Forking.MaxChildren</c>, and the smaller limit wins. On a
    /// datagram server it bounds the requests in flight (further datagrams wait in the socket's
    /// buffer). Changed at runtime with <c>SocketServer.SetMaxConnectionsAsync</c>.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>Streams: a connection on which no byte was received and no write completed for
    /// this long is closed, whatever its handler is doing (a client that sends nothing and reads
    /// nothing is let go). Bytes waiting for the handler to read count as activity.
    /// <c>null</c> (the default) never closes an idle connection, as socketserver.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Streams: a client that has sent no byte this long after connecting is closed,
    /// against slowloris clients that connect and wait. Leave it <c>null</c> (the default) for
    /// protocols where the server speaks first and the client may take its time.</summary>
    public TimeSpan? FirstByteTimeout { get; init; }

    /// <summary>Longest a request may take, from accept (or a datagram's arrival) to its
    /// handler's end: past it the handler is stopped and the connection closed (a datagram
    /// request's reply is dropped). <c>null</c> (the default): no deadline.</summary>
    public TimeSpan? RequestDeadline { get; init; }

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

    /// <summary>What a handler failure does to its connection and to the server (restart budget,
    /// circuit breaker); the default closes the failed handler's connection and nothing more.</summary>
    public SupervisionOptions Supervision { get; init; } = new();

    /// <summary>Worker processes and limits for <see cref="ServerMode.Forking"/>; ignored in other modes.</summary>
    public Forking.ForkingOptions Forking { get; init; } = new();

    /// <summary>Largest datagram a datagram server takes (socketserver's <c>max_packet_size</c>,
    /// 8192). A larger one is never handed to a handler cut short: it is dropped, logged as a
    /// warning and counted (<see cref="ServerStats.OversizeDatagrams"/>).</summary>
    public int MaxPacketSize { get; init; } = 8192;

    /// <summary>File permissions set on a Unix socket path right after bind (connecting needs
    /// write permission); <c>null</c> leaves what the process umask gives.</summary>
    public UnixFileMode? UnixSocketMode { get; init; }

    /// <summary>Client networks admitted; empty admits all (checked before <see cref="Deny"/>).</summary>
    public IReadOnlyList<IPNetwork> Allow { get; init; } = [];

    /// <summary>Client networks refused even when <see cref="Allow"/> admits them.</summary>
    public IReadOnlyList<IPNetwork> Deny { get; init; } = [];

    /// <summary>TLS for a stream server (TCP or Unix); null: plain. Datagram servers refuse it.</summary>
    public Tls.TlsOptions? Tls { get; init; }

    /// <summary>Whether connections start with a PROXY protocol (v1 or v2) header naming the real
    /// client, as a load balancer sends it; TCP only.</summary>
    public ProxyProtocolMode ProxyProtocol { get; init; } = ProxyProtocolMode.Off;

    /// <summary>How long a client may take to send its PROXY header; past it the connection is closed.</summary>
    public TimeSpan ProxyProtocolTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The peers (load balancers) whose PROXY header is honoured, as networks. A header
    /// rewrites the client address that <see cref="Allow"/>, <see cref="Deny"/>, VerifyRequest and
    /// the logs judge, so only the balancer may send one: with <see cref="ProxyProtocolMode.On"/>
    /// any other peer is closed unread, with <see cref="ProxyProtocolMode.Optional"/> it is served
    /// at its own address, and closed if it starts with a header. Empty (the default) trusts no
    /// one, and is an error while <see cref="ProxyProtocol"/> is not Off: name the balancers, or
    /// <see cref="AnyPeer"/> to trust every peer.</summary>
    public IReadOnlyList<IPNetwork> ProxyProtocolTrusted { get; init; } = [];

    /// <summary>Every IPv4 and IPv6 address (<c>["*"]</c> in configuration): for
    /// <see cref="ProxyProtocolTrusted"/> when only a balancer can reach the port at all.</summary>
    public static IReadOnlyList<IPNetwork> AnyPeer { get; } = [new(IPAddress.Any, 0), new(IPAddress.IPv6Any, 0)];
    /// <summary>Connections accepted but still waiting for their PROXY header or TLS ClientHello, at
    /// most, per server. They hold no connection slot (<see cref="MaxConnections"/>,
    /// <c>Forking.MaxChildren</c>) until they are ready; when one more arrives past this budget the
    /// OLDEST pending one is closed, so sockets that connect and never speak cannot starve served
    /// connections or run the process out of descriptors. Applies only with TLS or the PROXY protocol.</summary>
    public int MaxPendingHandshakes { get; init; } = 512;

    /// <summary>Raise the process's soft open-file limit (<c>RLIMIT_NOFILE</c>) to its hard limit when
    /// the server binds, as Go does at start (Linux). The limit is the process's: the first server that
    /// binds with it on raises it for all. Off leaves the limit the process was started with.</summary>
    public bool RaiseFileLimit { get; init; } = true;

    /// <summary>A TCP server on <paramref name="host"/>:<paramref name="port"/> (port 0 picks one).</summary>
    public static ServerOptions Tcp(string host = "127.0.0.1", int port = 0, ServerMode mode = ServerMode.Threading)
        => new() { Endpoint = new IPEndPoint(IPAddress.Parse(host), port), Mode = mode };

    /// <summary>A Unix stream server on a filesystem path.</summary>
    public static ServerOptions UnixStream(string path, ServerMode mode = ServerMode.Threading)
        => new() { Endpoint = new UnixDomainSocketEndPoint(path), Mode = mode };

    /// <summary>A UDP server on <paramref name="host"/>:<paramref name="port"/> (port 0 picks one);
    /// the default mode makes it socketserver's <c>ThreadingUDPServer</c>.</summary>
    public static ServerOptions Udp(string host = "127.0.0.1", int port = 0, ServerMode mode = ServerMode.Threading)
        => Tcp(host, port, mode) with { Kind = SocketKind.Datagram };

    /// <summary>A Unix datagram server on a filesystem path. Replies reach only clients that
    /// bound a path of their own.</summary>
    public static ServerOptions UnixDatagram(string path, ServerMode mode = ServerMode.Threading)
        => UnixStream(path, mode) with { Kind = SocketKind.Datagram };

    /// <summary>Checks every setting and throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (Endpoint is IPEndPoint ip && (ip.Port < 0 || ip.Port > 65535))
            throw Bad(nameof(Endpoint), $"port {ip.Port} is outside 0..65535");
        if (!Enum.IsDefined(Kind)) throw Bad(nameof(Kind), $"unknown kind {Kind}");
        if (!Enum.IsDefined(Mode)) throw Bad(nameof(Mode), $"unknown mode {Mode}");
        if (ListenDescriptor is { } fd && ListeningSocket.Mismatch(fd, this) is { } mismatch)
            throw Bad(nameof(ListenDescriptor), mismatch);
        int maxPacket = Endpoint is UnixDomainSocketEndPoint ? MaxUnixPacketSize : MaxUdpPacketSize;
        if (MaxPacketSize < 1 || MaxPacketSize > maxPacket)
            throw Bad(nameof(MaxPacketSize), $"must be between 1 and {maxPacket} bytes");
        if (Kind == SocketKind.Datagram && Mode == ServerMode.Forking && MaxPacketSize > ConnectionContract.MaxChunk)
            throw Bad(nameof(MaxPacketSize), $"must be at most {ConnectionContract.MaxChunk} bytes in forking mode, to reach a worker in one message");
        if (UnixSocketMode is not null && Endpoint is not UnixDomainSocketEndPoint)
            throw Bad(nameof(UnixSocketMode), "applies only to a Unix socket path");
        if (Backlog < 1) throw Bad(nameof(Backlog), "must be at least 1");
        if (MaxLineLength < 1) throw Bad(nameof(MaxLineLength), "must be at least 1");
        if (WriteBufferLimit < 1024) throw Bad(nameof(WriteBufferLimit), "must be at least 1024 bytes");
        if (ReadTimeout is { } rt && rt <= TimeSpan.Zero) throw Bad(nameof(ReadTimeout), "must be positive");
        if (MaxConnections is < 1) throw Bad(nameof(MaxConnections), "must be at least 1 (null for no limit)");
        if (IdleTimeout is { } idle && idle <= TimeSpan.Zero) throw Bad(nameof(IdleTimeout), "must be positive");
        if (FirstByteTimeout is { } fb && fb <= TimeSpan.Zero) throw Bad(nameof(FirstByteTimeout), "must be positive");
        if (RequestDeadline is { } rd && rd <= TimeSpan.Zero) throw Bad(nameof(RequestDeadline), "must be positive");
        if (Timeout is { } t && t < TimeSpan.Zero) throw Bad(nameof(Timeout), "must not be negative");
        if (ServiceInterval <= TimeSpan.Zero) throw Bad(nameof(ServiceInterval), "must be positive");
        if (DrainTimeout < TimeSpan.Zero) throw Bad(nameof(DrainTimeout), "must not be negative");
        Supervision.Validate();
        if (Mode == ServerMode.Forking) Forking.Validate();
        if (Tls is not null)
        {
            if (Kind == SocketKind.Datagram)
                throw Bad("Tls.Certificate", "TLS needs a stream server (TCP or Unix stream); a datagram server cannot use it");
            // A handed-off socket's TLS runs in the worker process, which gets its settings as data.
            if (Mode == ServerMode.Forking && Forking.SocketHandoff && Tls.FromCode() is { } fromCode)
                throw Bad($"Tls.{fromCode}", "is an object from code, which forking-mode workers (other processes) cannot be given: " +
                    "use certificate files or StoreCertificate, Forking.SocketHandoff = false (TLS then stays in the listener), or threading mode");
            Tls.Validate();
        }
        if (!Enum.IsDefined(ProxyProtocol)) throw Bad(nameof(ProxyProtocol), $"unknown mode {ProxyProtocol}");
        if (ProxyProtocol != ProxyProtocolMode.Off && (Kind == SocketKind.Datagram || Endpoint is UnixDomainSocketEndPoint))
            throw Bad(nameof(ProxyProtocol), "the PROXY protocol applies only to TCP stream servers, not to UDP or Unix sockets");
        if (ProxyProtocolTimeout <= TimeSpan.Zero) throw Bad(nameof(ProxyProtocolTimeout), "must be positive");
        if (ProxyProtocol != ProxyProtocolMode.Off && ProxyProtocolTrusted.Count == 0)
            throw Bad(nameof(ProxyProtocolTrusted),
                "names no peer, so no PROXY header could be honoured: list the load balancers' networks (e.g. [\"10.0.0.0/8\"]), or [\"*\"] to trust any peer");
        if (MaxPendingHandshakes < 1) throw Bad(nameof(MaxPendingHandshakes), "must be at least 1");
    }

    // The largest UDP payload (IPv6 jumbograms aside), and a cap far above Linux's default
    // Unix datagram limit (the socket buffer, about 200 KiB) that keeps the buffer sane.
    private const int MaxUdpPacketSize = 65535;
    private const int MaxUnixPacketSize = 4 * 1024 * 1024;

    internal static ArgumentException Bad(string setting, string why) => InvalidSetting.Error(setting, why);
}

/// <summary>Whether a TCP server reads a PROXY protocol header before serving a connection.</summary>
public enum ProxyProtocolMode
{
    /// <summary>No header is expected; bytes are the client's.</summary>
    Off,
    /// <summary>Every connection must start with a v1 or v2 header; one without is closed.</summary>
    On,
    /// <summary>A header is read when there is one; connections without are served as they are.</summary>
    Optional,
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
