using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>What every request of one server shares with it, as its connections see it: their
/// settings, where handlers run, where a handler's failure is reported, and the server's live
/// counters and instruments (mutable, shared across threads). One per server: the server fills
/// it from its options, hooks and mode.</summary>
internal abstract record ConnectionContext(ConnectionSettings Limits)
{
    /// <summary>The server's counters, shared by its listener and every request actor.</summary>
    public ServerCounters Counters { get; } = new();

    /// <summary>The server's instruments, tagged with its name and transport.</summary>
    public ServerMetrics Metrics
    {
        get => Counters.Metrics;
        init => Counters.Metrics = value; // limit events are measured where they are counted
    }

    /// <summary>The server's TLS certificate and handshake settings; null for plain servers.</summary>
    public Tls.ServerCertificate? Tls { get; init; }

    /// <summary>Where a connection leaves its byte counts when it stops, for a worker to report them
    /// to the listener whose metrics count the server's bytes; null (the default): not kept.</summary>
    public ConnectionTotals? Totals { get; init; }

    /// <summary>Starts each request's handler where the server's mode runs it.</summary>
    public abstract IHandlerLauncher Launcher { get; }

    /// <summary>Reports a handler's failure to the server (socketserver's <c>handle_error</c>),
    /// once it was counted; <paramref name="reporter"/> is the actor that served the request.
    /// Called on the reporting actor's thread.</summary>
    public abstract void ReportError(RequestInfo request, Exception error, ILoggingAdapter log, IActorRef reporter);
}

/// <summary>
/// What a connection reads of its server's options: its limits and timeouts, and the restart
/// budget of a failed handler. Each value means what the server's option of the same name
/// means. Made once per server, by the server, and shared by all its connections.
/// </summary>
internal sealed record ConnectionSettings
{
    /// <summary>The longest line a handler may read.</summary>
    public int MaxLineLength { get; init; }

    /// <summary>Bytes a handler may queue unsent before the connection is given up on.</summary>
    public int WriteBufferLimit { get; init; }

    /// <summary>How long one read may wait for data; null: forever.</summary>
    public TimeSpan? ReadTimeout { get; init; }

    /// <summary>How long a new client has to send its first byte; null: forever.</summary>
    public TimeSpan? FirstByteTimeout { get; init; }

    /// <summary>How long a connection may pass with no byte received and no write completed; null: forever.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>How long a whole request may take; null: no limit.</summary>
    public TimeSpan? RequestDeadline { get; init; }

    /// <summary>Whether a failed handler is replaced on its connection (<c>supervision.on-failure = restart</c>).</summary>
    public bool RestartFailedHandlers { get; init; }

    /// <summary>At most this many restarts of one connection's handler within <see cref="RestartsWithin"/>.</summary>
    public int MaxRestarts { get; init; }

    /// <summary>The window <see cref="MaxRestarts"/> counts in.</summary>
    public TimeSpan RestartsWithin { get; init; }
}

/// <summary>Where a request's handler runs, as its connection sees it: the connection asks for
/// its request's handler and talks to whatever reference comes back. The server's mode
/// implements it (its handler placement).</summary>
internal interface IHandlerLauncher
{
    /// <summary>Starts a handler for <paramref name="request"/>, supervised by <paramref name="connection"/>'s context when local.</summary>
    IActorRef Launch(IActorContext connection, RequestInfo request);

    /// <summary>Whether the handler is a child of its connection (sync and threading modes):
    /// the connection's supervision then tells it the handler stopped, and may restart it there.</summary>
    bool LaunchesChildren { get; }
}

/// <summary>A stopped connection's byte counts (<see cref="ConnectionContext.Totals"/>): written once by
/// the connection actor as it stops, read after its Terminated.</summary>
internal sealed class ConnectionTotals
{
    public long BytesIn { get; set; }
    public long BytesOut { get; set; }
}
