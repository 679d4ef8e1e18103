using System.Diagnostics;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// The bookkeeping of one request, from its start to its end, in one place whichever path serves
/// it: shaped like Kestrel's <c>KestrelConnection&lt;T&gt;.ExecuteAsync</c>, one try/finally
/// around the request, cut here into the steps its owner calls as they happen:
/// <list type="bullet">
/// <item><see cref="Begin"/>: the request is counted open and measured from now;
/// <see cref="StartDeadline"/> starts <see cref="ConnectionSettings.RequestDeadline"/>;</item>
/// <item><see cref="Abandon"/>: a limit or timeout gives up on it (counted and logged in the
/// words every path uses);</item>
/// <item><see cref="Fail"/>: the handler failed: counted and reported to the server's
/// <c>HandleError</c> (socketserver's <c>handle_error</c>), with the circuit breaker told;</item>
/// <item><see cref="End"/>: the finally: stops the deadline and closes the metrics with why the
/// request failed, if it did. Idempotent: only the first call counts, and nothing is recorded
/// after it.</item>
/// </list>
/// Who drives it, on each path (always from one thread at a time):
/// <list type="bullet">
/// <item>stream (TCP, Unix, TLS, and the relay to a worker node, whose handler is a
/// <c>HandlerProxy</c> that throws the worker's failure): the <see cref="ConnectionActor"/>,
/// from <c>PreStart</c> to <c>PostStop</c>;</item>
/// <item>datagram: the datagram listener, in the request's <c>DatagramReply</c> (the
/// datagram path keeps no connection metrics, so it never calls <see cref="Begin"/>);</item>
/// <item>hand-off to a worker process: the listener's <c>HandedOffRef</c> (on the link's thread,
/// once its end is won) or <c>HandOffActor</c>, which replay the worker's end report through
/// <see cref="Abandon"/> and <see cref="Fail"/> before <see cref="End"/>. In the worker, the
/// connection actor serving the socket keeps its own scope; the end report carries what it
/// counted, and the handler's failure (as <c>HandlerFailed</c>), back to the listener.</item>
/// </list>
/// A mutable struct kept as a field of its owner: no allocation per request.
/// </summary>
internal struct RequestScope
{
    /// <summary>The request's deadline passed: arrives on its owner's timers (<see cref="StartDeadline"/>).</summary>
    internal sealed record DeadlinePassed(object Key);

    private long _started; // when it began to be measured; 0: its metrics are not kept here
    private bool _opened;
    private string? _errorType;
    private bool _ended;

    /// <summary>Whether the request failed (error.type of its duration set).</summary>
    public readonly bool Failed => _errorType is not null;

    /// <summary>Whether <see cref="End"/> ran.</summary>
    public readonly bool Ended => _ended;

    /// <summary>The request is served from now: counted open and measured. Once: later calls
    /// (a hand-off tried again on another worker) keep the first start.</summary>
    public void Begin(ServerMetrics metrics)
    {
        if (_opened) return;
        _opened = true;
        StartClock();
        metrics.ConnectionOpened();
    }

    /// <summary>Starts measuring before <see cref="Begin"/> counts the request open, for an owner
    /// whose end may be told on another thread before it gets to <see cref="Begin"/> (a socket
    /// handed to a worker in the listener's run): <see cref="End"/> then still closes the metrics.</summary>
    public void StartClock()
    {
        if (_started == 0) _started = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts <see cref="ConnectionSettings.RequestDeadline"/>, if set: a <see cref="DeadlinePassed"/>
    /// with <paramref name="key"/> arrives on the owner's <paramref name="timers"/>, and the owner
    /// then calls <see cref="Abandon"/> with <see cref="ServerEvent.RequestDeadline"/> and <see cref="DeadlineWhy"/>.</summary>
    public readonly void StartDeadline(ConnectionSettings options, ITimerScheduler timers, object key)
    {
        if (options.RequestDeadline is { } deadline) timers.StartSingleTimer(key, new DeadlinePassed(key), deadline);
    }

    /// <summary>Why a request whose <see cref="ConnectionSettings.RequestDeadline"/> passed is closed.</summary>
    public static string DeadlineWhy(ConnectionSettings options) => $"request deadline of {options.RequestDeadline} passed; closing";

    /// <summary>A limit or timeout gave up on the request (the owner then ends it): counted and
    /// logged; <paramref name="errorType"/> is its duration's error.type unless it failed otherwise
    /// (null: a read that failed, which does not end the request by itself).</summary>
    public void Abandon(ConnectionContext settings, RequestInfo request, ServerEvent reason, string why, ILoggingAdapter log, string? errorType)
    {
        if (_ended) return;
        RequestLifecycle.Abandoned(settings, request, reason, why, log);
        _errorType ??= errorType;
    }

    /// <summary>The request failed as <paramref name="errorType"/> (a TLS handshake, a cut-off
    /// connection) without a handler's exception to report; the first error type set stays.</summary>
    public void MarkFailed(string errorType)
    {
        if (!_ended) _errorType ??= errorType;
    }

    /// <summary>The handler failed: counted and reported to <c>HandleError</c>, once per failure;
    /// <paramref name="errorType"/> is its duration's error.type (it overrides a limit's), or null
    /// when the request goes on (its handler restarted). <paramref name="reporter"/> is the actor
    /// the circuit breaker counts the failure against.</summary>
    public void Fail(ConnectionContext settings, RequestInfo request, Exception error, ILoggingAdapter log, IActorRef reporter,
        string? errorType = ServerMetrics.ErrorHandler)
    {
        if (_ended) return;
        RequestLifecycle.Report(settings, request, error, log, reporter);
        if (errorType is not null) _errorType = errorType;
    }

    /// <summary>The request is over: stops its deadline (when <paramref name="timers"/> is given)
    /// and closes its metrics, with <paramref name="unfinished"/> as the error.type when it did not
    /// fail otherwise (the request was cut off). Returns whether this call ended it.</summary>
    public bool End(ConnectionContext settings, string? unfinished, ITimerScheduler? timers = null, object? deadlineKey = null)
    {
        if (_ended) return false;
        _ended = true;
        if (timers is not null && settings.Limits.RequestDeadline is not null) timers.Cancel(deadlineKey!);
        if (_started != 0) settings.Metrics.ConnectionClosed(_errorType ?? unfinished, _started);
        return true;
    }
}
