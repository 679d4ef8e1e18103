using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

// TLS on a stream connection: the handshake runs before the handler is started, so a client
// that fails it (or is too slow) is closed with one log line and a count, and no handler ever
// sees it. Afterwards ReadBuffer and WriteQueue read and write the SslStream instead of the socket.
internal sealed partial class StreamConnectionActor
{
    /// <summary>The handshake ended; <paramref name="Error"/> is null when it succeeded.</summary>
    private sealed record HandshakeDone(Exception? Error) : IDeadLetterSuppression;

    private readonly SslStream? _tls;
    private bool _tlsEstablished;

    private static SslStream NewTlsStream(Socket socket)
        => new(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false); // the actor closes the socket itself

    private void StartHandshake()
    {
        var certificate = Settings.Tls!;
        var options = certificate.Current(); // a certificate renewed on disk is read here
        if (certificate.TakeNewReloadError() is { } reloadError)
            Log.Warning("TLS certificate not reloaded, the previous one is served: {0}", reloadError);
        var timeout = certificate.HandshakeTimeout;
        var cancel = new CancellationTokenSource(timeout);
        _tls!.AuthenticateAsServerAsync(options, cancel.Token).ContinueWith(static (t, state) =>
        {
            var (self, cancel, timeout) = ((IActorRef, CancellationTokenSource, TimeSpan))state!;
            Exception? error = t.IsCompletedSuccessfully ? null
                : cancel.IsCancellationRequested ? new TimeoutException($"no handshake within {timeout}")
                : t.Exception?.GetBaseException() ?? new OperationCanceledException();
            cancel.Dispose();
            self.Tell(new HandshakeDone(error));
        }, (Self, cancel, timeout), TaskContinuationOptions.ExecuteSynchronously);
    }

    private void OnHandshakeDone(HandshakeDone done)
    {
        if (_closing) return;
        if (done.Error is { } error)
        {
            Settings.Metrics.ConnectionRejected("tls_handshake");
            Settings.Counters.Record(ServerEvent.TlsHandshakeFailure, Log, $"{Info.HandlerName} ({Info.ClientAddress})",
                $"TLS handshake failed: {Describe(error)}; closing");
            MarkFailed();
            _closing = true;
            CloseSocket();
            return;
        }
        _tlsEstablished = true;
        if (_tls!.RemoteCertificate is { } client)
            Info = Info with
            {
                ClientCertificateSubject = client.Subject,
                ClientCertificateThumbprint = client.GetCertHashString(HashAlgorithmName.SHA256),
            };
        base.PreStart(); // now the handler: Setup, Handle, Finish
    }

    private static string Describe(Exception error)
    {
        var message = error.Message;
        for (var inner = error.InnerException; inner is not null; inner = inner.InnerException)
            message += $" ({inner.Message})";
        return message;
    }

    /// <summary>TLS: tell the client the stream ends (close_notify) before the FIN, so its TLS
    /// library reads a clean end of stream rather than a truncation.</summary>
    private void SendCloseNotify()
    {
        if (!_tlsEstablished || HandlerFailed) return;
        try
        {
            _ = _tls!.ShutdownAsync(); // a few bytes: nearly always taken by the kernel at once
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
        {
            // A write still under way, or the peer gone: the FIN alone ends the stream.
        }
    }
}
