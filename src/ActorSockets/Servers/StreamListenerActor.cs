using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Servers;

/// <summary>
/// The listener of a TCP or Unix stream server (socketserver's <c>TCPServer</c>,
/// <c>UnixStreamServer</c>): accepts, admits, and starts one <see cref="StreamConnectionActor"/>
/// per accepted socket. The serve/handle-one/shutdown/close states are
/// <see cref="ListenerActor{TRequest}"/>'s; in sync mode the next client is accepted only after
/// the previous connection ended, in threading mode at once. With TLS or the PROXY protocol on,
/// a connection is served only once its ClientHello or header has come; until then it is
/// pending and holds no connection slot (StreamListenerActor.Pending.cs).
/// </summary>
internal sealed partial class StreamListenerActor(ServerOptions options, ServerHooks hooks, HandlerPlacement launcher)
    : ListenerActor<Socket>(options, hooks, launcher)
{
    protected override Task<Socket> ReceiveNextAsync(Socket socket, CancellationToken cancel)
        => socket.AcceptAsync(cancel).AsTask();

    /// <summary>Every accepted socket is a descriptor until its connection ends.</summary>
    protected override bool HoldsDescriptors => true;

    protected override EndPoint? ClientOf(Socket client) => ProxiedClient(client) ?? client.RemoteEndPoint;

    protected override EndPoint? LocalOf(Socket client) => ProxiedDestination(client) ?? client.LocalEndPoint;

    protected override IActorRef StartRequest(Socket client, Socket listening, RequestInfo info, long id)
    {
        ForgetProxied(client);
        _ready.Remove(client);
        if (Options.NoDelay && client.ProtocolType == ProtocolType.Tcp) client.NoDelay = true;
        Settings.Metrics.ConnectionQueued(); // until the connection actor starts (ConnectionOpened)
        var name = $"conn-{id}";
        if (Settings.Placement.TryServeElsewhere(Context, name, client, info, Settings) is { } elsewhere) return elsewhere;
        var props = Settings.Placement.StreamRequestProps(client, info, Settings) // forking: a worker takes the socket
            ?? new Props(CompactMailbox.ConnectionDeploymentFor(Settings), typeof(StreamConnectionActor), client, info, Settings);
        return Context.ActorOf(props, name);
    }

    /// <summary>Connections are children: the supervisor strategy reports each one's stop, which
    /// arrives as a <see cref="ChildStopped"/>. Death-watch would keep a set in every
    /// connection actor, held as long as the connection (measured with a heap dump of 10,000
    /// idle connections: about 0.4 KB each with both watches).</summary>
    protected override bool WatchesRequests => false;

    protected override SupervisorStrategy SupervisorStrategy() => ChildStopTelling.Default();

    protected override void DrainRequests(IReadOnlyCollection<IActorRef> requests)
    {
        foreach (var connection in requests) connection.Tell(Drain.Instance);
    }

    /// <summary>The refuse-reply, written in the clear: a TLS client would read it as a broken
    /// handshake, so a TLS server closes without it.</summary>
    private byte[]? _refuseReply;

    protected override void RefuseOpen(Socket client)
    {
        ForgetProxied(client);
        _ready.Remove(client);
        Refusal.Refuse(client, _refuseReply ??= Options.Tls is null ? Refusal.ReplyOf(Options) : []);
    }

    protected override void Discard(Socket client)
    {
        ForgetProxied(client);
        _ready.Remove(client);
        try { client.Shutdown(SocketShutdown.Both); }
        catch (SocketException) { /* the client already left */ }
        client.Dispose();
    }
}
