using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>Ask a datagram server's listener for its counters; answered with <see cref="DatagramStats"/>.</summary>
public sealed record GetDatagramStats
{
    /// <summary>The one instance.</summary>
    public static readonly GetDatagramStats Instance = new();
}

/// <summary>A datagram server's counters since it started.</summary>
/// <param name="Received">Datagrams taken from the socket for serving (admitted, refused or dropped).</param>
/// <param name="Oversize">Datagrams dropped because they were larger than <see cref="ServerOptions.MaxPacketSize"/>.</param>
public sealed record DatagramStats(long Received, long Oversize);

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

    private static readonly TimeSpan OversizeWarningInterval = TimeSpan.FromSeconds(1);

    // One byte more than the limit: a datagram that fills it was larger than the limit (the
    // kernel cuts it to the buffer), so it is recognised instead of passing for a whole one.
    private readonly byte[] _buffer;
    private long _received;
    private long _oversize;
    private DateTime _lastOversizeWarning = DateTime.MinValue;

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
        _received++;
        if (!datagram.Oversize) return true;
        _oversize++;
        // A flood of oversize datagrams must not flood the log: one warning a second, the rest at debug.
        var now = DateTime.UtcNow;
        bool warn = now - _lastOversizeWarning >= OversizeWarningInterval;
        if (warn) _lastOversizeWarning = now;
        const string Dropped = "Dropped a datagram from {0}: larger than MaxPacketSize ({1} bytes); {2} dropped so far";
        if (warn) Log.Warning(Dropped, Admission.Describe(datagram.Client), Options.MaxPacketSize, _oversize);
        else Log.Debug(Dropped, Admission.Describe(datagram.Client), Options.MaxPacketSize, _oversize);
        return false;
    }

    protected override IActorRef StartRequest(Datagram datagram, Socket socket, RequestInfo info, long id)
        => Context.ActorOf(Props.Create(() => new DatagramRequestActor(socket, datagram.Data, datagram.Client, info, Settings)),
            $"dgram-{id}");

    protected override void Discard(Datagram datagram) { } // nothing to release: it was copied off the socket

    protected override bool ReceiveOther(object message)
    {
        if (message is not GetDatagramStats) return false;
        Sender.Tell(new DatagramStats(_received, _oversize));
        return true;
    }
}
