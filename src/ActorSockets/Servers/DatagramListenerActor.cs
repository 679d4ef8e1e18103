using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>
/// The listener of a UDP or Unix datagram server (socketserver's <c>UDPServer</c>,
/// <c>UnixDatagramServer</c>): receives datagrams, admits each one, and starts one handler per
/// admitted datagram as its own child, sending it <see cref="Setup"/> (carrying the datagram),
/// <see cref="Handle"/> and <see cref="Finish"/>. The handler's connection is a
/// <see cref="DatagramReply"/>, which sends its reply through this listener's socket. This
/// listener supervises the handlers (socketserver's <c>handle_error</c>) and ends a request at
/// its deadline or write limit. The serve/handle-one/shutdown/close states are
/// <see cref="ListenerActor{TRequest}"/>'s; in sync mode the next datagram is taken only after
/// the previous request finished (its reply sent), in threading mode at once, draining the
/// datagrams already queued in the kernel before waiting again.
/// </summary>
internal sealed class DatagramListenerActor : ListenerActor<DatagramListenerActor.Datagram>
{
    /// <summary>One received datagram; <paramref name="Oversize"/> ones carry no data.</summary>
    internal sealed record Datagram(byte[] Data, EndPoint Client, SocketAddress Address, bool Oversize);

    /// <summary>A request is given up on (its reply dropped): count, log and stop its handler.</summary>
    internal sealed record GiveUp(IActorRef Handler, ServerEvent Reason, string Why);

    /// <summary>A kept handler's request is over (<see cref="ReusableHandlerAttribute"/>): its reply
    /// was sent or given up on. Ends it as a handler's Terminated ends an unpooled one.</summary>
    internal sealed record RequestEnded(DatagramReply Reply);

    /// <summary>A pooled request was stopped (the server closing): end it, sending what it wrote.</summary>
    internal sealed record StopRequest(DatagramReply Reply);

    // One byte more than the limit: a datagram that fills it was larger than the limit (the
    // kernel cuts it to the buffer), so it is recognised instead of passing for a whole one.
    private readonly byte[] _buffer;
    private readonly Dictionary<IActorRef, DatagramReply> _replies = [];
    private readonly IActorRefProvider _provider = ((ExtendedActorSystem)Context.System).Provider;
    // Where the datagram being received came from, and the clients seen lately: a client's
    // address and endpoint are made once, not per datagram. Bounded: cleared when full.
    private const int MaxCachedClients = 4096;
    private const int FamilySize = 2;
    private readonly SocketAddress _from;
    private readonly int _fromCapacity;
    private readonly Dictionary<SocketAddress, (SocketAddress Address, EndPoint EndPoint)> _clients = new(AddressBytes.Instance);
    // Handlers kept across datagrams, when the handler says it may be (ReusableHandlerAttribute).
    private DatagramHandlerPool? _pool;

    public DatagramListenerActor(ServerOptions options, ServerHooks hooks, HandlerPlacement launcher)
        : base(options, hooks, launcher)
    {
        _buffer = new byte[options.MaxPacketSize + 1];
        _fromCapacity = SocketAddress.GetMaximumAddressSize(options.Endpoint.AddressFamily);
        _from = new SocketAddress(options.Endpoint.AddressFamily, _fromCapacity);
    }

    /// <summary>Replies in flight go out through the listening socket, so it closes after the drain.</summary>
    protected override bool KeepsSocketWhileDraining => true;

    protected override async Task<Datagram> ReceiveNextAsync(Socket socket, CancellationToken cancel)
    {
        _from.Size = _fromCapacity; // a receive shrinks it to the address it got
        int received = await socket.ReceiveFromAsync(_buffer, SocketFlags.None, _from, cancel);
        return Received(socket, received);
    }

    /// <summary>Takes a datagram already queued in the kernel without waiting. An empty datagram
    /// shows as nothing available and is left to the asynchronous receive.</summary>
    protected override bool TryReceiveNow(Socket socket, [NotNullWhen(true)] out Datagram? datagram)
    {
        datagram = null;
        try
        {
            if (socket.Available == 0) return false;
            _from.Size = _fromCapacity;
            datagram = Received(socket, socket.ReceiveFrom(_buffer, SocketFlags.None, _from));
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false; // the asynchronous receive meets the same condition and reports it
        }
    }

    /// <summary>Copies the datagram in <see cref="_buffer"/> off the socket. Only one receive is
    /// ever under way, so the buffer, <see cref="_from"/> and the client cache are never shared.</summary>
    private Datagram Received(Socket socket, int received)
    {
        bool oversize = received > Options.MaxPacketSize;
        // An unnamed Unix client comes with no address at all; keep just the family, which the
        // buffer still holds, so it reads as the unnamed endpoint.
        if (_from.Size < FamilySize) _from.Size = FamilySize;
        if (!_clients.TryGetValue(_from, out var client))
        {
            if (_clients.Count >= MaxCachedClients) _clients.Clear();
            var address = new SocketAddress(_from.Family, _from.Size);
            _from.Buffer.Span[.._from.Size].CopyTo(address.Buffer.Span);
            client = (address, socket.LocalEndPoint!.Create(address));
            _clients.Add(address, client);
        }
        return new Datagram(oversize ? [] : _buffer.AsSpan(0, received).ToArray(), client.EndPoint, client.Address, oversize);
    }

    protected override EndPoint? ClientOf(Datagram datagram) => datagram.Client;

    protected override EndPoint? LocalOf(Datagram datagram) => BoundAddress;

