using System.Net.Sockets;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;

namespace ActorSockets.Connections;

/// <summary>
/// The send side of a stream connection. Writes that arrive while a send is under way are
/// gathered and go out together in one vectored send, so a handler that writes several times
/// per request costs one system call. The queue is bounded: past the limit it refuses, and
/// the connection fails instead of buffering without end. Used only from its actor's thread.
/// Over TLS it writes a <see cref="Stream"/> (an SslStream) instead: the gathered writes become
/// one stream write, so several handler writes still cost one record and one send.
/// </summary>
internal sealed class WriteQueue(Socket socket, int limit, ServerMetrics metrics, Stream? stream = null)
{
    /// <summary>A send finished: <paramref name="Bytes"/> went to the kernel, or it failed.</summary>
    internal sealed record Sent(int Bytes, Exception? Error);

    // Made on first write / first flush that waits: an idle connection holds none of them.
    private List<byte[]>? _queue;
    private List<IActorRef>? _flushWaiters;
    private List<byte[]>? _inFlight;
    private int _queuedBytes;
    private int _inFlightBytes;
    private bool _sending;
    private Exception? _failure;

    /// <summary>Bytes the kernel took for the client so far (TLS: plaintext).</summary>
    public long BytesSent { get; private set; }

    /// <summary>Nothing queued and nothing being sent.</summary>
    public bool IsIdle => !_sending && _queue is not { Count: > 0 };

    /// <summary>Bytes written by the handler that are not yet in the kernel.</summary>
    public int PendingBytes => _queuedBytes + _inFlightBytes;

    /// <summary>Queues <paramref name="data"/>; false when that would pass the limit.</summary>
    public bool Enqueue(byte[] data, IActorRef self)
    {
        if (_failure is not null || data.Length == 0) return true; // a dead peer: the next flush reports it
        if (PendingBytes + data.Length > limit) return false;
        (_queue ??= []).Add(data);
        _queuedBytes += data.Length;
        if (!_sending) StartSend(self);
        return true;
    }

    /// <summary>Answers <paramref name="requester"/> once everything queued so far is sent.</summary>
    public void Flush(IActorRef requester, IActorRef self)
    {
        if (_failure is not null) requester.Tell(Lost(), self);
        else if (IsIdle) requester.Tell(Flushed.Instance, self);
        else (_flushWaiters ??= []).Add(requester);
    }

    public void OnSent(Sent sent, IActorRef self)
    {
        if (sent.Error is null) // every in-flight byte went, in one or two sends
        {
            metrics.BytesOut(_inFlightBytes);
            BytesSent += _inFlightBytes;
        }
        _sending = false;
        _inFlightBytes = 0;
        _inFlight?.Clear();
        if (sent.Error is not null)
        {
            _failure = sent.Error;
            Discard();
            FailWaiters();
            return;
        }
        if (_queue is { Count: > 0 }) StartSend(self);
        else if (_flushWaiters is not null)
        {
            foreach (var waiter in _flushWaiters) waiter.Tell(Flushed.Instance, self);
            _flushWaiters.Clear();
        }
    }

    /// <summary>Drops everything not yet handed to a send.</summary>
    public void Discard()
    {
        _queue?.Clear();
        _queuedBytes = 0;
    }

    /// <summary>Tells every flush waiter the connection is gone.</summary>
    public void FailWaiters()
    {
        if (_flushWaiters is null) return;
        foreach (var waiter in _flushWaiters) waiter.Tell(Lost());
        _flushWaiters.Clear();
    }

    private IoFailed Lost() => new(IoFailure.ConnectionLost, _failure?.Message ?? "the connection closed");

    private void StartSend(IActorRef self)
    {
        // The in-flight list is empty here (OnSent cleared it): swapping hands the queue over without copying.
        (_inFlight, _queue) = (_queue ?? [], _inFlight);
        _inFlightBytes = _queuedBytes;
        _queuedBytes = 0;
        _sending = true;
        if (stream is not null)
        {
            SendToStream(self);
            return;
        }
        try
        {
            // The socket is non-blocking: most sends are taken whole by the kernel right here,
            // with no task and no message. Only what it cannot take yet is sent asynchronously.
            int sent = SendNow(out var error);
            if (error is not (SocketError.Success or SocketError.WouldBlock))
            {
                OnSent(new Sent(0, new SocketException((int)error)), self);
                return;
            }
            if (sent == _inFlightBytes)
            {
                OnSent(new Sent(sent, null), self);
                return;
            }
            var rest = Remaining(sent);
            socket.SendAsync(rest, SocketFlags.None)
                .ContinueWith(Report, self, TaskContinuationOptions.ExecuteSynchronously);
        }
        catch (Exception e)
        {
            self.Tell(new Sent(0, e));
        }
    }

    private void SendToStream(IActorRef self)
    {
        ValueTask write;
        try
        {
            write = stream!.WriteAsync(_inFlight!.Count == 1 ? _inFlight[0] : Gathered()); // StartSend set the in-flight list
        }
        catch (Exception e)
        {
            self.Tell(new Sent(0, e));
            return;
        }
        if (write.IsCompletedSuccessfully)
        {
            OnSent(new Sent(_inFlightBytes, null), self);
            return;
        }
        int bytes = _inFlightBytes;
        write.AsTask().ContinueWith(t => self.Tell(t.IsCompletedSuccessfully
            ? new Sent(bytes, null)
            : new Sent(0, t.Exception?.GetBaseException() ?? new OperationCanceledException())), TaskContinuationOptions.ExecuteSynchronously);
    }

    private byte[] Gathered()
    {
        var all = new byte[_inFlightBytes];
        int at = 0;
        foreach (var buffer in _inFlight!)
        {
            buffer.CopyTo(all, at);
            at += buffer.Length;
        }
        return all;
    }

    private int SendNow(out SocketError error)
    {
        var inFlight = _inFlight!; // set by StartSend
        if (inFlight.Count == 1) return socket.Send(inFlight[0], SocketFlags.None, out error);
        return socket.Send(inFlight.ConvertAll(b => new ArraySegment<byte>(b)), SocketFlags.None, out error);
    }

    /// <summary>The in-flight bytes after the first <paramref name="sent"/>; stream sockets send
    /// every byte of the list before the asynchronous send completes.</summary>
    private List<ArraySegment<byte>> Remaining(int sent)
    {
        var inFlight = _inFlight!; // set by StartSend
        var rest = new List<ArraySegment<byte>>(inFlight.Count);
        foreach (var buffer in inFlight)
        {
            if (sent >= buffer.Length) { sent -= buffer.Length; continue; }
            rest.Add(new ArraySegment<byte>(buffer, sent, buffer.Length - sent));
            sent = 0;
        }
        return rest;
    }

    private static void Report(Task<int> t, object? self) => ((IActorRef)self!).Tell(t.IsCompletedSuccessfully
        ? new Sent(t.Result, null)
        : new Sent(0, t.Exception?.GetBaseException() ?? new OperationCanceledException()));
}
