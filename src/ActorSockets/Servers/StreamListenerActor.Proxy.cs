using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using ActorSockets.Connections;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

// The PROXY protocol: each accepted socket's header is read on its own (asynchronously, within
// ProxyProtocolTimeout) while the accept loop goes on, and the socket arrives at the listener
// only once its header is read, so admission, handlers, logs and metrics see the header's
// address. A malformed, missing or late header closes that connection alone (logged, counted).
// Before any byte is read, the socket's peer must pass allow/deny and, to send a header at all,
// be in ProxyProtocolTrusted: otherwise any client could name itself a trusted address.
internal sealed partial class StreamListenerActor
{
    private sealed record ProxyHeaderFailed(string Peer, string Error) : IDeadLetterSuppression;

    private sealed record PeerRefused(string Peer, string Reason) : IDeadLetterSuppression;

    private readonly ConcurrentDictionary<Socket, IPEndPoint> _proxiedClients = new();
    private readonly Channel<Socket> _headersRead = Channel.CreateUnbounded<Socket>();
    private Task<Socket>? _accept;        // touched only by the one ReceiveProxiedAsync in flight
    private Task<bool>? _headerWait;
    private IActorRef _self = ActorRefs.Nobody;

    protected override void PreStart()
    {
        _self = Self;
        base.PreStart();
    }

    /// <summary>The next socket whose header has been read; meanwhile keeps accepting, and starts
    /// a header read for each socket accepted.</summary>
    private async Task<Socket> ReceiveProxiedAsync(Socket listening, CancellationToken cancel)
    {
        while (true)
        {
            if (_headersRead.Reader.TryRead(out var ready)) return ready;
            if (_accept is { IsCanceled: true }) _accept = null; // cancelled by an earlier stop
            _accept ??= listening.AcceptAsync(cancel).AsTask();
            if (_headerWait is null || _headerWait.IsCompleted) _headerWait = _headersRead.Reader.WaitToReadAsync(cancel).AsTask();
            var first = await Task.WhenAny(_accept, _headerWait);
            if (first == _accept)
            {
                var accepted = _accept;
                _accept = null;
                ReadHeader(await accepted); // a failed accept throws here, for the listener to retry
            }
            else
            {
                await _headerWait; // throws when cancelled
            }
        }
    }

    private void ReadHeader(Socket client)
    {
        var peer = PeerOf(client);
        if (Admission.NetworkRefusal(Options, peer) is { } refusal)
        {
            _self.Tell(new PeerRefused(Admission.Describe(peer), refusal));
            CloseWithFin(client);
            return;
        }
        bool trusted = Admission.IsTrustedProxy(Options, peer);
        if (!trusted && Options.ProxyProtocol == ProxyProtocolMode.On)
        {
            _self.Tell(new ProxyHeaderFailed(Admission.Describe(peer), "not in proxy-protocol-trusted, so it may not send the PROXY header this server requires"));
            CloseWithFin(client);
            return;
        }
        _ = ProxyProtocolReader.ReadAsync(client, Options.ProxyProtocol, Options.ProxyProtocolTimeout, trusted).ContinueWith(t =>
        {
            var outcome = t.Result;
            if (outcome.Ok)
            {
                if (outcome.Client is not null) _proxiedClients[client] = outcome.Client;
                if (_headersRead.Writer.TryWrite(client)) return;
                ForgetProxied(client); // the listener has stopped
            }
            else _self.Tell(new ProxyHeaderFailed(Admission.Describe(peer), outcome.Error!));
            CloseWithFin(client);
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>Closes a connection that is not served, FIN first: the bytes it sent and no one
    /// read (a header only peeked at, data after it) would make the kernel answer the close with
    /// a reset, so what has arrived is taken first.</summary>
    private void CloseWithFin(Socket client)
    {
        ForgetProxied(client);
        try
        {
            client.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            for (int i = 0; i < 16 && client.Available > 0; i++) client.Receive(sink); // bounded: at most 64 KiB
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { /* the client already left */ }
        client.Dispose();
    }

    private static EndPoint? PeerOf(Socket socket)
    {
        try { return socket.RemoteEndPoint; }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return null; }
    }

    private IPEndPoint? ProxiedClient(Socket client) => _proxiedClients.TryGetValue(client, out var real) ? real : null;

    private void ForgetProxied(Socket client) => _proxiedClients.TryRemove(client, out _);

    protected override bool ReceiveOther(object message)
    {
        switch (message)
        {
            case ProxyHeaderFailed failed:
                Settings.Metrics.ConnectionRejected("proxy_header");
                Settings.Counters.Record(ServerEvent.ProxyHeaderFailure, Log, $"Connection from {failed.Peer}", $"{failed.Error}; closing");
                return true;
            case PeerRefused refused: // as the listener refuses a client by address, before its header
                Settings.Counters.Count(ServerEvent.Received);
                Settings.Counters.Count(ServerEvent.Refused);
                Log.Debug("Refused {Client}: {Reason}", refused.Peer, refused.Reason);
                Settings.Metrics.ConnectionRefused();
                return true;
            default:
                return false;
        }
    }

    protected override void PostStop()
    {
        base.PostStop();
        _headersRead.Writer.TryComplete();
        while (_headersRead.Reader.TryRead(out var waiting)) Discard(waiting);
        if (_accept is { IsCompletedSuccessfully: true } accepted) Discard(accepted.Result);
    }
}