    protected override bool IsServable(Datagram datagram)
    {
        if (!datagram.Oversize) return true;
        Settings.Counters.Record(ServerEvent.OversizeDatagram, Log, $"Datagram from {Admission.Describe(datagram.Client)}",
            $"larger than MaxPacketSize ({Options.MaxPacketSize} bytes); dropped");
        return false;
    }

    protected override IActorRef StartRequest(Datagram datagram, Socket socket, RequestInfo info, long id)
    {
        bool pooled = Settings.Placement.Reusable;
        var reply = new DatagramReply(socket, datagram.Client, datagram.Address, info, Settings, Self, Log, _provider) { Pooled = pooled };
        var setup = new Setup(info, reply, Options.WriteBufferLimit) { Datagram = datagram.Data, KeepHandler = pooled };
        if (pooled)
        {
            _pool ??= new DatagramHandlerPool(Context, Settings.Placement, info, Environment.ProcessorCount);
            reply.Setup = setup;
            reply.Handler = _pool.Dispatch(reply);
        }
        else reply.Handler = RequestLifecycle.Start(Context, Settings.Placement, setup, reply);
        var request = reply.Request;
        _replies.Add(request, reply);
        reply.Scope.StartDeadline(Settings.Limits, Timers, request);
        return request;
    }

    protected override void Discard(Datagram datagram) { } // nothing to release: it was copied off the socket

    protected override bool ReceiveOther(object message)
    {
        switch (message)
        {
            case GiveUp giveUp:
                Abandon(giveUp.Handler, giveUp.Reason, giveUp.Why);
                return true;
            case RequestScope.DeadlinePassed passed:
                Abandon((IActorRef)passed.Key, ServerEvent.RequestDeadline, RequestScope.DeadlineWhy(Settings.Limits));
                return true;
            case StopRequest stop when _replies.ContainsKey(stop.Reply):
                stop.Reply.Complete(send: true);
                GiveUpPooled(stop.Reply);
                return true;
            case StopRequest or RequestEnded: // already over
                return true;
            default:
                return false;
        }
    }

    private void Abandon(IActorRef request, ServerEvent reason, string why)
    {
        if (!_replies.TryGetValue(request, out var reply)) return; // already over
        reply.Scope.Abandon(Settings, reply.Info, reason, why, Log, errorType: null); // no connection metrics to close
        reply.Complete(send: false);
        if (reply.Pooled) GiveUpPooled(reply);
        else Context.Stop(request);
    }

    /// <summary>Ends a pooled request before its handler finished it: a handler that has taken it
    /// up is stopped (and replaced, the requests queued behind going to its replacement); one
    /// still queued runs later against a finished reply, which drops what it writes.</summary>
    private void GiveUpPooled(DatagramReply reply)
    {
        if (_pool!.HandlerUnderWay(reply) is { } handler) Context.Stop(handler);
        Self.Tell(new RequestEnded(reply)); // ended where the current behaviour is at hand
    }

    /// <summary>Ends a pooled request: for the listener's states it is as if its actor stopped.</summary>
    private bool EndPooled(Receive receive, DatagramReply reply)
    {
        if (!_replies.Remove(reply)) return true; // already over
        reply.Scope.End(Settings, null, Timers, reply);
        _pool!.Ended(reply);
        Context.Unwatch(reply);
        return base.AroundReceive(receive, new ChildStopped(reply));
    }

    /// <summary>A request ends when its handler stops: whatever it wrote and did not send yet
    /// goes out now (socketserver's <c>finish()</c> sends even when <c>handle()</c> raised).
    /// Seen before the base class counts the request as over, in every state.</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        if (message is RequestEnded ended) return EndPooled(receive, ended.Reply);
        if (message is Terminated gone && _pool is not null && _pool.Owns(gone.ActorRef))
        {
            // A kept handler stopped: the request it was serving ends (what it wrote goes out, as
            // finish() sends after handle() raised); the ones queued behind go to its replacement.
            foreach (var underWay in _pool.HandlerGone(gone.ActorRef))
            {
                underWay.Complete(send: true);
                EndPooled(receive, underWay);
            }
            return true;
        }
        if (message is Terminated t && _replies.Remove(t.ActorRef, out var reply))
        {
            reply.Scope.End(Settings, null, Timers, t.ActorRef);
            reply.Complete(send: true);
        }
        return base.AroundReceive(receive, message);
    }

    /// <summary>Handlers are supervised as on every path (<see cref="RequestLifecycle"/>); the server goes on.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => RequestLifecycle.Supervision(Context, (handler, error) =>
    {
        var reply = _replies.TryGetValue(handler, out var own) ? own : _pool?.Current(handler);
        if (reply is { Scope.Ended: false })
        {
            reply.Scope.Fail(Settings, reply.Info, error, Log, Self);
            return;
        }
        // A kept handler between requests, or one whose request already ended.
        var info = reply?.Info ?? new RequestInfo("", Admission.Describe(BoundAddress), handler.Path.Name, Self);
        RequestLifecycle.Report(Settings, info, error, Log, Self);
    });

    /// <summary>Compares addresses by their used bytes only: <see cref="SocketAddress"/>'s own hash
    /// covers its whole buffer, so a receive buffer and a trimmed copy of it would not match.</summary>
    private sealed class AddressBytes : IEqualityComparer<SocketAddress>
    {
        public static readonly AddressBytes Instance = new();

        public bool Equals(SocketAddress? x, SocketAddress? y)
            => x is not null && y is not null && x.Family == y.Family && x.Size == y.Size
               && x.Buffer.Span[..x.Size].SequenceEqual(y.Buffer.Span[..y.Size]);

        public int GetHashCode(SocketAddress address)
        {
            var hash = new HashCode();
            hash.AddBytes(address.Buffer.Span[..address.Size]);
            return hash.ToHashCode();
        }
    }
}
