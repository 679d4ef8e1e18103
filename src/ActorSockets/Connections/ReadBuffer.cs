using System.Net.Sockets;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// The receive side of a stream connection: takes the kernel's bytes with non-blocking
/// receives into an <see cref="InputBuffer"/> (pooled memory, given back as soon as it is
/// empty); waiting for more is a zero-byte receive that holds no memory. Used only from its
/// connection actor's thread.
/// </summary>
internal sealed class ReadBuffer(Socket socket, int maxLineLength, ServerMetrics metrics) : IDisposable
{
    /// <summary>Largest single read a handler may ask for; its API splits bigger reads.</summary>
    internal const int MaxChunk = InputBuffer.MaxChunk;

    /// <summary>The socket became readable (or failed) while we waited: try receiving again.</summary>
    internal sealed record Readable(Exception? Error) : IDeadLetterSuppression // a wait aborted by the close
    {
        public static readonly Readable Ready = new((Exception?)null);
    }

    private readonly InputBuffer _input = new(maxLineLength);
    private bool _waiting;
    private SocketAsyncEventArgs? _wait;

    /// <summary>
    /// Takes whatever the kernel already holds, without waiting (the socket is non-blocking).
    /// Returns whether anything changed: bytes arrived, the stream ended, or it failed.
    /// </summary>
    public bool ReceiveNow()
    {
        if (_waiting || _input.Ended) return false;
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
        FillNow(MaxChunk);
        var data = _input.TakeAll();
        return (data, _input.EndedCleanly);
    }

    public void Dispose()
    {
        _input.Dispose();
        _wait?.Dispose(); // after the socket: a wait still pending completes as aborted first
    }
}
