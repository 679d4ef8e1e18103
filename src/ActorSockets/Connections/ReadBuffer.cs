using System.Buffers;
using System.Net.Sockets;
using ActorSockets.Metrics;
using Akka.Actor;

namespace ActorSockets.Connections;

/// <summary>
/// The receive side of a stream connection: bytes the client sent that no handler read has
/// taken yet. Memory is rented from the shared pool and given back whenever the buffer is
/// empty and no receive is under way, and it never grows past the longest line or read
/// chunk a handler may ask for. Used only from its connection actor's thread.
/// </summary>
internal sealed class ReadBuffer(Socket socket, int maxLineLength, ServerMetrics metrics) : IDisposable
{
    /// <summary>Largest single read a handler may ask for; its API splits bigger reads.</summary>
    internal const int MaxChunk = 64 * 1024;

    private const int InitialSize = 4096;

    /// <summary>A receive finished: <paramref name="Count"/> bytes (0 = end of stream) or an error.</summary>
    internal sealed record Received(int Count, Exception? Error);

    private readonly int _capacityLimit = Math.Max(maxLineLength, MaxChunk);
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private bool _receiving;
    private bool _endOfStream;
    private Exception? _error;

    private int Buffered => _end - _start;

    /// <summary>Starts a receive into free space unless one is running or the stream ended.</summary>
    public void EnsureReceiving(IActorRef self)
    {
        if (_receiving || _endOfStream) return;
        MakeRoom();
        _receiving = true;
        ValueTask<int> pending;
        try
        {
            pending = socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
        }
        catch (Exception e)
        {
            self.Tell(new Received(0, e));
            return;
        }
        if (pending.IsCompletedSuccessfully)
        {
            self.Tell(new Received(pending.Result, null));
            return;
        }
        pending.AsTask().ContinueWith(
            static (t, state) => ((IActorRef)state!).Tell(t.IsCompletedSuccessfully
                ? new Received(t.Result, null)
                : new Received(0, t.Exception?.GetBaseException() ?? new OperationCanceledException())),
            self, TaskContinuationOptions.ExecuteSynchronously);
    }

    public void OnReceived(Received received)
    {
        _receiving = false;
        if (received.Error is not null)
        {
            _endOfStream = true;
            _error = received.Error;
        }
        else if (received.Count == 0) _endOfStream = true;
        else
        {
            _end += received.Count;
            metrics.BytesIn(received.Count);
        }
        ReleaseIfEmpty();
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
        if (_buffer is not null && !_receiving) ArrayPool<byte>.Shared.Return(_buffer);
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
        if (Buffered != 0 || _receiving) return;
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
