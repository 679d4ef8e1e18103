namespace ActorSockets.Handlers;

/// <summary>A line longer than the server's <c>MaxLineLength</c> arrived; nothing was buffered past the limit.</summary>
public sealed class LineTooLongException(string message) : IOException(message);

/// <summary>No byte arrived within the server's <c>ReadTimeout</c> (a socket timeout in socketserver).</summary>
public sealed class ReadTimeoutException(string message) : TimeoutException(message);

/// <summary>The client reset the connection, or the connection closed under a read or flush.</summary>
public sealed class ConnectionLostException(string message) : IOException(message);
