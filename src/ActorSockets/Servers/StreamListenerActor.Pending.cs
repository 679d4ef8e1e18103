using System.Net;
using System.Net.Sockets;
using ActorSockets.Metrics;
using ActorSockets.Tls;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

// Sockets that must show they are live before they take a connection slot: with the PROXY
// protocol on, their header must be read (StreamListenerActor.Proxy.cs); with TLS, their
// ClientHello must have come. The wait runs off the actor's thread, one per socket, while the
// accept loop goes on; meanwhile the socket is held in PendingHandshakes, a budget of its own
// (max-pending-handshakes, the oldest given up when it is full), and it is served once ready. In
// forking mode this happens here too, before the hand-off: a silent socket never takes one of
// max-children, and the worker's handshake starts with the ClientHello already there.
internal sealed partial class StreamListenerActor
{
    /// <summary>The wait of pending socket <paramref name="Client"/> ended: <paramref name="Error"/>
    /// is null when it is ready; <paramref name="Proxied"/> is its PROXY header's client, if any.</summary>
    private sealed record WaitEnded(Socket Client, IPEndPoint? Proxied, string? Error, bool InTls, bool PeerRefused = false, IPEndPoint? ProxiedTo = null) : IDeadLetterSuppression;

    private readonly HashSet<Socket> _ready = []; // left the pending stage, not yet served or dropped
    private PendingHandshakes<Socket>? _pending;  // null: nothing to wait for (no TLS, no PROXY)

    protected override void PreStart()
    {
        if (Options.Tls is not null || Options.ProxyProtocol != ProxyProtocolMode.Off)
            _pending = new PendingHandshakes<Socket>(Options.MaxPendingHandshakes);
        base.PreStart();
    }

    protected override int PendingCount => _pending?.Count ?? 0;

    protected override bool Defer(Socket client)
    {
        if (_pending is null || _ready.Contains(client)) return false;
        if (_pending.Add(client) is { } oldest)
            GiveUp(oldest, $"more than {Options.MaxPendingHandshakes} connections waiting for their {Awaited}");
        var self = Self;
        WaitUntilLiveAsync(client).ContinueWith(
            t => self.Tell(t.IsCompletedSuccessfully ? t.Result : new WaitEnded(client, null, "closed while pending", false)),
            TaskContinuationOptions.ExecuteSynchronously);
        return true;
    }

    private string Awaited => Options.ProxyProtocol == ProxyProtocolMode.Off ? "TLS ClientHello" : "PROXY header";

    /// <summary>Reads the PROXY header, then waits for the ClientHello, as the server needs.
    /// Touches nothing of the actor's but its immutable options.</summary>
    private async Task<WaitEnded> WaitUntilLiveAsync(Socket client)
    {
        IPEndPoint? proxied = null, proxiedTo = null;
        if (Options.ProxyProtocol != ProxyProtocolMode.Off)
        {
            var (header, refusedPeer) = await ReadHeaderAsync(client);
            if (refusedPeer is not null) return new(client, null, refusedPeer, InTls: false, PeerRefused: true);
            if (!header.Ok) return new(client, null, header.Error, InTls: false);
            (proxied, proxiedTo) = (header.Client, header.Destination);
        }
        if (Options.Tls is { } tls && await ClientHelloWait.WaitAsync(client, tls.HandshakeTimeout) is { } why)
            return new(client, proxied, why, InTls: true);
        return new(client, proxied, null, InTls: false, ProxiedTo: proxiedTo);
    }

    /// <summary>Called on the actor's thread when a pending socket's wait ended.</summary>
    private void OnWaitEnded(WaitEnded ended)
    {
        if (_pending is null || !_pending.Remove(ended.Client)) return; // given up meanwhile: already closed
        if (ended.Error is not { } error)
        {
            HeaderRead(ended.Client, ended.Proxied, ended.ProxiedTo);
            _ready.Add(ended.Client);
            Deliver(ended.Client);
            return;
        }
        if (ended.PeerRefused) PeerRefused(ended.Client, error);
        else if (!ended.InTls) HeaderFailed(ended.Client, error);
        else
        {
            Settings.Metrics.ConnectionRejected("tls_handshake"); // as the connection's own handshake counts it
            Settings.Counters.Record(ServerEvent.TlsHandshakeFailure, Log,
                $"Connection from {Admission.Describe(PeerOf(ended.Client))}", $"TLS handshake failed: {error}; closing");
        }
        Drop(ended.Client);
    }

    protected override bool GiveUpOldestPending()
    {
        if (_pending?.TakeOldest() is not { } oldest) return false;
        GiveUp(oldest, "the process is short of descriptors");
        return true;
    }

    /// <summary>Closes the oldest pending socket to make room for a newer one (counted, logged at most once a second).</summary>
    private void GiveUp(Socket oldest, string why)
    {
        Settings.Metrics.ConnectionRejected(ServerMetrics.ErrorPendingHandshakeLimit);
        Settings.Counters.Record(ServerEvent.PendingHandshakeLimit, Log,
            $"Connection from {Admission.Describe(PeerOf(oldest))}", $"{why}; closing the oldest");
        Drop(oldest);
    }

    protected override IReadOnlyCollection<Socket> TakePending() => _pending?.TakeAll() ?? [];

    protected override bool ReceiveOther(object message)
    {
        if (message is not WaitEnded ended) return false;
        OnWaitEnded(ended);
        return true;
    }
}
