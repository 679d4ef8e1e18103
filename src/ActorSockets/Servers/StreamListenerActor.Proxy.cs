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
internal sealed partial class StreamListenerActor
{
    private sealed record ProxyHeaderFailed(string Peer, string Error) : IDeadLetterSuppression;

    private readonly ConcurrentDictionary<Socket, (IPEndPoint Client, IPEndPoint? Destination)> _proxiedClients = new();
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
        _ = ProxyProtocolReader.ReadAsync(client, Options.ProxyProtocol, Options.ProxyProtocolTimeout).ContinueWith(t =>
        {
            var outcome = t.Result;
            if (outcome.Ok)
            {
                if (outcome.Client is not null) _proxiedClients[client] = (outcome.Client, outcome.Destination);
                if (_headersRead.Writer.TryWrite(client)) return;
                ForgetProxied(client); // the listener has stopped
            }
            else _self.Tell(new ProxyHeaderFailed(Admission.Describe(PeerOf(client)), outcome.Error!));
            client.Dispose();
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    private static EndPoint? PeerOf(Socket socket)
    {
        try { return socket.RemoteEndPoint; }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return null; }
    }

    private IPEndPoint? ProxiedClient(Socket client) => _proxiedClients.TryGetValue(client, out var real) ? real.Client : null;

    private IPEndPoint? ProxiedDestination(Socket client) => _proxiedClients.TryGetValue(client, out var real) ? real.Destination : null;

    private void ForgetProxied(Socket client) => _proxiedClients.TryRemove(client, out _);

    protected override bool ReceiveOther(object message)
    {
        if (message is not ProxyHeaderFailed failed) return false;
        Settings.Metrics.ConnectionRejected("proxy_header");
        Settings.Counters.Record(ServerEvent.ProxyHeaderFailure, Log, $"Connection from {failed.Peer}", $"{failed.Error}; closing");
        return true;
    }

    protected override void PostStop()
    {
        base.PostStop();
        _headersRead.Writer.TryComplete();
        while (_headersRead.Reader.TryRead(out var waiting)) Discard(waiting);
        if (_accept is { IsCompletedSuccessfully: true } accepted) Discard(accepted.Result);
    }
}
