using System.Diagnostics;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Limits;

/// <summary>The first-byte and idle clocks of a stream connection, with a real socket for "the
/// client sent bytes the handler has not read" and recorded timers (a test fires them).</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class ConnectionTimeoutsTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static ConnectionTimeouts.Tick FirstByte => new(ServerEvent.FirstByteTimeout);
    private static ConnectionTimeouts.Tick Idle => new(ServerEvent.IdleTimeout);

    /// <summary>A connection's clocks, with what it reads of <paramref name="options"/>.</summary>
    private static ConnectionTimeouts Timeouts(ServerOptions options) => new(ServerContext.ConnectionSettingsOf(options));

    /// <summary>Waits until at least <paramref name="span"/> has passed on the stopwatch clock the
    /// connection uses (the clock under test; nothing else is waited for).</summary>
    private static Task PassedAsync(Stopwatch since, TimeSpan span) => Eventually.Until(() => since.Elapsed > span, TimeSpan.FromSeconds(10), $"{span} to pass");

    [Fact]
    public void Start_arms_only_the_clocks_that_are_set()
    {
        var none = new RecordingTimers();
        Timeouts(ServerOptions.Tcp()).Start(none);
        Assert.Empty(none.Started);

        var both = new RecordingTimers();
        Timeouts(ServerOptions.Tcp() with { FirstByteTimeout = TimeSpan.FromSeconds(5), IdleTimeout = Hour }).Start(both);
        Assert.Equal([
            (ServerEvent.FirstByteTimeout, FirstByte, TimeSpan.FromSeconds(5)),
            (ServerEvent.IdleTimeout, Idle, Hour)], both.Started);

        var idleOnly = new RecordingTimers();
        Timeouts(ServerOptions.Tcp() with { IdleTimeout = Hour }).Start(idleOnly);
        Assert.Equal([(ServerEvent.IdleTimeout, Idle, Hour)], idleOnly.Started);
    }

    [Fact]
    public async Task A_client_that_says_nothing_is_let_go_at_the_first_byte_timeout()
    {
        using var pair = await SocketPair.ConnectAsync();
        var timers = new RecordingTimers();
        var timeouts = Timeouts(ServerOptions.Tcp() with { FirstByteTimeout = TimeSpan.FromSeconds(5) });
        Assert.Equal("no byte within the first-byte timeout of 00:00:05; closing", timeouts.Expired(FirstByte, pair.Server, timers));
        Assert.Empty(timers.Started);
    }

    [Fact]
    public async Task The_first_byte_clock_is_stopped_by_the_first_activity_only()
    {
        using var pair = await SocketPair.ConnectAsync();
        var timers = new RecordingTimers();
        var timeouts = Timeouts(ServerOptions.Tcp() with { FirstByteTimeout = TimeSpan.FromSeconds(5) });
        timeouts.OnClientActivity(timers);
        timeouts.OnClientActivity(timers);
        Assert.Equal([ServerEvent.FirstByteTimeout], timers.Cancelled);
        Assert.Null(timeouts.Expired(FirstByte, pair.Server, timers)); // a tick already under way is ignored
    }

    [Fact]
    public async Task Bytes_waiting_unread_in_the_kernel_count_as_the_first_byte_for_good()
    {
        using var pair = await SocketPair.ConnectAsync();
        var timers = new RecordingTimers();
        var timeouts = Timeouts(ServerOptions.Tcp() with { FirstByteTimeout = TimeSpan.FromSeconds(5) });
        await pair.Client.SendAsync("GET"u8.ToArray());
        await pair.ServerHasAsync(3);
        Assert.Null(timeouts.Expired(FirstByte, pair.Server, timers));
        _ = await SocketPair.ReceiveExactlyAsync(pair.Server, 3); // read now: the kernel holds nothing
        Assert.Null(timeouts.Expired(FirstByte, pair.Server, timers)); // heard from once is enough
    }

    [Fact]
    public async Task Unread_bytes_after_the_first_activity_keep_the_client_heard_from()
    {
        using var pair = await SocketPair.ConnectAsync();
        var timers = new RecordingTimers();
        var timeouts = Timeouts(ServerOptions.Tcp() with { FirstByteTimeout = TimeSpan.FromSeconds(5) });
        timeouts.OnClientActivity(timers);
        await pair.Client.SendAsync("more"u8.ToArray());
        await pair.ServerHasAsync(4);
        Assert.Null(timeouts.Expired(FirstByte, pair.Server, timers));
        Assert.Null(timeouts.Expired(FirstByte, pair.Server, timers));
    }

    [Fact]
    public async Task A_closed_socket_has_nothing_unread()
    {
        var pair = await SocketPair.ConnectAsync();
        await pair.Client.SendAsync("GET"u8.ToArray());
        await pair.ServerHasAsync(3);
        pair.Dispose();
        var timeouts = Timeouts(ServerOptions.Tcp() with { FirstByteTimeout = TimeSpan.FromSeconds(5) });
        Assert.NotNull(timeouts.Expired(FirstByte, pair.Server, new RecordingTimers()));
    }

    [Fact]
    public async Task An_idle_tick_before_the_time_is_up_rearms_for_the_time_left()
    {
        using var pair = await SocketPair.ConnectAsync();
        var timers = new RecordingTimers();
        var timeouts = Timeouts(ServerOptions.Tcp() with { IdleTimeout = Hour });
        var tick = Idle;
        Assert.Null(timeouts.Expired(tick, pair.Server, timers));
        var (key, message, left) = Assert.Single(timers.Started);
        Assert.Equal(ServerEvent.IdleTimeout, key);
        Assert.Same(tick, message);
        Assert.InRange(left, Hour - TimeSpan.FromMinutes(1), Hour - TimeSpan.FromTicks(1));
    }

    [Fact]
    public async Task A_connection_quiet_for_the_idle_timeout_is_closed()
    {
        using var pair = await SocketPair.ConnectAsync();
        var timers = new RecordingTimers();
        var idle = TimeSpan.FromMilliseconds(50);
        var clock = Stopwatch.StartNew();
        var timeouts = Timeouts(ServerOptions.Tcp() with { IdleTimeout = idle });
        await PassedAsync(clock, idle);
        Assert.Equal("idle: no byte received or sent for 00:00:00.0500000; closing", timeouts.Expired(Idle, pair.Server, timers));
        Assert.Empty(timers.Started);
    }

    [Fact]
    public async Task Bytes_received_restart_the_idle_clock()
    {
        using var pair = await SocketPair.ConnectAsync();
        var idle = TimeSpan.FromMilliseconds(200);
        var clock = Stopwatch.StartNew();
        var timeouts = Timeouts(ServerOptions.Tcp() with { IdleTimeout = idle });
        await PassedAsync(clock, idle);
        var timers = new RecordingTimers();
        timeouts.OnClientActivity(timers);
        Assert.Null(timeouts.Expired(Idle, pair.Server, timers));
        Assert.InRange(Assert.Single(timers.Started).Timeout, TimeSpan.FromTicks(1), idle);
    }

    [Fact]
    public async Task Bytes_sent_restart_the_idle_clock()
    {
        using var pair = await SocketPair.ConnectAsync();
        var idle = TimeSpan.FromMilliseconds(200);
        var clock = Stopwatch.StartNew();
        var timeouts = Timeouts(ServerOptions.Tcp() with { IdleTimeout = idle });
        await PassedAsync(clock, idle);
        timeouts.OnBytesSent();
        var timers = new RecordingTimers();
        Assert.Null(timeouts.Expired(Idle, pair.Server, timers));
        Assert.Single(timers.Started);
    }

    [Fact]
    public async Task Bytes_waiting_unread_restart_the_idle_clock()
    {
        using var pair = await SocketPair.ConnectAsync();
        var idle = TimeSpan.FromMilliseconds(200);
        var clock = Stopwatch.StartNew();
        var timeouts = Timeouts(ServerOptions.Tcp() with { IdleTimeout = idle });
        await pair.Client.SendAsync("x"u8.ToArray());
        await pair.ServerHasAsync(1);
        await PassedAsync(clock, idle);
        var timers = new RecordingTimers();
        Assert.Null(timeouts.Expired(Idle, pair.Server, timers)); // the handler is slow to read, not the client
        Assert.InRange(Assert.Single(timers.Started).Timeout, idle - TimeSpan.FromMilliseconds(100), idle);
    }
}
