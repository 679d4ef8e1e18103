namespace ActorSockets.Connections;

// The protocol between a stream handler and the connection actor that owns its socket.
// Reads are asked (one at a time); writes are told, so several writes per read cost no round
// trip. Every type is plain data so it crosses process boundaries unchanged.

/// <summary>Read whatever is available, at most <paramref name="MaxBytes"/> (<c>recv(n)</c>).
/// Answered with <see cref="ReadResult"/>; empty data means end of stream.</summary>
internal sealed record ReadAvailable(int MaxBytes);

/// <summary>Read until <paramref name="Count"/> bytes or end of stream (<c>rfile.read(n)</c>).</summary>
internal sealed record ReadExactly(int Count);

/// <summary>Read one line, newline included (<c>rfile.readline()</c>). At end of stream the
/// rest without a newline, then empty. A line over the server's limit fails the read.</summary>
internal sealed record ReadLine;

/// <summary>Read one frame of <paramref name="Format"/> (<see cref="Handlers.StreamRequestHandler.ReadFrameAsync"/>).
/// Answered with <see cref="FrameResult"/>, or an empty <see cref="ReadResult"/> at end of stream.
/// Local only: the handler and the actor that answers it are in one process.</summary>
internal sealed record ReadFrame(Handlers.FrameFormat Format);

/// <summary>The answer to <see cref="ReadFrame"/>: the frame's payload.</summary>
internal sealed record FrameResult(byte[] Payload);

/// <summary>Read like <see cref="ReadAvailable"/>, answered with <see cref="LentRead"/>: the bytes
/// in a pooled buffer that the handler gives back at its next read. Local only.</summary>
internal sealed record ReadLent(int MaxBytes);

/// <summary>The answer to <see cref="ReadLent"/>: <paramref name="Count"/> bytes at
/// <paramref name="Offset"/> in <paramref name="Buffer"/>, rented from <see cref="InputBuffer.Pool"/>;
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

/// <summary>Closes the connection now: the handler is stopped, unsent bytes are dropped and the
/// socket is closed. Not answered; the connection actor stops (watch it to learn when). For an
/// actor other than the handler that writes to the connection and decides the client is too
/// slow or unwanted (a chat room dropping a participant that does not read).</summary>
/// <param name="Reason">Logged with the client's address.</param>
public sealed record Abort(string Reason);

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

/// <summary>Listener → connection: the server is closing. Reads are answered from what was
/// already received; one that needs more ends the stream instead of waiting, so the handler
/// finishes the request it holds and the connection closes between requests. Bytes not yet
/// received are left to the kernel (closing with them unread resets the client: the request
/// was not taken, and the client can tell).</summary>
internal sealed record Drain
{
    public static readonly Drain Instance = new();
}

// Messages for a handler that runs elsewhere (forking mode's relay): its stand-in in this
// process takes what the client sent so far in one piece, and reads in whole chunks.

/// <summary>Hand over every byte received so far, answered with <see cref="ReadAhead"/>, so
/// they travel with the request to wherever its handler runs.</summary>
internal sealed record TakeReadAhead
{
    public static readonly TakeReadAhead Instance = new();
}

/// <summary>The bytes received so far, and whether the client already ended its side.</summary>
internal sealed record ReadAhead(byte[] Data, bool Ended);

/// <summary>Read whatever arrives next, taking everything the kernel holds up to one chunk:
/// for a reader in another process each answer costs a crossing, so it carries as much as
/// there is. Answered like <see cref="ReadAvailable"/>.</summary>
internal sealed record ReadChunk
{
    public static readonly ReadChunk Instance = new();

    /// <summary>What the buffer answers it as.</summary>
    public static readonly ReadAvailable AsRead = new(ReadBuffer.MaxChunk);
}
