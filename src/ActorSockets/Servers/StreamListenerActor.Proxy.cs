using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Metrics;
using Akka.Event;

namespace ActorSockets.Servers;

// The PROXY protocol: each accepted socket's header is read on its own (asynchronously, within
// ProxyProtocolTimeout) while the socket is pending (StreamListenerActor.Pending.cs) and the
// accept loop goes on, so admission, handlers, logs and metrics see the header's address. A
// malformed, missing or late header closes that connection alone (logged, counted), FIN first.
// Before any byte is read, the socket's peer must pass allow/deny and, to send a header at all,
// be in ProxyProtocolTrusted: otherwise any client could name itself an allowed address.
internal sealed partial class StreamListenerActor
{
    private readonly ConcurrentDictionary<Socket, (IPEndPoint Client, IPEndPoint? Destination)> _proxiedClients = new();

    /// <summary>Judges a pending socket's peer, then reads its header; runs off the actor's thread
    /// once started. Returns the header's outcome, or a refusal of the peer itself
    /// (<c>RefusedPeer</c> is then its reason).</summary>
    private async Task<(ProxyProtocolReader.Outcome Header, string? RefusedPeer)> ReadHeaderAsync(Socket client)
    {
        var peer = PeerOf(client);
        if (Admission.NetworkRefusal(Options, peer) is { } refusal) return (default, refusal);
        bool trusted = Admission.IsTrustedProxy(Options, peer);
        if (!trusted && Options.ProxyProtocol == ProxyProtocolMode.On)
            return (new(false, null, "not in proxy-protocol-trusted, so it may not send the PROXY header this server requires"), null);
        return (await ProxyProtocolReader.ReadAsync(client, Options.ProxyProtocol, Options.ProxyProtocolTimeout, trusted), null);
    }

    /// <summary>Called on the actor's thread when a pending socket's header was read.</summary>
    private void HeaderRead(Socket client, IPEndPoint? real, IPEndPoint? destination)
    {
        if (real is not null) _proxiedClients[client] = (real, destination);
    }

    /// <summary>Called on the actor's thread when a pending socket's header failed; the caller
    /// drops it, after this has closed its sending side.</summary>
    private void HeaderFailed(Socket client, string error)
    {
        Settings.Metrics.ConnectionRejected("proxy_header");
        Settings.Counters.Record(ServerEvent.ProxyHeaderFailure, Log, $"Connection from {Admission.Describe(PeerOf(client))}", $"{error}; closing");
        FinFirst(client);
    }

    /// <summary>Called on the actor's thread when a pending socket's own peer is refused by
    /// allow/deny, before its header is read; as the listener refuses a client by address. The
    /// caller drops it.</summary>
    private void PeerRefused(Socket client, string reason)
    {
        Settings.Counters.Count(ServerEvent.Refused);
        Log.Debug("Refused {Client}: {Reason}", Admission.Describe(PeerOf(client)), reason);
        Settings.Metrics.ConnectionRefused();
        FinFirst(client);
    }

    /// <summary>Sends FIN on a connection that is not served and takes what it sent: bytes no one
    /// read (a header only peeked at, data after it) would make the kernel answer the close with a
    /// reset.</summary>
    private static void FinFirst(Socket client)
    {
        try
        {
            client.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            for (int i = 0; i < 16 && client.Available > 0; i++) client.Receive(sink); // bounded: at most 64 KiB
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { /* the client already left */ }
    }

    private static EndPoint? PeerOf(Socket socket)
    {
        try { return socket.RemoteEndPoint; }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return null; }
    }

    private IPEndPoint? ProxiedClient(Socket client) => _proxiedClients.TryGetValue(client, out var real) ? real.Client : null;

    private IPEndPoint? ProxiedDestination(Socket client) => _proxiedClients.TryGetValue(client, out var real) ? real.Destination : null;

    private void ForgetProxied(Socket client) => _proxiedClients.TryRemove(client, out _);
}
