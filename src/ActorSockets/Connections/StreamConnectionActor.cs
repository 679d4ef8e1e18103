using System.Net.Sockets;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// Owns one accepted stream socket (TCP or Unix) for the life of one request. It starts the
/// handler, sends it Setup, Handle and Finish, serves its reads and writes as messages, and
/// closes the socket with a clean FIN (shutdown(SHUT_WR), then close) once the handler is done
/// or has failed. The handler never sees the socket: it may be a stand-in for one that runs
/// elsewhere, which then uses <see cref="TakeReadAhead"/> and <see cref="ReadChunk"/>.
/// </summary>
internal sealed partial class StreamConnectionActor : ConnectionActor
{
    private sealed record ReadTimedOut(int Generation);

    private static readonly TimeSpan CloseFlushTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly ReadBuffer _reader;
    private readonly WriteQueue _writer;
    private readonly ConnectionTimeouts _timeouts;
    private bool _closing;
    private bool _draining; // the server is closing: no new bytes are taken from the kernel
    private bool _socketClosed;

    private readonly PendingRead _pending = new();
    private int _readGeneration;
    private ICancelable? _readTimer;
    private CancellationTokenSource? _clientGone; // the handler's RequestAborted, once it asked for it

    public StreamConnectionActor(Socket socket, RequestInfo info, ConnectionContext settings) : base(info, settings)
    {
        _socket = socket;
        _tls = settings.Tls is null ? null : NewTlsStream(socket); // TLS: reads and writes go through it
        // Non-blocking: reads and writes first try to complete at once, on this actor's thread,
        // and only wait (asynchronously) when the kernel cannot take or give anything yet.
        if (_tls is null) _socket.Blocking = false;
        _reader = new ReadBuffer(socket, settings.Limits.MaxLineLength, settings.Metrics, _tls);
        _writer = new WriteQueue(socket, settings.Limits.WriteBufferLimit, settings.Metrics, _tls);
        _timeouts = new ConnectionTimeouts(settings.Limits);
    }

    protected override bool MayRestart => Settings.Limits.RestartFailedHandlers && !_closing && !_draining;

