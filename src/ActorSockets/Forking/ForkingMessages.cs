using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Forking;

// Messages between the listener process and worker nodes. The ones that cross processes are
// bound to WireSerializer in ForkingConfig; the rest stay inside the listener.

/// <summary>Listener → worker host: run a handler for this request; report to <paramref name="Proxy"/>.</summary>
public sealed record StartHandler(Setup Setup, IActorRef Proxy);

/// <summary>Worker → proxy: the request runs in <paramref name="Request"/> (watch it).</summary>
public sealed record HandlerStarted(IActorRef Request);

/// <summary>Worker → proxy: the handler threw; it has been stopped.</summary>
public sealed record HandlerFailed(string ExceptionType, string Message, string Details);

/// <summary>Listener → worker host: who are you? Answered with <see cref="WorkerInfo"/>.</summary>
public sealed record GetWorkerInfo
{
    /// <summary>The one instance.</summary>
    public static readonly GetWorkerInfo Instance = new();
}

/// <summary>A worker host's process id and machine name.</summary>
public sealed record WorkerInfo(int ProcessId, string MachineName);

/// <summary>Proxy → pool: route this request to the least busy worker.</summary>
internal sealed record RouteRequest(Setup Setup, IActorRef Proxy);

/// <summary>Pool → proxy: the worker running the request is gone (process died, node left or unreachable).</summary>
internal sealed record WorkerLost(string Reason);

/// <summary>Pool → proxy: no worker became available in time.</summary>
internal sealed record NoWorkerAvailable(TimeSpan Waited);

/// <summary>Process supervisor → pool: a worker process this listener started exited.</summary>
internal sealed record WorkerProcessExited(int ProcessId, int ExitCode);

/// <summary>Asks the pool to answer <see cref="WorkersReady"/> once at least <paramref name="Count"/> workers serve.</summary>
public sealed record WaitForWorkers(int Count);

/// <summary>The workers serving now, by process id.</summary>
public sealed record WorkersReady(IReadOnlyList<WorkerInfo> Workers);

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
public sealed class RemoteHandlerException(HandlerFailed failure)
    : Exception($"{failure.ExceptionType}: {failure.Message}")
{
    /// <summary>The worker's report, including the remote stack trace in <see cref="HandlerFailed.Details"/>.</summary>
    public HandlerFailed Failure { get; } = failure;
}

/// <summary>The worker running a request went away before the request finished.</summary>
public sealed class WorkerLostException(string message) : Exception(message);
