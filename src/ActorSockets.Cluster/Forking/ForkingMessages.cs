using ActorSockets.Connections;
using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Forking;

// Messages between the listener process and worker nodes. The ones that cross processes are
// bound to WireSerializer in ForkingConfig; the rest stay inside the listener.

/// <summary>Listener → worker host: run a handler for this request (in a <see cref="WorkerConnection"/>).</summary>
/// <param name="Setup">The request; its connection is the listener's <see cref="HandlerProxy"/>, which relays to the real one.</param>
/// <param name="Proxy">The listener's stand-in for the handler: failures are reported to it.</param>
/// <param name="Input">What the client had sent when the request was routed (a datagram: all of it).</param>
/// <param name="InputEnded">The client had already ended its side: no byte follows <paramref name="Input"/>.</param>
/// <param name="MaxLineLength">The server's line limit, applied to reads served in the worker.</param>
internal sealed record StartHandler(Setup Setup, IActorRef Proxy, byte[] Input, bool InputEnded, int MaxLineLength)
{
    /// <summary>A datagram request: its datagram is in <see cref="Setup"/>, and it has no stream to read.</summary>
    public bool IsDatagram => Setup.Datagram is not null;
}

/// <summary>Listener → worker host, sent as the request's proxy: the connection ended before the
/// handler did; stop it.</summary>
internal sealed record EndRequest
{
    /// <summary>The one instance.</summary>
    public static readonly EndRequest Instance = new();
}

/// <summary>Worker → proxy: the handler threw; it has been stopped.</summary>
internal sealed record HandlerFailed(string ExceptionType, string Message, string Details)
{
    /// <summary>What crosses the process boundary of <paramref name="error"/>: its type's name,
    /// message and text (the listener rebuilds an exception of them for <c>HandleError</c>).</summary>
    public static HandlerFailed From(Exception error) => new(error.GetType().FullName ?? error.GetType().Name, error.Message, error.ToString());
}

/// <summary>Listener → worker host: who are you? Answered with <see cref="WorkerInfo"/>. Carries the
/// listener's wire version: a worker of another version refuses to serve it and exits.</summary>
internal sealed record GetWorkerInfo(int WireVersion)
{
    /// <summary>This version's question.</summary>
    public static readonly GetWorkerInfo Instance = new(WireSerializer.Version);
}

/// <summary>A worker host's process id and machine name.</summary>
internal sealed record WorkerInfo(int ProcessId, string MachineName)
{
    /// <summary>The wire version the worker speaks (<see cref="WireSerializer.Version"/>).</summary>
    public int WireVersion { get; init; } = WireSerializer.Version;
}

/// <summary>Listener → worker host: the listener will not route to this worker (its wire version differs).</summary>
internal sealed record WorkerRefused(int ListenerVersion, string Reason);

/// <summary>Proxy → pool: route this request to the least busy worker.</summary>
internal sealed record RouteRequest(Setup Setup, IActorRef Proxy, ReadAhead Input, int MaxLineLength, IActorRef? Preferred = null);

/// <summary>Pool → proxy: the request runs on the worker whose host is <paramref name="Host"/>
/// (where <see cref="EndRequest"/> goes if the connection ends first).</summary>
internal sealed record RoutedTo(IActorRef Host);

/// <summary>Pool → proxy: the worker running the request is gone (process died, node left or unreachable).</summary>
internal sealed record WorkerLost(string Reason);

/// <summary>Pool → proxy: no worker became available in time.</summary>
internal sealed record NoWorkerAvailable(TimeSpan Waited);

/// <summary>Process supervisor → pool: whether the listener's own worker processes are all dead and
/// their restarts backing off (true), or one was started again (false). While none lives and none
/// serves otherwise, new connections are refused with the refuse-reply instead of held.</summary>
internal sealed record WorkersBackingOff(bool AllDown);

/// <summary>Pool → request: no worker lives to serve it (they are crash-looping); refuse it.</summary>
internal sealed record NoWorkerLives
{
    public static readonly NoWorkerLives Instance = new();
}

/// <summary>Process supervisor → pool: a worker process this listener started exited.</summary>
internal sealed record WorkerProcessExited(int ProcessId, int ExitCode);

/// <summary>Asks the pool to answer <see cref="WorkersReady"/> once at least <paramref name="Count"/> workers serve.</summary>
internal sealed record WaitForWorkers(int Count)
{
    /// <summary>Count only workers whose link is up (the listener's own processes, ready for sockets).</summary>
    public bool Linked { get; init; }
}

/// <summary>The workers serving now, by process id.</summary>
internal sealed record WorkersReady(IReadOnlyList<WorkerInfo> Workers);

/// <summary>Asks the process supervisor to stop every worker process; answered with <see cref="WorkersStopped"/>.</summary>
internal sealed record StopWorkers
{
    public static readonly StopWorkers Instance = new();
}

/// <summary>Every worker process has exited.</summary>
internal sealed record WorkersStopped
{
    public static readonly WorkersStopped Instance = new();
}

/// <summary>A handler failed in a worker process; carries what the worker reported.</summary>
public sealed class RemoteHandlerException : Exception
{
    internal RemoteHandlerException(HandlerFailed failure) : base($"{failure.ExceptionType}: {failure.Message}")
    {
        RemoteType = failure.ExceptionType;
        RemoteMessage = failure.Message;
        RemoteDetails = failure.Details;
    }

    /// <summary>The full name of the exception type the handler threw in the worker.</summary>
    public string RemoteType { get; }

    /// <summary>That exception's message.</summary>
    public string RemoteMessage { get; }

    /// <summary>That exception as the worker printed it, with its stack trace.</summary>
    public string RemoteDetails { get; }
}

/// <summary>The worker running a request went away before the request finished.</summary>
public sealed class WorkerLostException(string message) : Exception(message);

// A handler in a worker process talks to a stand-in for its connection in that process, which
// serves reads from bytes it already has and sends the rest of the handler's I/O to the
// listener in batches. These messages cross between the processes.

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

/// <summary>Worker's stand-in → listener's proxy: <paramref name="Writes"/> (possibly empty) for the client, then <paramref name="Then"/>.</summary>
internal sealed record Exchange(byte[] Writes, ExchangeThen Then);
