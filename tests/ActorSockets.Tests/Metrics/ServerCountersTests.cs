using System.Diagnostics;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Event;
using Xunit;

namespace ActorSockets.Tests.Metrics;

/// <summary>A server's counters and its limit-event log: every event counted, each kind logged
/// at its own level at most once a second and at Debug in between.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class ServerCountersTests
{
    [Fact]
    public void Each_event_is_counted_on_its_own_and_the_snapshot_shows_every_counter()
    {
        var counters = new ServerCounters();
        var events = Enum.GetValues<ServerEvent>();
        for (int i = 0; i < events.Length; i++)
            for (int n = 1; n <= i + 1; n++)
                Assert.Equal(n, counters.Count(events[i]));

        var stats = counters.Snapshot(active: 7, maxConnections: 9, suspended: true);
        Assert.Equal(new ServerStats(7, 9, true, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11) { TlsHandshakeFailures = 12, ProxyHeaderFailures = 13, PendingHandshakesClosed = 14, DescriptorLimitRejections = 15, CircuitRefusals = 16, HandlerRestarts = 17 }, stats);
        Assert.Equal(new ServerStats(0, null, false, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11) { TlsHandshakeFailures = 12, ProxyHeaderFailures = 13, PendingHandshakesClosed = 14, DescriptorLimitRejections = 15, CircuitRefusals = 16, HandlerRestarts = 17 },
            counters.Snapshot(0, null, false));
    }

    [Theory]
    [InlineData("IdleTimeout", LogLevel.InfoLevel)]
    [InlineData("FirstByteTimeout", LogLevel.InfoLevel)]
    [InlineData("ReadTimeout", LogLevel.InfoLevel)]
    [InlineData("RequestDeadline", LogLevel.InfoLevel)]
    [InlineData("TlsHandshakeFailure", LogLevel.InfoLevel)]
    [InlineData("ProxyHeaderFailure", LogLevel.InfoLevel)]
    [InlineData("WriteLimit", LogLevel.WarningLevel)]
    [InlineData("LineTooLong", LogLevel.WarningLevel)]
    [InlineData("OversizeDatagram", LogLevel.WarningLevel)]
    public void A_limit_event_is_counted_and_logged_at_its_level_then_at_debug_within_the_second(string kind, LogLevel level)
    {
        var what = Enum.Parse<ServerEvent>(kind);
        var counters = new ServerCounters();
        var log = new CapturingLog();
        counters.Record(what, log, "client 192.0.2.1:5", "over the limit");
        counters.Record(what, log, "client 192.0.2.2:6", "again");
        Assert.Equal([
            new CapturingLog.Entry(level, $"client 192.0.2.1:5: over the limit ({what} #1)", null),
            new CapturingLog.Entry(LogLevel.DebugLevel, $"client 192.0.2.2:6: again ({what} #2)", null)], log.Entries);
        Assert.Equal(3, counters.Count(what)); // the two recorded, then this one
    }

    [Fact]
    public void Each_kind_has_its_own_turn()
    {
        var counters = new ServerCounters();
        var log = new CapturingLog();
        counters.Record(ServerEvent.IdleTimeout, log, "a", "idle");
        counters.Record(ServerEvent.LineTooLong, log, "b", "long");
        Assert.Equal([LogLevel.InfoLevel, LogLevel.WarningLevel], log.Entries.Select(e => e.Level));
    }

    [Fact]
    public async Task A_kind_logs_at_its_level_again_once_a_second_has_passed()
    {
        var counters = new ServerCounters();
        var log = new CapturingLog();
        var clock = Stopwatch.StartNew();
        counters.Record(ServerEvent.WriteLimit, log, "a", "first");
        await Eventually.Until(() => clock.Elapsed > TimeSpan.FromSeconds(1.05), TimeSpan.FromSeconds(10), "a second to pass");
        counters.Record(ServerEvent.WriteLimit, log, "b", "second");
        counters.Record(ServerEvent.WriteLimit, log, "c", "third");
        Assert.Equal([LogLevel.WarningLevel, LogLevel.WarningLevel, LogLevel.DebugLevel], log.Entries.Select(e => e.Level));
    }

    [Fact]
    public void Events_at_a_level_the_log_does_not_want_are_counted_but_not_logged()
    {
        var counters = new ServerCounters();
        var log = new CapturingLog(LogLevel.WarningLevel);
        counters.Record(ServerEvent.IdleTimeout, log, "a", "idle");
        counters.Record(ServerEvent.LineTooLong, log, "b", "long");
        counters.Record(ServerEvent.LineTooLong, log, "c", "long again");
        Assert.Equal(["b: long (LineTooLong #1)"], log.Entries.Select(e => e.Text));
        Assert.Equal(1, counters.Snapshot(0, null, false).IdleTimeouts);
        Assert.Equal(2, counters.Snapshot(0, null, false).LinesTooLong);
    }

    [Fact]
    public void A_limit_event_is_measured_with_its_reason()
    {
        var name = $"counters-{Guid.NewGuid():N}";
        using var metrics = new MetricsCollector(name);
        var counters = new ServerCounters { Metrics = new ServerMetrics(name, "tcp") };
        counters.Record(ServerEvent.ReadTimeout, new CapturingLog(), "a", "slow");
        counters.Record(ServerEvent.ReadTimeout, new CapturingLog(), "a", "slow");
        counters.Record(ServerEvent.OversizeDatagram, new CapturingLog(), "a", "big");
        Assert.Equal(2, metrics.Sum(ActorSocketsMetrics.LimitEvents, ActorSocketsMetrics.ReasonTag, "read_timeout"));
        Assert.Equal(1, metrics.Sum(ActorSocketsMetrics.LimitEvents, ActorSocketsMetrics.ReasonTag, "oversize_datagram"));
    }
}
