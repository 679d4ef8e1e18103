using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Forking;

/// <summary>
/// What the listener records of a request handed to a worker process, whichever stands in for it
/// here (a <see cref="HandedOffRef"/>, or a <see cref="HandOffActor"/> when the pool
/// placed it): the hand-off, and at the end the worker's counts and the handler's failure,
/// replayed into the request's <see cref="RequestScope"/> as the listener's own connection
/// would record them.
/// </summary>
internal static class HandedOffAccounting
{
    /// <summary>The socket went to worker process <paramref name="link"/>.</summary>
    public static void HandedOff(ServerContext settings, RequestInfo info, WorkerLink link, ILoggingAdapter log)
    {
        ForkingMetrics.Requests.Add(1, new(ActorSocketsMetrics.ServerNameTag, settings.Metrics.ServerName), new(ForkingMetrics.PathTag, "handoff"));
        if (log.IsDebugEnabled)
            log.Debug("{0} ({1}) handed off to worker process {2} (path=handoff)", info.HandlerName, info.ClientAddress, link.ProcessId);
    }

    /// <summary>Replays how the request ended in worker process <paramref name="processId"/> into
    /// its <paramref name="scope"/> here (the caller then ends it): the limits that gave up on it,
    /// and the handler's failure.</summary>
    public static void Ended(ServerContext settings, RequestInfo info, HandoffProtocol.EndReport report, int? processId, ILoggingAdapter log,
        IActorRef request, ref RequestScope scope)
    {
        bool tlsFailed = false;
        settings.Metrics.BytesIn(report.BytesIn); // the worker moved them; the server's metrics are here
        settings.Metrics.BytesOut(report.BytesOut);
        bool abandoned = false;
        foreach (var (what, count) in report.Events)
        {
            if (what == ServerEvent.HandlerRestart) // the worker logged each one; the server counts them here
            {
                for (int i = 0; i < count; i++)
                {
                    settings.Counters.Count(what);
                    settings.Metrics.HandlerRestarted();
                }
                continue;
            }
            for (int i = 0; i < count; i++) // counted and logged here, as the listener's own connection would
                scope.Abandon(settings, info, what, $"{Detail(settings.Options, what)} in worker process {processId}", log, errorType: null);
            abandoned |= what is ServerEvent.RequestDeadline or ServerEvent.IdleTimeout or ServerEvent.FirstByteTimeout or ServerEvent.WriteLimit;
            if (what == ServerEvent.TlsHandshakeFailure)
            {
                settings.Metrics.ConnectionRejected("tls_handshake"); // as the listener's own TLS connection measures it
                tlsFailed = true;
            }
        }
        // error.type: the handler's failure, else a failed handshake, else a cut or abandoned connection.
        if (tlsFailed) scope.MarkFailed(ServerMetrics.ErrorHandler);
        if (report.Cut || abandoned) scope.MarkFailed(ServerMetrics.ErrorAborted);
        if (report.Error is { } error) scope.Fail(settings, info, Rebuild(error), log, request);
    }

    /// <summary>The worker went away under the request: counted and reported as a failure, and
    /// measured as cut off.</summary>
    public static void Lost(ServerContext settings, RequestInfo info, Exception error, ILoggingAdapter log, IActorRef request, ref RequestScope scope)
        => scope.Fail(settings, info, error, log, request, ServerMetrics.ErrorAborted);

    /// <summary>What the limit was, in the words the listener's own connections log it with.</summary>
    private static string Detail(ServerOptions options, ServerEvent what) => what switch
    {
        ServerEvent.LineTooLong => $"read failed: a line longer than {options.MaxLineLength} bytes",
        ServerEvent.ReadTimeout => $"read failed: no data within {options.ReadTimeout}",
        ServerEvent.IdleTimeout => $"idle: no byte received or sent for {options.IdleTimeout}; closed",
        ServerEvent.FirstByteTimeout => $"no first byte within {options.FirstByteTimeout}; closed",
        ServerEvent.RequestDeadline => $"request deadline of {options.RequestDeadline} passed; closed",
        ServerEvent.WriteLimit => $"handler queued more than {options.WriteBufferLimit} unsent bytes; closed",
        ServerEvent.TlsHandshakeFailure => "TLS handshake failed (the worker's log line gives the reason); closed",
        _ => what.ToString(),
    };

    /// <summary>The exceptions the default <c>HandleError</c> treats as the client's doing keep their type.</summary>
    private static Exception Rebuild(HandlerFailed failed) => failed.ExceptionType switch
    {
        var t when t == typeof(ConnectionLostException).FullName => new ConnectionLostException(failed.Message),
        var t when t == typeof(ReadTimeoutException).FullName => new ReadTimeoutException(failed.Message),
        var t when t == typeof(LineTooLongException).FullName => new LineTooLongException(failed.Message),
        _ => new RemoteHandlerException(failed),
    };
}
