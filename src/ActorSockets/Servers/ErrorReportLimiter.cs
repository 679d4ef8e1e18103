using System.Runtime.CompilerServices;
using ActorSockets.Handlers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>
/// Keeps <see cref="ServerHooks.HandleError"/>'s default report affordable: at most
/// <see cref="ReportsPerWindow"/> reports per server per <see cref="Window"/>, each one compact
/// (message and the top frames; the whole stack trace only at debug level), and one line
/// counting the reports suppressed when the window ends. Without it 500 clients sending
/// invalid UTF-8 wrote 2.3 MB of stack traces in 0.3 s. Called from connection actors on
/// any thread, so it locks.
/// </summary>
internal sealed class ErrorReportLimiter
{
    public const int ReportsPerWindow = 10;
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private const int TopFrames = 3;

    // One limiter per server, found by its listener (RequestInfo.Server); gone with the listener.
    private static readonly ConditionalWeakTable<IActorRef, ErrorReportLimiter> PerServer = new();

    private readonly Lock _lock = new();
    private long _windowStart = -1_000_000; // long before any TickCount64
    private int _reported;
    private int _suppressed;

    public static ErrorReportLimiter For(RequestInfo request) => PerServer.GetValue(request.Server, _ => new ErrorReportLimiter());

    /// <summary>Logs a handler failure as a warning unless this server's budget for the window is spent.</summary>
    public void Warn(ILoggingAdapter log, RequestInfo request, Exception error)
    {
        var now = Environment.TickCount64;
        var windowMs = (long)Window.TotalMilliseconds;
        bool report, startFlush = false;
        long windowEnd;
        lock (_lock)
        {
            if (now - _windowStart >= windowMs)
            {
                _windowStart = now;
                _reported = 0;
            }
            windowEnd = _windowStart + windowMs;
            report = _reported < ReportsPerWindow;
            if (report) _reported++;
            else startFlush = _suppressed++ == 0;
        }
        if (!report)
        {
            // The first report over budget: count the rest and say how many when the window ends.
            if (startFlush)
                _ = Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, windowEnd - now)))
                    .ContinueWith(_ => Flush(log, request), TaskScheduler.Default);
            return;
        }
        // The warning is one compact line; the exception itself (its whole trace) goes once, at Debug.
        log.Warning("Handler {Handler} for client {Client} failed: {Reason}", request.HandlerName, request.ClientAddress, Describe(error));
        if (log.IsDebugEnabled) log.Debug(error, "Handler {Handler} for client {Client} failed: {Reason}", request.HandlerName, request.ClientAddress, error.Message);
    }

    private void Flush(ILoggingAdapter log, RequestInfo request)
    {
        int suppressed;
        lock (_lock)
        {
            suppressed = _suppressed;
            _suppressed = 0;
        }
        if (suppressed > 0)
            log.Warning("Suppressed {Count} more handler failure reports on server {Address} in the last {Seconds} s (at most {Limit} a second are logged)",
                suppressed, request.ServerAddress, Window.TotalSeconds, ReportsPerWindow);
    }

    /// <summary>"message [Type; at frame &lt; frame &lt; frame]", inner exceptions' messages appended.</summary>
    public static string Describe(Exception error)
    {
        var text = error.Message;
        for (var inner = error.InnerException; inner is not null; inner = inner.InnerException)
            text += $" ---> {inner.GetType().Name}: {inner.Message}";
        var frames = (error.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("at ", StringComparison.Ordinal))
            .Take(TopFrames)
            .Select(line => line[3..].Split(" in ", 2)[0]);
        var top = string.Join(" < ", frames);
        return top.Length == 0 ? $"{text} [{error.GetType().Name}]" : $"{text} [{error.GetType().Name}; at {top}]";
    }
}
