using ActorSockets.CommandLine;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Service;

/// <summary>The standard command line's notices to a service manager, on a NOTIFY_SOCKET of the test's own.</summary>
[Collection(ServiceProcesses.Name)]
public class ServiceNoticesTests
{
    [Theory]
    [InlineData("Threading")]
    [InlineData("Forking")]
    public async Task Ready_comes_once_the_port_serves_and_stopping_before_the_process_exits(string mode)
    {
        using var manager = new NotifySocket();
        int port = TestHost.FreePort();
        using var echo = SampleProcess.Launch("Echo", info => info.Environment["NOTIFY_SOCKET"] = manager.Address,
            "--port", port.ToString(), "--mode", mode, "--workers", "1");

        await manager.WaitForAsync("READY=1", TimeSpan.FromSeconds(60));
        Assert.Equal("hello", await Launcher.TcpRoundTripAsync(port, "hello", TimeSpan.FromSeconds(10))); // serving when ready
        Assert.Contains($"MAINPID={echo.Pid}", manager.Notices[0]);
        Assert.Equal(0, manager.IndexOf("READY=1")); // nothing before it
        Assert.Equal(-1, manager.IndexOf("STOPPING=1"));

        Assert.Equal(0, await echo.StopAsync(TimeSpan.FromSeconds(60)));
        int stopping = await manager.WaitForAsync("STOPPING=1", TimeSpan.FromSeconds(10)); // sent before exiting: already queued
        Assert.True(stopping > manager.IndexOf("READY=1"));
    }

    [Fact]
    public async Task The_watchdog_is_fed_at_half_its_period_from_ready_on()
    {
        using var manager = new NotifySocket();
        using var echo = SampleProcess.Launch("Echo", info =>
        {
            info.Environment["NOTIFY_SOCKET"] = manager.Address;
            info.Environment["WATCHDOG_USEC"] = "400000";
        }, "--port", "0");

        await manager.WaitForAsync("READY=1", TimeSpan.FromSeconds(60));
        await Eventually.Until(() => manager.Notices.Count(n => n == "WATCHDOG=1") >= 3, TimeSpan.FromSeconds(20), "three WATCHDOG=1");
        Assert.Equal(0, manager.IndexOf("READY=1"));
        Assert.Equal(0, await echo.StopAsync());
    }

    [Theory]
    [InlineData("2000000", null, 1000)]
    [InlineData("2000000", "42", 1000)]
    [InlineData("2000000", "41", null)]
    [InlineData(null, null, null)]
    [InlineData("0", null, null)]
    [InlineData("x", null, null)]
    public void The_watchdog_interval_is_half_of_WATCHDOG_USEC_when_it_is_for_this_process(string? usec, string? pid, int? millis)
        => Assert.Equal(millis is { } ms ? TimeSpan.FromMilliseconds(ms) : null, ServiceNotices.WatchdogInterval(usec, pid, ownPid: 42));
}
