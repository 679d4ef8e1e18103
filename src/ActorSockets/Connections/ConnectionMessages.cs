namespace ActorSockets.Connections;

// The protocol between a stream handler and the connection actor that owns its socket.
// Reads are asked (one at a time); writes are told, so several writes per read cost no round
// trip. Every type is plain data so it crosses process boundaries unchanged.

/// <summary>Read whatever is available, at most <paramref name="MaxBytes"/> (<c>recv(n)</c>).
/// Answered with <see cref="ReadResult"/>; empty data means end of stream.</summary>
public sealed record ReadAvailable(int MaxBytes);

/// <summary>Read until <paramref name="Count"/> bytes or end of stream (<c>rfile.read(n)</c>).</summary>
public sealed record ReadExactly(int Count);

/// <summary>Read one line, newline included (<c>rfile.readline()</c>). At end of stream the
/// rest without a newline, then empty. A line over the server's limit fails the read.</summary>
public sealed record ReadLine;

/// <summary>Queue bytes for the client (<c>wfile.write</c>). Not answered.</summary>
public sealed record Write(byte[] Data);

/// <summary>Answered with <see cref="Flushed"/> once every queued byte is in the kernel.</summary>
public sealed record Flush
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
public sealed record ReadResult(byte[] Data);

/// <summary>The answer to <see cref="Flush"/>.</summary>
public sealed record Flushed
{
    /// <summary>The one instance.</summary>
    public static readonly Flushed Instance = new();
}

/// <summary>Why a read or write could not be served.</summary>
public enum IoFailure
{
    /// <summary>The line exceeded the server's maximum line length.</summary>
    LineTooLong,
    /// <summary>No byte arrived within the read timeout.</summary>
    Timeout,
    /// <summary>The connection was reset or closed under the request.</summary>
    ConnectionLost,
    /// <summary>The handler broke the protocol (for example two reads at once).</summary>
    Misuse,
}

/// <summary>The answer to a read or flush that failed.</summary>
public sealed record IoFailed(IoFailure Reason, string Message);

/// <summary>The refusals every connection (and its stand-ins) answers with the same words.</summary>
internal static class IoRefusals
{
    /// <summary>A second read while one is pending: the protocol is one read at a time.</summary>
    public static readonly IoFailed ReadPending = new(IoFailure.Misuse, "a read is already pending on this connection");

    /// <summary>A read on a datagram request.</summary>
    public static readonly IoFailed NoStream = new(IoFailure.Misuse, "a datagram request has no stream to read: its datagram came with Setup");
}

// Forking mode: a handler in a worker process talks to a stand-in for its connection in that
// process, which serves reads from bytes it already has and sends the rest of the handler's
// I/O to the real connection in batches. These messages cross between the processes.

/// <summary>What the connection does after queueing an <see cref="Exchange"/>'s bytes.</summary>
internal enum ExchangeThen : byte
{
    /// <summary>Nothing: the writes were all there was.</summary>
    Nothing,
    /// <summary>Read whatever arrives next (up to one chunk); answered with <see cref="ReadResult"/> or <see cref="IoFailed"/>.</summary>
    Read,
    /// <summary>Answer <see cref="Flushed"/> (or <see cref="IoFailed"/>) once everything is in the kernel.</summary>
    Flush,
    /// <summary>The handler is done: send what is queued and close.</summary>
    Done,
}

/// <summary>Stand-in → connection: <paramref name="Writes"/> (possibly empty) for the client, then <paramref name="Then"/>.</summary>
internal sealed record Exchange(byte[] Writes, ExchangeThen Then);

/// <summary>Proxy → connection (in the listener): hand over every byte received so far, answered
/// with <see cref="ReadAhead"/>, so they travel to the worker with the request itself.</summary>
internal sealed record TakeReadAhead
{
    public static readonly TakeReadAhead Instance = new();
}

/// <summary>The bytes received so far, and whether the client already ended its side.</summary>
internal sealed record ReadAhead(byte[] Data, bool Ended);
