using System.Net.Sockets;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// The receive side of a stream connection: takes the kernel's bytes with non-blocking
/// receives into an <see cref="InputBuffer"/> (pooled memory, given back as soon as it is
/// empty); waiting for more is a zero-byte receive that holds no memory. Used only from its
/// connection actor's thread. Over TLS it reads a <see cref="Stream"/> instead (an SslStream):
/// "receive now" then takes a read that already completed, and waiting is one outstanding
/// read into a buffer of its own; the plain socket path is unchanged.
/// </summary>
internal sealed class ReadBuffer(Socket socket, int maxLineLength, ServerMetrics metrics, Stream? stream = null) : IDisposable
{
    /// <summary>The largest TLS record's plaintext: one stream read never gives more.</summary>
    private const int StreamReadSize = 16 * 1024;

    /// <summary>The socket became readable (or failed) while we waited: try receiving again.</summary>
    internal sealed record Readable(Exception? Error) : IDeadLetterSuppression // a wait aborted by the close
    {
        public static readonly Readable Ready = new((Exception?)null);
    }

    private readonly InputBuffer _input = new(maxLineLength);

    /// <summary>Bytes received and not yet read by the handler.</summary>
    public int Buffered => _input.Buffered;

    /// <summary>The client ended its side or reset the connection (bytes before it may remain).</summary>
    public bool ClientEnded => _input.Ended;

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
            Took(count);
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
        if (readable.Error is not null) _input.End(readable.Error);
    }

    /// <summary>Answers a read request from what is buffered, or null when more bytes are needed
    /// (see <see cref="InputBuffer.TryAnswer"/>).</summary>
    public object? TryAnswer(object read) => _input.TryAnswer(read);

    /// <summary>Hands every byte received so far to a worker (forking mode): what the kernel
    /// already has is taken first. <c>Ended</c> is true at a clean end of stream; a failure is
    /// kept back, for the worker's next read to learn of it here.</summary>
    public (byte[] Data, bool Ended) TakeReadAhead()
    {
        FillNow(ConnectionContract.MaxChunk);
        var data = _input.TakeAll();
        return (data, _input.EndedCleanly);
    }

    private byte[]? _streamBuffer;
    private Task<int>? _streamRead; // the one read under way on the stream, or done and not yet taken

    /// <summary>Takes a stream read that completed, or starts one; true when bytes (or the end)
    /// arrived without waiting (an SslStream often has decrypted bytes at hand).</summary>
    private bool ReceiveFromStream()
    {
        if (_streamRead is null)
        {
            _streamBuffer ??= System.Buffers.ArrayPool<byte>.Shared.Rent(StreamReadSize);
            ValueTask<int> read;
            try
            {
                read = stream!.ReadAsync(_streamBuffer.AsMemory(0, StreamReadSize));
            }
            catch (Exception e)
            {
                _input.End(e);
                return true;
            }
            if (read.IsCompletedSuccessfully)
            {
                TakeStreamBytes(read.Result);
                return true;
            }
            _streamRead = read.AsTask();
        }
        if (!_streamRead.IsCompleted) return false;
        var done = _streamRead;
        _streamRead = null;
        if (done.IsCompletedSuccessfully) TakeStreamBytes(done.Result);
        else _input.End(done.Exception?.GetBaseException() ?? new OperationCanceledException());
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
        Took(count);
    }

    /// <summary>Counts bytes taken from the client, for the metrics and for <see cref="Received"/>.</summary>
    private void Took(int count)
    {
        metrics.BytesIn(count);
        Received += count;
    }

    private void WaitForStream(IActorRef self)
    {
        if (_streamRead is null && ReceiveFromStream())
        {
            self.Tell(Readable.Ready); // completed meanwhile: the next ReceiveNow finds the bytes
            return;
        }
        _streamRead!.ContinueWith(static (_, s) => ((IActorRef)s!).Tell(Readable.Ready), self,
            TaskContinuationOptions.ExecuteSynchronously);
    }

    public void Dispose()
    {
        if (_streamBuffer is not null && _streamRead is null) System.Buffers.ArrayPool<byte>.Shared.Return(_streamBuffer);
        _input.Dispose();
        _wait?.Dispose(); // after the socket: a wait still pending completes as aborted first
    }
}
