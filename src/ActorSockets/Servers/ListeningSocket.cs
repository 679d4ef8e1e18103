using System.Net;
using System.Net.Sockets;

namespace ActorSockets.Servers;

/// <summary>
/// Creates and binds a server's socket from its options (socketserver's <c>server_bind</c>
/// and <c>server_activate</c>), and cleans up after it (<c>server_close</c>). A Unix path left
/// behind by a crashed server is replaced; a path a live server listens on is never taken.
/// A socket opened by someone else (<see cref="ServerOptions.ListenDescriptor"/>) is adopted instead.
/// </summary>
internal static class ListeningSocket
{
    /// <summary>Binds (and for streams, listens). Throws <see cref="SocketException"/> or
    /// <see cref="IOException"/> with a message naming the address.</summary>
    public static Socket Open(ServerOptions options)
    {
        if (options.ListenDescriptor is { } fd) return Adopt(fd, options);
        var endpoint = options.Endpoint;
        var type = options.Kind == SocketKind.Stream ? SocketType.Stream : SocketType.Dgram;
        var protocol = endpoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified
            : options.Kind == SocketKind.Stream ? ProtocolType.Tcp : ProtocolType.Udp;
        var socket = new Socket(endpoint.AddressFamily, type, protocol);
        try
        {
            if (endpoint is UnixDomainSocketEndPoint unix) ClaimUnixPath(unix, type);
            else ApplyIpOptions(socket, options);
            Bind(socket, endpoint);
            if (endpoint is UnixDomainSocketEndPoint bound && options.UnixSocketMode is { } mode) SetMode(bound, mode);
            if (type == SocketType.Stream) socket.Listen(options.Backlog);
            else socket.Blocking = false; // datagram replies are sent at once from handlers' threads and must never wait there
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Takes an open socket: checked again (it may have changed hands since the options
    /// were validated), listening if it was only bound, and non-blocking for datagrams as <see cref="Open"/> makes it.</summary>
    private static Socket Adopt(int fd, ServerOptions options)
    {
        if (Mismatch(fd, options) is { } mismatch) throw new IOException(mismatch);
        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        try
        {
            if (socket.SocketType == SocketType.Stream
                && socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection) is 0)
                socket.Listen(options.Backlog);
            if (socket.SocketType == SocketType.Dgram) socket.Blocking = false;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Why descriptor <paramref name="fd"/> cannot serve <paramref name="options"/> (not a
    /// socket, another type or family), or null when it can. Reads the socket's SO_TYPE and
    /// SO_DOMAIN without taking the descriptor.</summary>
    public static string? Mismatch(int fd, ServerOptions options)
    {
        if (fd < 0) return $"descriptor {fd} is not a descriptor";
        SocketType type;
        AddressFamily family;
        try
        {
            using var probe = new Socket(new SafeSocketHandle(fd, ownsHandle: false));
            (type, family) = (probe.SocketType, probe.AddressFamily);
        }
        catch (SocketException e)
        {
            return $"descriptor {fd} is not an open socket ({e.Message})";
        }
        var given = KindName(type, family);
        var wanted = KindName(options.Kind == SocketKind.Stream ? SocketType.Stream : SocketType.Dgram, options.Endpoint.AddressFamily);
        return given == wanted ? null : $"descriptor {fd} is a {given} socket, but the server is configured for {wanted}";
    }

    private static string KindName(SocketType type, AddressFamily family)
        => (type, family) switch
        {
            (SocketType.Stream, AddressFamily.Unix) => "Unix stream",
            (SocketType.Dgram, AddressFamily.Unix) => "Unix datagram",
            (SocketType.Stream, AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) => "TCP",
            (SocketType.Dgram, AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) => "UDP",
            _ => $"{family} {type}",
        };

    /// <summary>Binds, turning the errors an operator meets into plain reasons (the caller names the address).</summary>
    private static void Bind(Socket socket, EndPoint endpoint)
    {
        try
        {
            socket.Bind(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new IOException("the address is already in use (set reuse-port on every server that is to share it)", e);
        }
        catch (SocketException e) when (endpoint is UnixDomainSocketEndPoint unix
                                        && Path.GetDirectoryName(Path.GetFullPath(PathOf(unix))) is { Length: > 0 } folder
                                        && !Directory.Exists(folder))
        {
            throw new IOException($"the folder '{folder}' does not exist", e);
        }
    }

    /// <summary>Closes the socket and removes its Unix path, if it has one.</summary>
    public static void Release(Socket socket, EndPoint? bound)
    {
        socket.Dispose();
        if (bound is UnixDomainSocketEndPoint unix && PathOf(unix) is { Length: > 0 } path)
        {
            try { File.Delete(path); }
            catch (IOException) { /* already gone or not ours to delete: nothing to clean */ }
        }
    }

    /// <summary>The filesystem path of a Unix endpoint ("" for an unnamed one).</summary>
    public static string PathOf(UnixDomainSocketEndPoint endpoint) => endpoint.ToString() ?? "";

    private static void SetMode(UnixDomainSocketEndPoint endpoint, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("UnixSocketMode is not supported on Windows.");
        File.SetUnixFileMode(PathOf(endpoint), mode);
    }

    private static void ApplyIpOptions(Socket socket, ServerOptions options)
    {
        if (options.ReuseAddress ?? options.Kind == SocketKind.Stream)
        {
            // On Linux .NET's SocketOptionName.ReuseAddress sets SO_REUSEPORT as well, which lets a
            // second server bind the same port and silently split the clients: set SO_REUSEADDR alone.
            if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            else socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }
        if (options.ReusePort)
            socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        if (socket.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = options.DualMode;
    }

    private static void ClaimUnixPath(UnixDomainSocketEndPoint endpoint, SocketType type)
    {
        var path = PathOf(endpoint);
        if (path.Length == 0 || !File.Exists(path)) return;
        if (IsLive(endpoint, type))
            throw new IOException($"Unix socket path '{path}' is in use by a running server; refusing to take it over.");
        File.Delete(path); // stale: left behind by a server that did not close
    }

    private static bool IsLive(UnixDomainSocketEndPoint endpoint, SocketType type)
    {
        using var probe = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        try
        {
            probe.Connect(endpoint);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // something answers there in some way: do not delete it
        }
    }

    // SO_REUSEPORT has no SocketOptionName on Linux, and SocketOptionName.ReuseAddress means
    // both options there; these are the Linux values.
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;
    private const int SoReusePort = 15;
}
