
namespace ActorSockets.Handlers;

/// <summary>A line longer than the server's <c>MaxLineLength</c> arrived; nothing was buffered past the limit.</summary>
public sealed class LineTooLongException(string message) : IOException(message);

/// <summary>No byte arrived within the server's <c>ReadTimeout</c> (a socket timeout in socketserver).</summary>
public sealed class ReadTimeoutException(string message) : TimeoutException(message);

/// <summary>The client reset the connection, or the connection closed under a read or flush.</summary>
public sealed class ConnectionLostException(string message) : IOException(message);

/// <summary>Turns a request actor's <see cref="IoFailed"/> answer into the exception a handler sees.</summary>
internal static class IoErrors
{
    /// <summary>Returns <paramref name="answer"/>, or throws if it is an <see cref="IoFailed"/>.</summary>
    public static object ThrowIfFailed(object answer) => answer is IoFailed failed ? throw ToException(failed) : answer;

    public static Exception ToException(IoFailed failed) => failed.Reason switch
    {
        IoFailure.LineTooLong => new LineTooLongException(failed.Message),
        IoFailure.Timeout => new ReadTimeoutException(failed.Message),
        IoFailure.ConnectionLost => new ConnectionLostException(failed.Message),
        IoFailure.InvalidFrame => new InvalidDataException(failed.Message),
        IoFailure.Cancelled => new OperationCanceledException(failed.Message),
        _ => new InvalidOperationException(failed.Message),
    };
}
