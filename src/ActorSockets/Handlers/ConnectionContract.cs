using System.Buffers;

namespace ActorSockets.Handlers;

/// <summary>
/// The connection contract: the messages a handler sends to <see cref="Setup.Connection"/> and
/// the answers it gets back, whoever serves them. Four servers implement it:
/// <list type="bullet">
/// <item>the stream connection actor, which owns the client's socket;</item>
/// <item>a datagram request's reply, which gathers writes into one datagram and refuses stream
/// reads with <see cref="IoRefusals.NoStream"/>;</item>
/// <item>a forking-mode worker's stand-in for the connection, which batches writes and reads
/// into exchanges with the listener;</item>
/// <item>the listener's proxy for a handler in a worker, which replays those exchanges on the
/// real connection.</item>
/// </list>
/// The rules every server keeps:
/// <list type="bullet">
/// <item>Reads are asked, one at a time (a second read while one waits is answered with
/// <see cref="IoRefusals.ReadPending"/>), and answered to the sender with <see cref="ReadResult"/>
/// (empty: end of stream), <see cref="FrameResult"/>, <see cref="LentRead"/>, or
/// <see cref="IoFailed"/>. No read returns more than <see cref="MaxChunk"/> bytes.</item>
/// <item>Writes are told and never answered, so several writes per read cost no round trip; they
/// go out in order, and more than the server's write limit unsent ends the request.
/// <see cref="Flush"/> is answered with <see cref="Flushed"/> once everything written is sent,
/// or with <see cref="IoFailed"/>.</item>
/// <item><see cref="HandlerDone"/> ends the request: what was written still goes out.</item>
/// <item>Messages marked "local only" never cross a process boundary; every other one is plain
/// data and crosses unchanged.</item>
/// </list>
/// </summary>
internal static class ConnectionContract
{
    /// <summary>Largest single read a handler may ask for; its API splits bigger reads.</summary>
    public const int MaxChunk = 64 * 1024;

    /// <summary>Where input buffers are rented from and returned to, a <see cref="LentRead"/>'s
    /// included (the handler gives it back here at its next read): the shared pool. Tests put a
    /// counting pool in front of it to check every rented buffer comes back and none is larger
    /// than the line limit needs.</summary>
    public static ArrayPool<byte> Pool { get; set; } = ArrayPool<byte>.Shared;
}

/// <summary>A request queued to a kept handler (<see cref="Setup.KeepHandler"/>), told when the
/// handler takes it up: from then until <see cref="HandlerDone"/>, a failure of the handler is
/// this request's. Called on the handler's thread.</summary>
internal interface IQueuedRequest
{
    void TakenUp();
}

/// <summary>Read whatever is available, at most <paramref name="MaxBytes"/> (<c>recv(n)</c>).
/// Answered with <see cref="ReadResult"/>; empty data means end of stream.</summary>
internal sealed record ReadAvailable(int MaxBytes);

/// <summary>Read until <paramref name="Count"/> bytes or end of stream (<c>rfile.read(n)</c>).</summary>
internal sealed record ReadExactly(int Count);

/// <summary>Read one line, newline included (<c>rfile.readline()</c>). At end of stream the
/// rest without a newline, then empty. A line over the server's limit fails the read.</summary>
internal sealed record ReadLine;

/// <summary>Read one frame of <paramref name="Format"/> (<see cref="StreamRequestHandler.ReadFrameAsync"/>).
/// Answered with <see cref="FrameResult"/>, or an empty <see cref="ReadResult"/> at end of stream.
/// Local only: the handler and the actor that answers it are in one process.</summary>
internal sealed record ReadFrame(FrameFormat Format);

/// <summary>The answer to <see cref="ReadFrame"/>: the frame's payload.</summary>
internal sealed record FrameResult(byte[] Payload);

/// <summary>Read like <see cref="ReadAvailable"/>, answered with <see cref="LentRead"/>: the bytes
/// in a pooled buffer that the handler gives back at its next read. Local only.</summary>
internal sealed record ReadLent(int MaxBytes);

/// <summary>The answer to <see cref="ReadLent"/>: <paramref name="Count"/> bytes at
/// <paramref name="Offset"/> in <paramref name="Buffer"/>, rented from <see cref="ConnectionContract.Pool"/>;
/// the reader returns it there.</summary>
internal sealed record LentRead(byte[] Buffer, int Offset, int Count);

/// <summary>Handler → connection: cancel <paramref name="Aborted"/> when the client closes its side
/// or resets (watched from now on, also while no read waits). Local only.</summary>
internal sealed record WatchClient(CancellationTokenSource Aborted);

/// <summary>Handler → connection: the waiting read's token fired; answer it with
/// <see cref="IoFailure.Cancelled"/> unless it was answered already.</summary>
internal sealed record CancelRead
{
    public static readonly CancelRead Instance = new();
    public static readonly IoFailed Answer = new(IoFailure.Cancelled, "the read was cancelled");
}

/// <summary>Queue bytes for the client (<c>wfile.write</c>). Not answered.</summary>
internal sealed record Write(byte[] Data);

/// <summary>Answered with <see cref="Flushed"/> once every queued byte is in the kernel.</summary>
internal sealed record Flush
{
    /// <summary>The one instance.</summary>
    public static readonly Flush Instance = new();
}

/// <summary>The answer to a read: the bytes, empty at end of stream.</summary>
internal sealed record ReadResult(byte[] Data);

/// <summary>The answer to <see cref="Flush"/>.</summary>
internal sealed record Flushed
{
    /// <summary>The one instance.</summary>
    public static readonly Flushed Instance = new();
}

/// <summary>Why a read or write could not be served.</summary>
internal enum IoFailure
{
    /// <summary>The line exceeded the server's maximum line length.</summary>
    LineTooLong,
    /// <summary>No byte arrived within the read timeout.</summary>
    Timeout,
    /// <summary>The connection was reset or closed under the request.</summary>
    ConnectionLost,
    /// <summary>The handler broke the protocol (for example two reads at once).</summary>
    Misuse,
    /// <summary>The read's cancellation token fired before it was answered.</summary>
    Cancelled,
    /// <summary>The client's bytes are not a frame of the format read, or the stream ended inside one.</summary>
    InvalidFrame,
}

/// <summary>The answer to a read or flush that failed.</summary>
internal sealed record IoFailed(IoFailure Reason, string Message);

/// <summary>The refusals every connection (and its stand-ins) answers with the same words.</summary>
internal static class IoRefusals
{
    /// <summary>A second read while one is pending: the protocol is one read at a time.</summary>
    public static readonly IoFailed ReadPending = new(IoFailure.Misuse, "a read is already pending on this connection");

    /// <summary>A read on a datagram request.</summary>
    public static readonly IoFailed NoStream = new(IoFailure.Misuse, "a datagram request has no stream to read: its datagram came with Setup");
}

