using System.Net.Sockets;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// The receive side of a stream connection: takes the kernel's bytes with non-blocking
/// receives into an <see cref="InputBuffer"/> (pooled memory, given back as soon as it is
/// empty); waiting for more is a zero-byte receive that holds no memory. Used only from its
/// connection actor's thread. Over TLS it reads a <see cref="Stream"/> instead (an SslStream over a
/// <see cref="TlsSocketStream"/>): "receive now" takes a read that completed, and waiting is the
/// same zero-byte receive, after which the SslStream's pending read is completed here.
/// </summary>
internal sealed class ReadBuffer(Socket socket, int maxLineLength, ServerMetrics metrics, Stream? stream = null,
    TlsSocketStream? streamSocket = null) : IDisposable
{
    /// <summary>The largest TLS record's plaintext: one stream read never gives more.</summary>
    private const int StreamReadSize = 16 * 1024;

    /// <summary>Largest single read a handler may ask for; its API splits bigger reads.</summary>
    internal const int MaxChunk = InputBuffer.MaxChunk;

    /// <summary>The socket became readable (or failed) while we waited: try receiving again.</summary>
    internal sealed record Readable(Exception? Error) : IDeadLetterSuppression // a wait aborted by the close
    {
        public static readonly Readable Ready = new((Exception?)null);
    }

    private readonly InputBuffer _input = new(maxLineLength);

    /// <summary>Bytes taken from the client so far (TLS: plaintext).</summary>
    public long Received { get; private set; }
    private bool _waiting;
    private SocketAsyncEventArgs? _wait;

    /// <summary>
    /// Takes whatever the kernel already holds, without waiting (the socket is non-blocking).
    /// Returns whether anything changed: bytes arrived, the stream ended, or it failed.
    /// </summary>
    public bool ReceiveNow()
    {
        if (_waiting || _input.Ended) return false;
        if (stream is not null) return ReceiveFromStream();
        int count = socket.Receive(_input.ReceiveSpace().Span, SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            _input.Commit(0);
            return false;
        }
        if (error != SocketError.Success) _input.End(new SocketException((int)error));
        else if (count == 0) _input.End();
        else
        {
            _input.Commit(count);
            metrics.BytesIn(count);
            Received += count;
        }
        return true;
    }

    /// <summary>Receives what the kernel holds until <paramref name="upTo"/> bytes are buffered (or
    /// it has no more), so one answer can carry a whole chunk: for a reader in a worker process,
    /// a crossing per receive (4 KiB at first) made bulk transfers crawl.</summary>
    public void FillNow(int upTo)
    {
        while (_input.Buffered < upTo && ReceiveNow()) { }
    }

    /// <summary>
    /// Waits for the socket to become readable with a zero-byte receive, which holds no buffer:
    /// an idle connection costs no receive memory. <see cref="Readable"/> is told when it is.
    /// </summary>
    public void WaitForData(IActorRef self)
    {
        if (_waiting || _input.Ended) return;
        _waiting = true;
        if (stream is not null)
        {
            WaitForStream(self);
            return;
        }
        WaitForSocket(self);
    }

    private void WaitForSocket(IActorRef self)
    {
        var wait = _wait ??= NewWait(self); // one per connection, reused: waiting allocates nothing
        bool pending;
        try
        {
            pending = socket.ReceiveAsync(wait);
        }
        catch (Exception e)
        {
            self.Tell(new Readable(e));
            return;
        }
        if (!pending) self.Tell(ReadableFrom(wait));
    }

    private static SocketAsyncEventArgs NewWait(IActorRef self)
    {
        var wait = new Wait(self);
        wait.SetBuffer(Memory<byte>.Empty);
        return wait;
    }

    /// <summary>The zero-byte receive's arguments, telling the connection itself when they
    /// complete: no event handler and no closure per connection (88 bytes each, held as long
    /// as the connection; heap dump of 10,000 idle connections).</summary>
    private sealed class Wait(IActorRef self) : SocketAsyncEventArgs
    {
        protected override void OnCompleted(SocketAsyncEventArgs e) => self.Tell(ReadableFrom(e));
    }

    private static Readable ReadableFrom(SocketAsyncEventArgs args)
        => args.SocketError == SocketError.Success ? Readable.Ready : new Readable(new SocketException((int)args.SocketError));

    /// <summary>The wait ended: the next <see cref="ReceiveNow"/> takes what arrived.</summary>
    public void OnReadable(Readable readable)
    {
        _waiting = false;
        // TLS: the SslStream's read waits on the socket; it decrypts now, on this thread.
        if (streamSocket is { HasPendingRead: true }) streamSocket.CompletePendingRead(readable.Error);
        else if (readable.Error is not null) _input.End(readable.Error);
    }

    /// <summary>Answers a read request from what is buffered, or null when more bytes are needed
    /// (see <see cref="InputBuffer.TryAnswer"/>).</summary>
    public object? TryAnswer(object read) => _input.TryAnswer(read);

    /// <summary>Hands every byte received so far to a worker (forking mode): what the kernel
    /// already has is taken first. <c>Ended</c> is true at a clean end of stream; a failure is
    /// kept back, for the worker's next read to learn of it here.</summary>
    public (byte[] Data, bool Ended) TakeReadAhead()
    {
        FillNow(MaxChunk);
        var data = _input.TakeAll();
        return (data, _input.EndedCleanly);
    }

    private byte[]? _streamBuffer;
    private ValueTask<int> _streamRead; // the one read under way on the stream, or done and not yet taken
    private bool _streamReading;
    private bool _streamWakeSet;

    /// <summary>Takes a stream read that completed, or starts one; true when bytes (or the end)
    /// arrived without waiting (an SslStream often has decrypted bytes at hand).</summary>
    private bool ReceiveFromStream()
    {
        if (!_streamReading)
        {
            _streamBuffer ??= System.Buffers.ArrayPool<byte>.Shared.Rent(StreamReadSize);
            try
            {
                _streamRead = stream!.ReadAsync(_streamBuffer.AsMemory(0, StreamReadSize));
            }
            catch (Exception e)
            {
                _input.End(e);
                return true;
            }
            _streamReading = true;
            _streamWakeSet = false;
        }
        if (!_streamRead.IsCompleted) return false;
        _streamReading = false;
        int count;
        try
        {
            count = _streamRead.Result; // once: the SslStream's pooled operation goes back
        }
        catch (Exception e)
        {
            _input.End(e);
            return true;
        }
        TakeStreamBytes(count);
        return true;
    }

    private void TakeStreamBytes(int count)
    {
        if (count == 0)
        {
            _input.End();
            return;
        }
        _input.Append(_streamBuffer.AsSpan(0, count));
        metrics.BytesIn(count);
        Received += count;
    }

    private void WaitForStream(IActorRef self)
    {
        if (!_streamReading && ReceiveFromStream())
        {
            self.Tell(Readable.Ready); // completed meanwhile: the next ReceiveNow finds the bytes
            return;
        }
        if (streamSocket is { HasPendingRead: true })
        {
            WaitForSocket(self); // as a plain connection waits; OnReadable completes the read
            return;
        }
        // The read waits on something else than the socket (not after the handshake, in practice):
        // learn when it completes.
        if (_streamWakeSet) return;
        _streamWakeSet = true;
        _streamRead.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => self.Tell(Readable.Ready));
    }

    public void Dispose()
    {
        if (_streamReading && streamSocket is { HasPendingRead: true })
        {
            // The SslStream's read waits on a socket that is closing: end it, so its pooled
            // operation and our buffer go back.
            streamSocket.CompletePendingRead(new ObjectDisposedException(nameof(Socket)));
            if (_streamRead.IsCompleted) ReceiveFromStream();
        }
        if (_streamBuffer is not null && !_streamReading) System.Buffers.ArrayPool<byte>.Shared.Return(_streamBuffer);
        _input.Dispose();
        _wait?.Dispose(); // after the socket: a wait still pending completes as aborted first
    }
}
