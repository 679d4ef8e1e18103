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
/// the previous connection ended, in threading mode at once.
/// </summary>
internal sealed class StreamListenerActor(ServerOptions options, ServerHooks hooks, HandlerLauncher launcher)
    : ListenerActor<Socket>(options, hooks, launcher)
{
    protected override Task<Socket> ReceiveNextAsync(Socket socket, CancellationToken cancel)
        => socket.AcceptAsync(cancel).AsTask();

    protected override EndPoint? ClientOf(Socket client) => client.RemoteEndPoint;

    protected override IActorRef StartRequest(Socket client, Socket listening, RequestInfo info, long id)
    {
        if (Options.NoDelay && client.ProtocolType == ProtocolType.Tcp) client.NoDelay = true;
        var props = Settings.Launcher.StreamRequestProps(client, info, Settings) // forking: a worker takes the socket
            ?? new Props(CompactMailbox.ConnectionDeployment, typeof(StreamConnectionActor), client, info, Settings);
        return Context.ActorOf(props, $"conn-{id}");
    }

    protected override void Discard(Socket client)
    {
        try { client.Shutdown(SocketShutdown.Both); }
        catch (SocketException) { /* the client already left */ }
        client.Dispose();
    }
}
