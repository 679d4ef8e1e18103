using ActorSockets.Handlers;

namespace ActorSockets.Connections;

// The messages a connection takes besides the handler's (ActorSockets.Handlers.ConnectionContract).

/// <summary>Closes the connection now: the handler is stopped, unsent bytes are dropped and the
/// socket is closed. Not answered; the connection actor stops (watch it to learn when). For an
/// actor other than the handler that writes to the connection and decides the client is too
/// slow or unwanted (a chat room dropping a participant that does not read).</summary>
/// <param name="Reason">Logged with the client's address.</param>
public sealed record Abort(string Reason);

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
    public static readonly ReadAvailable AsRead = new(ConnectionContract.MaxChunk);
}
