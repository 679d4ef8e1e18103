namespace ActorSockets.Handlers;

/// <summary>
/// A handler's connection as a <see cref="Stream"/> (<see cref="StreamRequestHandler.GetStream"/>),
/// for code that expects one: a <see cref="StreamReader"/>, a JSON or protobuf reader,
/// <c>PipeReader.Create(stream)</c> for reading (not <c>PipeWriter.Create</c>, whose flush writes
/// from a thread-pool thread, outside the handler). Every call is the handler's own read, write or flush, so
/// the server's limits hold: <c>ReadTimeout</c> fails a read, <c>WriteBufferLimit</c> slows a
/// writer whose client does not read, and the idle and request deadlines apply. Asynchronous
/// only, and used from the handler's own code (like its other reads and writes); the
/// synchronous methods throw. Disposing it does not close the connection: the handler finishing does.
/// </summary>
public sealed class ConnectionStream : Stream
{
    private readonly Func<int, CancellationToken, Task<byte[]>> _receive;
    private readonly Func<ReadOnlyMemory<byte>, Task> _write;
    private readonly Func<Task> _flush;
    private byte[] _rest = [];  // bytes of a read larger than the caller's buffer
    private int _restAt;

    internal ConnectionStream(Func<int, CancellationToken, Task<byte[]>> receive, Func<ReadOnlyMemory<byte>, Task> write, Func<Task> flush)
    {
        _receive = receive;
        _write = write;
        _flush = flush;
    }

    /// <inheritdoc/>
    public override bool CanRead => true;
    /// <inheritdoc/>
    public override bool CanWrite => true;
    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <summary>Reads what has arrived (at most <paramref name="buffer"/>'s length), waiting only
    /// when nothing has; 0 at end of stream. <paramref name="cancellationToken"/> cancels the wait.</summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        if (_restAt < _rest.Length) return TakeRest(buffer.Span);
        var data = await _receive(buffer.Length, cancellationToken);
        if (data.Length <= buffer.Length)
        {
            data.CopyTo(buffer);
            return data.Length;
        }
        (_rest, _restAt) = (data, 0);
        return TakeRest(buffer.Span);
    }

    private int TakeRest(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, _rest.Length - _restAt);
        _rest.AsSpan(_restAt, n).CopyTo(buffer);
        _restAt += n;
        return n;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Sends the bytes; returns at once unless too much is unsent (then waits for the client).</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask(_write(buffer));
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Waits until everything written is in the kernel's hands.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => _flush();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw Synchronous();
    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw Synchronous();
    /// <inheritdoc/>
    public override void Flush() { } // StreamWriter calls it on dispose; FlushAsync is the real one
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    private static NotSupportedException Synchronous()
        => new("A handler's connection stream is asynchronous only: use ReadAsync, WriteAsync and FlushAsync.");
}
