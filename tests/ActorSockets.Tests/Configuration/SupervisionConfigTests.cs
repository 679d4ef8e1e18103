using ActorSockets.CommandLine;
using ActorSockets.Configuration;
using ActorSockets.Servers;
using Akka.Configuration;
using Xunit;

namespace ActorSockets.Tests.Configuration;

/// <summary>The <c>supervision { }</c> block and the worker restart bound in <c>forking { }</c>:
/// their defaults change nothing a user relied on, each key reads into its option, and a bad
/// value is refused naming its full path, also through the command line.</summary>
public class SupervisionConfigTests
{
    [Fact]
    public void The_defaults_are_stop_with_no_breaker_and_ten_worker_restarts_a_minute()
    {
        var options = ServerConfig.Read(Config.Empty, "plain");
        Assert.Equal(new SupervisionOptions(), options.Supervision);
        Assert.Equal(FailurePolicy.Stop, options.Supervision.OnFailure);
        Assert.Null(options.Supervision.CircuitBreaker.MaxFailures);
        Assert.Equal("", options.Supervision.CircuitBreaker.RefuseReply);
        Assert.Equal((10, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10)),
            (options.Forking.MaxRestarts, options.Forking.RestartsWithin, options.Forking.RestartBackoffMax));
    }

    [Fact]
    public void Every_key_reads_into_its_option_and_a_server_overrides_the_defaults_key_by_key()
    {
        var options = ServerConfig.Read(ConfigurationFactory.ParseString("""
            actorsockets.server-defaults.supervision { max-restarts = 5, circuit-breaker.reset-timeout = 2s }
            actorsockets.servers.echo {
              supervision {
                on-failure = restart
                within = 3s
                circuit-breaker { max-failures = 4, within = 1s, refuse-reply = "-ERR busy\r\n" }
              }
              forking { max-restarts = 2, restarts-within = 30s, restart-backoff-max = 4s }
            }
            """), "echo");
        var s = options.Supervision;
        Assert.Equal((FailurePolicy.Restart, 5, TimeSpan.FromSeconds(3)), (s.OnFailure, s.MaxRestarts, s.Within));
        Assert.Equal(new CircuitBreakerOptions
        {
            MaxFailures = 4, Within = TimeSpan.FromSeconds(1), ResetTimeout = TimeSpan.FromSeconds(2), RefuseReply = "-ERR busy\r\n",
        }, s.CircuitBreaker);
        Assert.Equal((2, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(4)),
            (options.Forking.MaxRestarts, options.Forking.RestartsWithin, options.Forking.RestartBackoffMax));
    }

    [Theory]
    [InlineData("supervision.on-failure = resume", "supervision.on-failure", "'resume' is not a supervision.on-failure (expected one of: stop, restart)")]
    [InlineData("supervision.max-restarts = -1", "supervision.max-restarts", "must not be negative")]
    [InlineData("supervision.max-restarts = some", "supervision.max-restarts", "'some' is not an integer")]
    [InlineData("supervision.within = 0s", "supervision.within", "must be positive")]
    [InlineData("supervision.circuit-breaker.max-failures = 0", "supervision.circuit-breaker.max-failures", "must be at least 1")]
    [InlineData("supervision.circuit-breaker.max-failures = lots", "supervision.circuit-breaker.max-failures", "'lots' is not an integer or off")]
    [InlineData("supervision.circuit-breaker.within = soon", "supervision.circuit-breaker.within", "'soon' is not a duration")]
    [InlineData("supervision.circuit-breaker.reset-timeout = 0s", "supervision.circuit-breaker.reset-timeout", "must be positive")]
    [InlineData("supervision.circuit-breaker.max-failure = 3", "supervision.circuit-breaker.max-failure", "unknown setting (known: ")]
    [InlineData("supervision.on-falure = stop", "supervision.on-falure", "unknown setting (known: ")]
    [InlineData("supervision.circuit-breaker = on", "supervision.circuit-breaker", "must be an object")]
    [InlineData("supervision = restart", "supervision", "must be an object")]
    public void Each_invalid_supervision_setting_names_its_full_path(string setting, string key, string why)
        => ServerConfigTests.AssertRejected($"actorsockets.servers.echo {{ {setting} }}", key, why);

    [Fact]
    public void A_bad_supervision_default_is_reported_for_the_server_that_inherits_it()
        => ServerConfigTests.AssertRejected("actorsockets.server-defaults.supervision.circuit-breaker.max-failures = 0",
            "supervision.circuit-breaker.max-failures", "must be at least 1 (null for off) (inherited from actorsockets.server-defaults)");

    [Fact]
    public void Options_set_in_code_are_checked_too()
    {
        var bad = ServerOptions.Tcp() with { Supervision = new SupervisionOptions { Within = TimeSpan.Zero } };
        Assert.Contains("'Supervision.Within'", Assert.Throws<ArgumentException>(bad.Validate).Message);
        var breaker = ServerOptions.Tcp() with { Supervision = new() { CircuitBreaker = new() { MaxFailures = 0 } } };
        Assert.Contains("'Supervision.CircuitBreaker.MaxFailures'", Assert.Throws<ArgumentException>(breaker.Validate).Message);
    }

    [Fact]
    public void A_bad_value_in_a_config_file_stops_the_command_line_with_one_line()
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorsockets-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "actorsockets.servers.echo.supervision.circuit-breaker.reset-timeout = -1s\n");
        try
        {
            var parsed = ServerCommandLine.CreateCommand("test").Parse(["--config", file, "--name", "echo"]);
            Assert.Empty(parsed.Errors);
            var error = Assert.ThrowsAny<ConfigurationException>(() => ServerCommandLine.BuildOptions(parsed));
            Assert.StartsWith("Invalid setting actorsockets.servers.echo.supervision.circuit-breaker.reset-timeout: '-1s' is not a duration", error.Message);
            Assert.DoesNotContain('\n', error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
