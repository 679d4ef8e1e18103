using System.Buffers;
using System.Net.Sockets;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// The receive side of a stream connection: bytes the client sent that no handler read has
/// taken yet. The kernel's bytes are taken with non-blocking receives into memory rented from
/// the shared pool, given back as soon as the buffer is empty; waiting for more is a zero-byte
/// receive that holds no memory. The buffer never grows past the longest line or read chunk a
/// handler may ask for. Used only from its connection actor's thread.
/// </summary>
internal sealed class ReadBuffer(Socket socket, int maxLineLength, ServerMetrics metrics) : IDisposable
{
    /// <summary>Largest single read a handler may ask for; its API splits bigger reads.</summary>
    internal const int MaxChunk = 64 * 1024;

    private const int InitialSize = 4096;

    /// <summary>The socket became readable (or failed) while we waited: try receiving again.</summary>
    internal sealed record Readable(Exception? Error) : IDeadLetterSuppression // a wait aborted by the close
    {
        public static readonly Readable Ready = new((Exception?)null);
    }

    private readonly int _capacityLimit = Math.Max(maxLineLength, MaxChunk);
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private bool _waiting;
    private SocketAsyncEventArgs? _wait;
    private bool _endOfStream;
    private Exception? _error;

    private int Buffered => _end - _start;

    /// <summary>
    /// Takes whatever the kernel already holds, without waiting (the socket is non-blocking).
    /// Returns whether anything changed: bytes arrived, the stream ended, or it failed.
    /// </summary>
    public bool ReceiveNow()
    {
        if (_waiting || _endOfStream) return false;
        MakeRoom();
        int count = socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            ReleaseIfEmpty();
            return false;
        }
        if (error != SocketError.Success) Fail(new SocketException((int)error));
        else if (count == 0) _endOfStream = true;
        else
        {
            _end += count;
            metrics.BytesIn(count);
        }
        ReleaseIfEmpty();
        return true;
    }

    /// <summary>
    /// Waits for the socket to become readable with a zero-byte receive, which holds no buffer:
    /// an idle connection costs no receive memory. <see cref="Readable"/> is told when it is.
    /// </summary>
    public void WaitForData(IActorRef self)
    {
        if (_waiting || _endOfStream) return;
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
        var wait = new SocketAsyncEventArgs();
        wait.SetBuffer(Memory<byte>.Empty);
        wait.Completed += (_, args) => self.Tell(ReadableFrom(args));
        return wait;
    }

    private static Readable ReadableFrom(SocketAsyncEventArgs args)
        => args.SocketError == SocketError.Success ? Readable.Ready : new Readable(new SocketException((int)args.SocketError));

    /// <summary>The wait ended: the next <see cref="ReceiveNow"/> takes what arrived.</summary>
    public void OnReadable(Readable readable)
    {
        _waiting = false;
        if (readable.Error is not null) Fail(readable.Error);
    }

    private void Fail(Exception error)
    {
        _endOfStream = true;
        _error = error;
    }

    /// <summary>A line with its newline, the tail at end of stream, a failure, or null (need more bytes).</summary>
    public object? TryTakeLine()
    {
        if (Buffered > 0)
        {
            int newline = _buffer.AsSpan(_start, Buffered).IndexOf((byte)'\n');
            if (newline >= 0 && newline + 1 <= maxLineLength) return Take(newline + 1);
            if (newline >= 0 || Buffered >= maxLineLength)
                return new IoFailed(IoFailure.LineTooLong, $"line longer than {maxLineLength} bytes");
        }
        return (object?)AtEnd() ?? (_endOfStream ? Take(Buffered) : null);
    }

    /// <summary>Up to <paramref name="maxBytes"/> of what is buffered, end of stream, or null.</summary>
    public object? TryTakeAvailable(int maxBytes)
    {
        if (maxBytes < 1 || maxBytes > MaxChunk) return Misuse(maxBytes);
        if (Buffered > 0) return Take(Math.Min(maxBytes, Buffered));
        return (object?)AtEnd() ?? (_endOfStream ? Take(0) : null);
    }

    /// <summary>Exactly <paramref name="count"/> bytes, fewer at end of stream, or null.</summary>
    public object? TryTakeExactly(int count)
    {
        if (count < 0 || count > MaxChunk) return Misuse(count);
        if (Buffered >= count) return Take(count);
        return (object?)AtEnd() ?? (_endOfStream ? Take(Buffered) : null);
    }

    public void Dispose()
    {
        if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
        _wait?.Dispose(); // after the socket: a wait still pending completes as aborted first
        _buffer = null;
    }

    /// <summary>A reset is reported once the buffered bytes are taken, like recv raising it.</summary>
    private IoFailed? AtEnd() => Buffered == 0 && _error is not null
        ? new IoFailed(IoFailure.ConnectionLost, _error.Message)
        : null;

    private static IoFailed Misuse(int size)
        => new(IoFailure.Misuse, $"a single read must ask for 1..{MaxChunk} bytes, not {size}");

    private ReadResult Take(int count)
    {
        var data = count == 0 ? [] : _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        ReleaseIfEmpty();
        return new ReadResult(data);
    }

    private void ReleaseIfEmpty()
    {
        if (Buffered != 0) return;
        _start = _end = 0;
        if (_buffer is null) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }

    private void MakeRoom()
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
            return;
        }
        if (_end < _buffer.Length) return;
        if (_start > 0)
        {
            _buffer.AsSpan(_start, Buffered).CopyTo(_buffer);
        }
        else
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _capacityLimit + 1));
            _buffer.AsSpan(0, Buffered).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        _end = Buffered;
        _start = 0;
    }
}
