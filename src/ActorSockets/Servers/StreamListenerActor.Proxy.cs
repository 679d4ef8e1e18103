using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;

namespace ActorSockets.Servers;

// The PROXY protocol: each accepted socket's header is read on its own (asynchronously, within
// ProxyProtocolTimeout) while the socket is pending (StreamListenerActor.Pending.cs) and the
// accept loop goes on, so admission, handlers, logs and metrics see the header's address. A
// malformed, missing or late header closes that connection alone (logged, counted).
internal sealed partial class StreamListenerActor
{
    private readonly ConcurrentDictionary<Socket, IPEndPoint> _proxiedClients = new();

    /// <summary>Reads a pending socket's header; runs off the actor's thread once started.</summary>
    private Task<ProxyProtocolReader.Outcome> ReadHeaderAsync(Socket client)
        => ProxyProtocolReader.ReadAsync(client, Options.ProxyProtocol, Options.ProxyProtocolTimeout);

    /// <summary>Called on the actor's thread when a pending socket's header was read.</summary>
    private void HeaderRead(Socket client, IPEndPoint? real)
    {
        if (real is not null) _proxiedClients[client] = real;
    }

    /// <summary>Called on the actor's thread when a pending socket's header failed; the caller closes it.</summary>
    private void HeaderFailed(Socket client, string error)
    {
        Settings.Metrics.ConnectionRejected("proxy_header");
        Settings.Counters.Record(ServerEvent.ProxyHeaderFailure, Log, $"Connection from {Admission.Describe(PeerOf(client))}", $"{error}; closing");
    }

    private static EndPoint? PeerOf(Socket socket)
    {
        try { return socket.RemoteEndPoint; }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return null; }
    }

    private IPEndPoint? ProxiedClient(Socket client) => _proxiedClients.TryGetValue(client, out var real) ? real : null;

    private void ForgetProxied(Socket client) => _proxiedClients.TryRemove(client, out _);
}
