using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Event;
using Xunit;

namespace ActorSockets.Tests.Limits;

/// <summary>The default report of a handler failure: compact, at most ten a second per server,
/// and one line counting the rest when the second ends.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class ErrorReportLimiterTests
{
    private static readonly RequestInfo Request = new("203.0.113.1:5", "127.0.0.1:9", "handler-1", ActorRefs.Nobody);
    private const string Failed = "Handler handler-1 for client 203.0.113.1:5 failed: ";

    [Fact]
    public void An_exception_never_thrown_is_its_message_and_type()
        => Assert.Equal("boom [InvalidOperationException]", ErrorReportLimiter.Describe(new InvalidOperationException("boom")));

    [Fact]
    public void Inner_exceptions_are_appended_with_their_types()
        => Assert.Equal("outer ---> IOException: inner ---> TimeoutException: deepest [Exception]",
            ErrorReportLimiter.Describe(new Exception("outer", new IOException("inner", new TimeoutException("deepest")))));

    [MethodImpl(MethodImplOptions.NoInlining)] private static void Level1() => Level2();
    [MethodImpl(MethodImplOptions.NoInlining)] private static void Level2() => Level3();
    [MethodImpl(MethodImplOptions.NoInlining)] private static void Level3() => Level4();
    [MethodImpl(MethodImplOptions.NoInlining)] private static void Level4() => throw new InvalidOperationException("deep");

    [Fact]
    public void A_thrown_exception_shows_its_top_three_frames_without_file_names()
    {
        try
        {
            Level1();
        }
        catch (InvalidOperationException e)
        {
            Assert.Contains(" in ", e.StackTrace); // the frames do name files (the test's premise)
            const string at = "ActorSockets.Tests.Limits.ErrorReportLimiterTests";
            Assert.Equal($"deep [InvalidOperationException; at {at}.Level4() < {at}.Level3() < {at}.Level2()]", ErrorReportLimiter.Describe(e));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)] private static void Thrower() => throw new InvalidOperationException("again");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Relay()
    {
        try
        {
            Thrower();
        }
        catch (InvalidOperationException e)
        {
            ExceptionDispatchInfo.Capture(e).Throw(); // as an await rethrows: a separator line in the trace
        }
    }

    [Fact]
    public void Only_frames_count_not_the_separator_lines_of_a_rethrow()
    {
        var e = Assert.Throws<InvalidOperationException>(Relay);
        Assert.Contains("--- End of stack trace from previous location ---", e.StackTrace); // the test's premise
        const string at = "ActorSockets.Tests.Limits.ErrorReportLimiterTests";
        Assert.Equal($"again [InvalidOperationException; at {at}.Thrower() < {at}.Relay() < {at}.Relay()]", ErrorReportLimiter.Describe(e));
    }

    [Fact]
    public void A_report_is_one_warning_line_and_the_whole_exception_at_debug()
    {
        var log = new CapturingLog();
        var error = new InvalidOperationException("boom");
        new ErrorReportLimiter().Warn(log, Request, error);
        Assert.Equal([
            new CapturingLog.Entry(LogLevel.WarningLevel, Failed + "boom [InvalidOperationException]", null),
            new CapturingLog.Entry(LogLevel.DebugLevel, Failed + "boom", error)], log.Entries);

        var quiet = new CapturingLog(LogLevel.InfoLevel);
        new ErrorReportLimiter().Warn(quiet, Request, error);
        Assert.Equal([LogLevel.WarningLevel], quiet.Entries.Select(e => e.Level)); // no debug entry when debug is off
    }

    [Fact]
    public async Task Past_ten_a_second_reports_are_counted_and_told_in_one_line_when_the_second_ends()
    {
        var log = new CapturingLog(LogLevel.InfoLevel);
        var suppressed = new List<(string Text, TimeSpan At)>();
        var clock = Stopwatch.StartNew();
        log.Logged += entry =>
        {
            if (entry.Text.StartsWith("Suppressed")) lock (suppressed) suppressed.Add((entry.Text, clock.Elapsed));
        };
        var limiter = new ErrorReportLimiter();
        limiter.Warn(log, Request, new Exception("1"));
        long firstTick = Environment.TickCount64; // the window started at or before this
        for (int i = 2; i <= 13; i++) limiter.Warn(log, Request, new Exception($"{i}"));
        Assert.Equal(10, log.Entries.Count);
        Assert.Equal(Failed + "10 [Exception]", log.Entries[^1].Text);

        await Eventually.Until(() => { lock (suppressed) return suppressed.Count > 0; }, TimeSpan.FromSeconds(10), "the suppressed count");
        var (text, at) = suppressed[0];
        Assert.Equal("Suppressed 3 more handler failure reports on server 127.0.0.1:9 in the last 1 s (at most 10 a second are logged)", text);
        Assert.True(at > TimeSpan.FromMilliseconds(500), $"told when the second ends, not at once ({at})");
        Assert.Equal(LogLevel.WarningLevel, log.Entries[^1].Level);

        // A new second: ten more are reported, the rest counted afresh and told at its end.
        await Eventually.Until(() => Environment.TickCount64 - firstTick >= 1000, TimeSpan.FromSeconds(10), "the next second");
        var secondStarted = clock.Elapsed;
        int before = log.Entries.Count;
        for (int i = 1; i <= 11; i++) limiter.Warn(log, Request, new Exception($"again {i}"));
        Assert.Equal(before + 10, log.Entries.Count);
        await Eventually.Until(() => { lock (suppressed) return suppressed.Count > 1; }, TimeSpan.FromSeconds(10), "the second suppressed count");
        Assert.StartsWith("Suppressed 1 more", suppressed[1].Text);
        Assert.True(suppressed[1].At - secondStarted > TimeSpan.FromMilliseconds(500), $"told when the second second ends ({suppressed[1].At - secondStarted} after it began)");
        Assert.Single(suppressed.Skip(1));
    }
}
