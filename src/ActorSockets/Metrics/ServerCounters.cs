using System.Diagnostics;
using Akka.Event;

namespace ActorSockets.Metrics;

/// <summary>What a server counts (its <c>ServerStats</c>).</summary>
internal enum ServerEvent
{
    Received,
    Accepted,
    Refused,
    IdleTimeout,
    FirstByteTimeout,
    ReadTimeout,
    RequestDeadline,
    WriteLimit,
    LineTooLong,
    OversizeDatagram,
    HandlerFailure,
    TlsHandshakeFailure,
    ProxyHeaderFailure,
    PendingHandshakeLimit,
    DescriptorLimit,
    CircuitOpen,
    HandlerRestart,
}

/// <summary>
/// One server's counters, bumped by its listener and by every request actor (hence atomic), and
/// the one place limit events are logged: timeouts at Info, limits passed at Warning, each kind
/// at most once a second per server and the rest at Debug, so hostile traffic cannot flood the
/// log while every event is still counted.
/// </summary>
internal sealed class ServerCounters
{
    private static readonly long LogInterval = Stopwatch.Frequency; // one second

    private readonly long[] _counts = new long[Enum.GetValues<ServerEvent>().Length];
    private readonly long[] _lastLogged = new long[Enum.GetValues<ServerEvent>().Length];

    /// <summary>Where limit events are also measured (<c>actorsockets.limit_events</c>).</summary>
    public ServerMetrics Metrics { get; set; } = ServerMetrics.Unnamed;

    public long Count(ServerEvent what) => Interlocked.Increment(ref _counts[(int)what]);

    /// <summary>Counts a limit event and logs it: "<paramref name="subject"/>: <paramref name="detail"/>".</summary>
    public void Record(ServerEvent what, ILoggingAdapter log, string subject, string detail)
    {
        long total = Count(what);
        Metrics.LimitReached(what);
        var level = what is ServerEvent.IdleTimeout or ServerEvent.FirstByteTimeout
            or ServerEvent.ReadTimeout or ServerEvent.RequestDeadline
            or ServerEvent.TlsHandshakeFailure or ServerEvent.ProxyHeaderFailure or ServerEvent.PendingHandshakeLimit
            ? LogLevel.InfoLevel
            : LogLevel.WarningLevel;
        if (!TakeLogTurn(what)) level = LogLevel.DebugLevel;
        if (log.IsEnabled(level)) log.Log(level, "{Subject}: {Detail} ({Event} #{Count})", [subject, detail, what, total]);
    }

    /// <summary>How many <paramref name="what"/> were counted so far.</summary>
    public long Total(ServerEvent what) => Interlocked.Read(ref _counts[(int)what]);

    /// <summary>Whether this event may log at its own level now (once a second per kind).</summary>
    private bool TakeLogTurn(ServerEvent what)
    {
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Read(ref _lastLogged[(int)what]);
        return (last == 0 || now - last >= LogInterval)
            && Interlocked.CompareExchange(ref _lastLogged[(int)what], now, last) == last;
    }
}
