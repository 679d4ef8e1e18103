using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Samples;

public class HostingSampleTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task HostedEcho_runs_two_servers_from_HOCON_and_code_and_serves_metrics_after_a_python_load()
    {
        var conf = TempConf("""
            actorsockets.servers.echo { port = 0 }
            actorsockets.servers.upper { port = 0, mode = sync }
            """);
        var metricsPort = TestHost.FreePort();
        using var sample = await SampleProcess.StartAsync("HostedEcho", "--config", conf, "--metrics-port", metricsPort.ToString());
        await Eventually.Until(() => Listening(sample).Count == 2, Deadline, "two LISTENING lines");
        var (echo, upper) = (Listening(sample)[0], Listening(sample)[1]);

        var echoLoad = await Python.RunAsync("load_client.py", echo.ToString(), "20", "hello");
        Assert.True(echoLoad.ExitCode == 0, echoLoad.Stderr);
        var upperLoad = await Python.RunAsync("load_client.py", upper.ToString(), "5", "shout");
        Assert.True(upperLoad.ExitCode == 0, upperLoad.Stderr);
        using (var client = await TestClient.ConnectAsync(upper))
        {
            await client.SendAsync("quiet\n");
            Assert.Equal("QUIET\n", await client.ReadLineAsync());
        }

        var text = await PrometheusScrape.Until(metricsPort, "actorsockets_connection_duration_seconds_count", "upper", v => v >= 6, Deadline);
        Assert.Equal(20, PrometheusScrape.Value(text, "actorsockets_connection_duration_seconds_count", "echo"));
        Assert.Equal(20 * "hello\n".Length, PrometheusScrape.Value(text, "actorsockets_network_io_bytes_total", "echo", ("network_io_direction", "receive")));
        Assert.Equal(20 * "hello\n".Length, PrometheusScrape.Value(text, "actorsockets_network_io_bytes_total", "echo", ("network_io_direction", "transmit")));
        Assert.Equal(0, PrometheusScrape.Value(text, "actorsockets_active_connections", "upper"));

        Assert.Equal(0, await sample.StopAsync());
        Assert.Matches(@"^LISTENING \d+ echo\nLISTENING \d+ upper$", sample.Stdout.Trim().ReplaceLineEndings("\n")); // nothing else on stdout
    }

    [Fact]
    public async Task HostedEcho_on_SIGTERM_refuses_new_connections_closes_an_idle_connection_between_requests_and_exits_0()
    {
        var conf = TempConf("actorsockets.server-defaults.port = 0");
        using var sample = await SampleProcess.StartAsync("HostedEcho", "--config", conf);
        await Eventually.Until(() => Listening(sample).Count == 2, Deadline, "two LISTENING lines");
        var upper = Listening(sample)[1];
        using var client = await TestClient.ConnectAsync(upper);
        await client.SendAsync("first\n");
        Assert.Equal("FIRST\n", await client.ReadLineAsync());

        sample.Signal("TERM");
        var deadline = DateTime.UtcNow + Deadline;
        while (!await TestHost.RefusesConnections(upper))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("still accepting after SIGTERM");
            await Task.Delay(10);
        }
        // Drained: the connection, idle between requests, is closed without waiting for the drain deadline.
        Assert.True(await client.IsClosedByServerAsync(), "the idle connection is closed by the drain");
        Assert.Equal(0, await sample.WaitForExitAsync());
        Assert.Contains("Stopping server upper", sample.Stderr);
        Assert.Matches(@"^LISTENING \d+ echo\nLISTENING \d+ upper$", sample.Stdout.Trim().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Echo_takes_its_settings_from_a_config_file_and_command_line_options_win()
    {
        // The file binds 127.0.0.2 and denies 127.0.0.1; --host moves the bind to 127.0.0.1, the deny list stays.
        var conf = TempConf("""
            actorsockets.servers.echo { host = "127.0.0.2", port = 0, deny = ["127.0.0.1/32"] }
            """);
        using var sample = await SampleProcess.StartAsync("Echo", "--config", conf, "--host", "127.0.0.1");
        using (var denied = await TestClient.ConnectAsync(sample.Port))
            Assert.True(await denied.IsClosedByServerAsync());
        using (var allowed = await TestClient.ConnectAsync(sample.Port, fromAddress: "127.0.0.2"))
        {
            await allowed.SendAsync("from the file\n");
            Assert.Equal("from the file\n", await allowed.ReadLineAsync());
        }
        Assert.Equal(0, await sample.StopAsync());
    }

    [Fact]
    public async Task Echo_serves_its_counters_over_http_with_metrics_port()
    {
        var metricsPort = TestHost.FreePort();
        using var sample = await SampleProcess.StartAsync("Echo", "--metrics-port", metricsPort.ToString(), "--one-shot");
        using (var client = await TestClient.ConnectAsync(sample.Port))
        {
            await client.SendAsync("count me\n");
            Assert.Equal("count me\n", await client.ReadToEndAsync());
        }
        var text = await PrometheusScrape.Until(metricsPort, "actorsockets_connection_duration_seconds_count", "echo", v => v >= 1, Deadline);
        Assert.Equal(0, PrometheusScrape.Value(text, "actorsockets_active_connections", "echo"));
        Assert.Equal(0, await sample.StopAsync());
    }

    [Theory]
    [InlineData("actorsockets.servers.echo.mode = sideways", "actorsockets.servers.echo.mode")]
    [InlineData("actorsockets.servers.echo.allow = [\"300.0.0.0/8\"]", "actorsockets.servers.echo.allow")]
    [InlineData("actorsockets.server-defaults.backlog = -1", "actorsockets.servers.echo.backlog")]
    public async Task A_bad_config_file_exits_2_naming_the_setting(string hocon, string setting)
    {
        using var sample = SampleProcess.Launch("Echo", "--config", TempConf(hocon));
        Assert.Equal(2, await sample.WaitForExitAsync());
        Assert.Contains(setting, sample.Stderr);
        Assert.DoesNotContain("LISTENING", sample.Stdout);
    }

    [Theory]
    [InlineData("Echo")]
    [InlineData("HostedEcho")]
    public async Task Help_lists_every_option_with_its_default(string name)
    {
        using var sample = SampleProcess.Launch(name, "--help");
        Assert.Equal(0, await sample.WaitForExitAsync());
        var options = sample.Stdout.Split('\n')
            .Where(l => l.StartsWith("  --") && !l.Contains("--help") && !l.Contains("--version")).ToList();
        Assert.Contains(options, l => l.Contains("--config"));
        Assert.Contains(options, l => l.Contains("--metrics-port"));
        Assert.Contains(options, l => l.Contains("--log-level"));
        Assert.All(options, l => Assert.Matches(@"[\[(]default: [^\])]*[\])]", l));
    }

    private static List<int> Listening(SampleProcess sample)
        => Regex.Matches(sample.Stdout, @"^LISTENING (\d+)( \S+)?$", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).ToList();

    private static string TempConf(string hocon)
    {
        var path = Path.Combine(Path.GetTempPath(), $"actorsockets-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, hocon);
        return path;
    }
}