    protected override void PreStart()
    {
        BeginRequest();
        if (_tls is null) base.PreStart();
        else StartHandshake(); // the handler starts once it succeeded
        _timeouts.Start(Timers);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ReadLine or ReadAvailable or ReadExactly or ReadFrame or ReadLent:
                StartRead(message);
                break;
            case ReadChunk:
                StartRead(ReadChunk.AsRead);
                break;
            case Drain:
                _draining = true;
                TryCompleteRead(); // a read waiting for bytes ends the stream now
                break;
            case ReadBuffer.Readable readable:
                _reader.OnReadable(readable);
                TryCompleteRead();
                WatchForClose();
                break;
            case WatchClient watch:
                _clientGone = watch.Aborted;
                WatchForClose();
                break;
            case CancelRead:
                if (_pending.Request is not null) ReplyRead(CancelRead.Answer);
                break;
            case ReadTimedOut timedOut when timedOut.Generation == _readGeneration && _pending.Request is not null:
                ReplyRead(new IoFailed(IoFailure.Timeout, $"no data within {Settings.Limits.ReadTimeout}"));
                break;
            case Write write:
                Enqueue(write.Data);
                break;
            case TakeReadAhead:
                var (data, ended) = _reader.TakeReadAhead();
                if (data.Length > 0 || ended) _timeouts.OnClientActivity(Timers);
                Sender.Tell(new ReadAhead(data, ended));
                break;
            case IoFailed refused: // a read elsewhere failed on bytes it had: count it here, with the others
                CountFailure(refused);
                break;
            case Flush:
                _writer.Flush(Sender, Self);
                break;
            case WriteQueue.Sent sent:
                _timeouts.OnBytesSent();
                _writer.OnSent(sent, Self);
                if (_closing && _writer.IsIdle) CloseSocket();
                break;
            case HandlerDone:
                BeginClose();
                break;
            case HandshakeDone done:
                OnHandshakeDone(done);
                break;
            case Abort abort:
                Log.Warning("Closing connection of {Handler} ({Client}): aborted by {Sender}: {Reason}", Info.HandlerName, Info.ClientAddress, Sender.Path, abort.Reason);
                StopRequest(); // a send may be stuck on a client that does not read: do not wait
                break;
            case Terminated or ChildStopped when IsHandlerStop(message) && !_closing && !_draining && TryRestartHandler():
                _pending.Answer(CancelRead.Answer, Self); // a read the failed handler left: the new one reads afresh
                break;
            case Terminated or ChildStopped when IsHandlerStop(message):
                if (!HandlerFailed && !_closing)
                    Log.Debug("Handler {Handler} for {Client} stopped before finishing", Info.HandlerName, Info.ClientAddress);
                BeginClose();
                break;
            case ConnectionTimeouts.Tick tick:
                if (_timeouts.Expired(tick, _socket, Timers) is { } why) Abandon(tick.Kind, why);
                break;
            case ReadTimedOut:
                break;
            case ReceiveTimeout when _closing:
                Log.Warning("Connection {Handler} ({Client}): client did not take the last {Bytes} bytes; closing anyway",
                    Info.HandlerName, Info.ClientAddress, _writer.PendingBytes);
                CloseSocket();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private static readonly ReadResult EndOfStream = new([]);

    private void StartRead(object request)
    {
        if (!_pending.TryStart(request, Sender, Self)) return;
        if (TryCompleteRead() || Settings.Limits.ReadTimeout is not { } timeout) return;
        _readTimer = Context.System.Scheduler.ScheduleTellOnceCancelable(
            timeout, Self, new ReadTimedOut(++_readGeneration), Self);
    }

    /// <summary>Answers the pending read if the buffer can; otherwise makes sure a receive is
    /// under way. Returns whether the read was answered.</summary>
    private bool TryCompleteRead()
    {
        if (_pending.Request is not { } request) return false;
        while (true)
        {
            if (ReferenceEquals(request, ReadChunk.AsRead) && !_draining) _reader.FillNow(ConnectionContract.MaxChunk); // a whole chunk per answer
            if (_reader.TryAnswer(request) is { } answer)
            {
                ReplyRead(answer);
                return true;
            }
            if (_draining) // what it needs was not received before the server began closing
            {
                ReplyRead(EndOfStream);
                return true;
            }
            if (_reader.ReceiveNow()) // the kernel had more: no need to wait
            {
                _timeouts.OnClientActivity(Timers);
                continue;
            }
            _reader.WaitForData(Self);
            return false;
        }
    }

    /// <summary>Queues bytes for the client; past <see cref="ConnectionSettings.WriteBufferLimit"/> the
    /// connection is given up on.</summary>
    private void Enqueue(byte[] data)
    {
        int unsent = _writer.PendingBytes + data.Length;
        if (!_writer.Enqueue(data, Self))
            Abandon(ServerEvent.WriteLimit, $"handler queued more than {Settings.Limits.WriteBufferLimit} unsent bytes; closing");
        else if (_writer.PendingBytes < unsent) _timeouts.OnBytesSent(); // the kernel took some at once
    }

    private void CountFailure(IoFailed failed)
    {
        if (failed.Reason is IoFailure.Timeout or IoFailure.LineTooLong)
            Settings.Counters.Record(failed.Reason == IoFailure.Timeout ? ServerEvent.ReadTimeout : ServerEvent.LineTooLong,
                Log, $"{Info.HandlerName} ({Info.ClientAddress})", $"read failed: {failed.Message}");
    }

    private void ReplyRead(object answer)
    {
        if (answer is IoFailed failed) CountFailure(failed);
        _readTimer?.Cancel();
        _readTimer = null;
        _readGeneration++;
        _pending.Answer(answer, Self);
        WatchForClose();
    }

    /// <summary>While the handler's <c>RequestAborted</c> is in use and no read waits, keeps
    /// receiving (up to one chunk, which its next read takes) so that the client's end of stream
    /// or reset is seen while the handler is busy, and fires the token then.</summary>
    private void WatchForClose()
    {
        if (_clientGone is null || _clientGone.IsCancellationRequested) return;
        bool watching = _pending.Request is null && !_draining && !_closing;
        if (watching)
            while (_reader.Buffered < ConnectionContract.MaxChunk && _reader.ReceiveNow()) _timeouts.OnClientActivity(Timers);
        if (_reader.ClientEnded) _ = _clientGone.CancelAsync(); // callbacks run off this actor's thread
        else if (watching && _reader.Buffered < ConnectionContract.MaxChunk) _reader.WaitForData(Self);
    }

    /// <summary>A limit or timeout gave up on the connection: nothing more is worth sending, so it
    /// closes now instead of waiting for the client to take what is queued.</summary>
    protected override void StopRequest()
    {
        MarkFailed(ServerMetrics.ErrorAborted);
        Context.Stop(Handler);
        _writer.Discard();
        _closing = true;
        CloseSocket();
    }

    /// <summary>Finish sending what the handler wrote, then close. Pending readers learn at once.</summary>
    private void BeginClose()
    {
        if (_closing) return;
        _closing = true;
        if (_pending.Request is not null)
            ReplyRead(new IoFailed(IoFailure.ConnectionLost, "the connection is closing"));
        if (_writer.IsIdle) CloseSocket();
        else Context.SetReceiveTimeout(CloseFlushTimeout);
    }

    private void CloseSocket()
    {
        CloseWithFin();
        if (IsDebugEnabled) Log.Debug("Connection {Handler} ({Client}) closed", Info.HandlerName, Info.ClientAddress);
        Context.Stop(Self);
    }

    /// <summary>FIN first (shutdown(SHUT_WR)), then close: even when unread client bytes make the
    /// kernel answer the close with a reset, the client reads end of stream before it. Once only:
    /// a second shutdown would throw (and cost an exception per connection).</summary>
    private void CloseWithFin()
    {
        if (_socketClosed) return;
        _socketClosed = true;
        SendCloseNotify();
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The peer is already gone, or the socket is closed already; closing is all that is left.
        }
        _socket.Close();
    }

    protected override void PostStop()
    {
        EndRequest(finished: _closing); // not closing: cut off
        _readTimer?.Cancel();
        _pending.Answer(new IoFailed(IoFailure.ConnectionLost, "the connection closed"), Self);
        _writer.FailWaiters();
        CloseWithFin(); // however the actor stopped (a drain deadline, the system ending)
        if (Settings.Totals is { } totals) (totals.BytesIn, totals.BytesOut) = (_reader.Received, _writer.BytesSent);
        _tls?.Dispose();
        _reader.Dispose();
    }
}
