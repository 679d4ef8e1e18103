using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>
/// The listener of a UDP or Unix datagram server (socketserver's <c>UDPServer</c>,
/// <c>UnixDatagramServer</c>): receives datagrams, admits each one, and starts one
/// <see cref="DatagramRequestActor"/> per admitted datagram, which answers through this
/// listener's socket. The serve/handle-one/shutdown/close states are
/// <see cref="ListenerActor{TRequest}"/>'s; in sync mode the next datagram is taken only after
/// the previous request finished (its reply sent), in threading mode at once.
/// </summary>
internal sealed class DatagramListenerActor : ListenerActor<DatagramListenerActor.Datagram>
{
    /// <summary>One received datagram; <paramref name="Oversize"/> ones carry no data.</summary>
    internal sealed record Datagram(byte[] Data, EndPoint Client, bool Oversize);

    // One byte more than the limit: a datagram that fills it was larger than the limit (the
    // kernel cuts it to the buffer), so it is recognised instead of passing for a whole one.
    private readonly byte[] _buffer;

    public DatagramListenerActor(ServerOptions options, ServerHooks hooks, HandlerLauncher launcher)
        : base(options, hooks, launcher) => _buffer = new byte[options.MaxPacketSize + 1];

    /// <summary>Replies in flight go out through the listening socket, so it closes after the drain.</summary>
    protected override bool KeepsSocketWhileDraining => true;

    protected override async Task<Datagram> ReceiveNextAsync(Socket socket, CancellationToken cancel)
    {
        var result = await socket.ReceiveFromAsync(_buffer, SocketFlags.None, socket.LocalEndPoint!, cancel);
        bool oversize = result.ReceivedBytes > Options.MaxPacketSize;
        var data = oversize ? [] : _buffer.AsSpan(0, result.ReceivedBytes).ToArray();
        return new Datagram(data, result.RemoteEndPoint, oversize);
    }

    protected override EndPoint? ClientOf(Datagram datagram) => datagram.Client;

    protected override bool IsServable(Datagram datagram)
    {
        if (!datagram.Oversize) return true;
        Settings.Counters.Record(ServerEvent.OversizeDatagram, Log, $"Datagram from {Admission.Describe(datagram.Client)}",
            $"larger than MaxPacketSize ({Options.MaxPacketSize} bytes); dropped");
        return false;
    }

    protected override IActorRef StartRequest(Datagram datagram, Socket socket, RequestInfo info, long id)
        => Context.ActorOf(Props.Create(typeof(DatagramRequestActor), socket, datagram.Data, datagram.Client, info, Settings),
            $"dgram-{id}");

    protected override void Discard(Datagram datagram) { } // nothing to release: it was copied off the socket
}
