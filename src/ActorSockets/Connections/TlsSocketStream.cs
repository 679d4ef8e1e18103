using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace ActorSockets.Connections;

/// <summary>
/// The socket as an <see cref="System.Net.Security.SslStream"/>'s inner stream, read the way a plain
/// connection reads its socket. Once the handshake is done (<see cref="DrivenByConnection"/>), a
/// read takes what the kernel has with a non-blocking receive; when it has nothing, the read
/// stays pending until the connection actor, woken by its zero-byte receive, calls
/// <see cref="CompletePendingRead"/>. The SslStream then decrypts on the connection's own thread,
/// in the same mailbox run: with a NetworkStream the read completed on a thread-pool thread,
/// which decrypted and then woke the connection, one thread switch more per TLS read (3.9 context
/// switches per request against the plain SslStream echo's 1.3; bench/profile.sh, BENCHMARKS.md).
/// During the handshake it reads asynchronously by itself, as a NetworkStream does. Writes are
/// the socket's asynchronous sends. Used from its connection actor's thread only, but for the
/// handshake's reads.
/// </summary>
internal sealed class TlsSocketStream(Socket socket) : Stream, IValueTaskSource<int>
{
    private ManualResetValueTaskSourceCore<int> _read; // continuations run inline: on the connection's thread
    private Memory<byte> _pendingBuffer;

    /// <summary>Reads are completed by the connection (<see cref="CompletePendingRead"/>) instead of by
    /// asynchronous receives of their own. Set once the handshake is done.</summary>
    public bool DrivenByConnection { get; set; }

    /// <summary>A read waits for the socket to become readable.</summary>
    public bool HasPendingRead { get; private set; }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!DrivenByConnection) return socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        if (TryReceive(buffer, out var received, out var error)) return error is null ? new(received) : ValueTask.FromException<int>(error);
        _pendingBuffer = buffer;
        HasPendingRead = true;
        _read.Reset();
        return new ValueTask<int>(this, _read.Version);
    }

    /// <summary>The socket became readable (or failed): completes the pending read with what the
    /// kernel has, running the SslStream's continuation here. Returns false when it still has
    /// nothing (the read stays pending; wait again).</summary>
    public bool CompletePendingRead(Exception? failure = null)
    {
        if (!HasPendingRead) return true;
        int received = 0;
        Exception? error = failure;
        if (error is null && !TryReceive(_pendingBuffer, out received, out error)) return false;
        HasPendingRead = false;
        _pendingBuffer = default;
        if (error is null) _read.SetResult(received);
        else _read.SetException(error);
        return true;
    }

    private bool TryReceive(Memory<byte> buffer, out int received, out Exception? error)
    {
        received = socket.Receive(buffer.Span, SocketFlags.None, out var code);
        error = null;
        if (code == SocketError.WouldBlock) return false;
        if (code != SocketError.Success) error = new IOException($"receive failed: {code}", new SocketException((int)code));
        return true;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A stream socket's asynchronous send completes once every byte is sent.
        await socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush() { }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous reads only");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous writes only");
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    int IValueTaskSource<int>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _read.OnCompleted(continuation, state, token, flags);
}
