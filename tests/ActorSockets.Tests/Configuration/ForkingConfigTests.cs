using ActorSockets.CommandLine;
using ActorSockets.Configuration;
using ActorSockets.Forking;
using Akka.Configuration;
using Xunit;

namespace ActorSockets.Tests.Configuration;

/// <summary>The <c>forking { }</c> block of a server's HOCON section and how the forking
/// command-line options combine with it.</summary>
public class ForkingConfigTests
{
    private static Config Hocon(string text) => ConfigurationFactory.ParseString(text);

    [Fact]
    public void Without_a_forking_block_the_options_are_the_code_defaults_and_workers_auto_is_one_per_core_at_least_two()
    {
        var forking = ServerConfig.Read(Config.Empty, "plain").Forking;
        Assert.Equal(new ForkingOptions(), forking);
        Assert.Equal(Math.Max(2, Environment.ProcessorCount), forking.Workers);
        Assert.Equal(40, forking.MaxChildren);
        Assert.Equal(TimeSpan.FromSeconds(60), forking.WorkerStartTimeout);
        Assert.Equal("auto", ActorSocketsConfig.Reference.GetString($"{ActorSocketsConfig.DefaultsPath}.forking.workers"));
    }

    [Fact]
    public void A_server_forking_block_overrides_the_defaults_block_key_by_key()
    {
        var config = Hocon("""
            actorsockets.server-defaults.forking { max-children = 8, stop-timeout = 2s }
            actorsockets.servers.a {
              mode = forking
              forking { workers = 3, worker-wait-timeout = 5s, restart-delay = 1s, cluster-host = "0.0.0.0",
                        cluster-port = 4053, worker-start-timeout = 90s }
            }
            actorsockets.servers.b.forking.workers = 0
            """);
        var a = ServerConfig.Read(config, "a").Forking;
        Assert.Equal(new ForkingOptions
        {
            Workers = 3, MaxChildren = 8, WorkerWaitTimeout = TimeSpan.FromSeconds(5), RestartDelay = TimeSpan.FromSeconds(1),
            StopTimeout = TimeSpan.FromSeconds(2), ClusterHost = "0.0.0.0", ClusterPort = 4053, WorkerStartTimeout = TimeSpan.FromSeconds(90),
        }, a);

        var b = ServerConfig.Read(config, "b").Forking;
        Assert.Equal(new ForkingOptions { Workers = 0, MaxChildren = 8, StopTimeout = TimeSpan.FromSeconds(2) }, b);

        Assert.Equal(ForkingOptions.DefaultWorkers, ServerConfig.Read(Hocon("actorsockets.servers.c.forking.workers = AUTO"), "c").Forking.Workers);
    }

    [Theory]
    [InlineData("forking.workers = -1", "forking.workers", "must not be negative")]
    [InlineData("forking.workers = many", "forking.workers", "'many' is not an integer or auto")]
    [InlineData("forking.max-children = 0", "forking.max-children", "must be at least 1")]
    [InlineData("forking.max-children = lots", "forking.max-children", "'lots' is not an integer")]
    [InlineData("forking.worker-wait-timeout = 0s", "forking.worker-wait-timeout", "must be positive")]
    [InlineData("forking.restart-delay = soon", "forking.restart-delay", "'soon' is not a duration")]
    [InlineData("forking.stop-timeout = -1s", "forking.stop-timeout", "'-1s' is not a duration")]
    [InlineData("forking.cluster-host = \"\"", "forking.cluster-host", "must not be empty")]
    [InlineData("forking.cluster-port = 70000", "forking.cluster-port", "port 70000 is outside 0..65535")]
    [InlineData("forking.worker-start-timeout = 0s", "forking.worker-start-timeout", "must be positive")]
    [InlineData("forking.max-restarts = -1", "forking.max-restarts", "must not be negative")]
    [InlineData("forking.restarts-within = 0s", "forking.restarts-within", "must be positive")]
    [InlineData("forking.restart-backoff-max = never", "forking.restart-backoff-max", "'never' is not a duration")]
    [InlineData("forking.max-childern = 4", "forking.max-childern", "unknown setting (known: ")]
    [InlineData("forking = 4", "forking", "must be an object")]
    public void Each_invalid_forking_setting_names_its_full_path_whatever_the_mode(string setting, string key, string why)
    {
        foreach (var mode in new[] { "threading", "forking" })
            ServerConfigTests.AssertRejected($"actorsockets.servers.echo {{ mode = {mode}, {setting} }}", key, why);
    }

    [Fact]
    public void A_bad_forking_default_is_reported_for_the_server_that_inherits_it()
        => ServerConfigTests.AssertRejected("actorsockets.server-defaults.forking.max-children = 0",
            "forking.max-children", "must be at least 1 (inherited from actorsockets.server-defaults)");

    [Fact]
    public void Forking_options_given_on_the_command_line_win_over_the_file_which_wins_over_the_defaults()
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorsockets-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, """
            actorsockets.server-defaults.forking { workers = 3, max-children = 7, cluster-port = 4100, restart-delay = 1s }
            """);
        try
        {
            var fromFile = Resolve("--config", file);
            Assert.Equal((3, 7, 4100), (fromFile.Workers, fromFile.MaxChildren, fromFile.ClusterPort));
            Assert.Equal(TimeSpan.FromSeconds(1), fromFile.RestartDelay);

            var overridden = Resolve("--config", file, "--workers", "5", "--max-children", "9", "--cluster-port", "0");
            Assert.Equal((5, 9, 0), (overridden.Workers, overridden.MaxChildren, overridden.ClusterPort));
            Assert.Equal(TimeSpan.FromSeconds(1), overridden.RestartDelay); // no option for it: the file's

            var partly = Resolve("--config", file, "--workers", "0");
            Assert.Equal((0, 7, 4100), (partly.Workers, partly.MaxChildren, partly.ClusterPort));

            Assert.Equal(new ForkingOptions(), Resolve());
            Assert.Equal(new ForkingOptions { Workers = 1 }, Resolve("--workers", "1"));
        }
        finally
        {
            File.Delete(file);
        }

        static ForkingOptions Resolve(params string[] args)
        {
            var parsed = ServerCommandLine.CreateCommand("test").Parse(args);
            Assert.Empty(parsed.Errors);
            return ServiceOptions.Resolve(parsed, ServiceOptions.LoadConfig(parsed)).Forking;
        }
    }
}
