using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Hosting;

/// <summary>Every program agrees: 0 after a clean stop, 2 for bad arguments or configuration, 1 for a
/// failure at run time; nothing in the log states another code.</summary>
public class ExitCodeTests
{
    // TEST-NET-1 (RFC 5737): never an address of this machine, so binding it fails at run time.
    private const string NotOurAddress = "192.0.2.1";

    [Theory]
    [InlineData("Echo")]
    [InlineData("HostedEcho")]
    public async Task A_clean_stop_exits_0_and_the_log_states_no_exit_code(string program)
    {
        using var sample = await SampleProcess.StartAsync(program, "--log-level", "Debug");
        Assert.Equal(0, await sample.StopAsync());
        Assert.Contains("CoordinatedShutdown invoked", sample.Stderr); // the line Akka would end with "ExitCode:0"
        Assert.DoesNotContain("ExitCode", sample.Stderr);
    }

    [Theory]
    [InlineData("Echo", "--port", "-1")]
    [InlineData("Echo", "--no-such-option")]
    [InlineData("HostedEcho", "--port", "65536")]
    [InlineData("HostedEcho", "--log-format", "yaml")]
    public async Task Bad_arguments_exit_2(string program, params string[] args)
    {
        using var sample = SampleProcess.Launch(program, args);
        Assert.Equal(2, await sample.WaitForExitAsync());
        Assert.Equal("", sample.Stdout);
        Assert.Single(sample.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // one line, no stack trace
    }

    [Fact]
    public async Task HostedEcho_with_a_config_naming_no_server_of_it_exits_2_with_one_line()
    {
        var conf = Path.Combine(Path.GetTempPath(), $"actorsockets-{Guid.NewGuid():N}.conf");
        File.WriteAllText(conf, "actorsockets.servers.ecko.port = 0\n");
        try
        {
            using var sample = SampleProcess.Launch("HostedEcho", "--config", conf);
            Assert.Equal(2, await sample.WaitForExitAsync());
            Assert.Equal("", sample.Stdout);
            var line = Assert.Single(sample.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("Invalid setting actorsockets.servers.ecko: no server of this program is named 'ecko'", line);
        }
        finally { File.Delete(conf); }
    }

    [Theory]
    [InlineData("Invalid setting --tls-cert: TLS needs a stream server", "--udp", "--tls-cert", "/tmp/no-such-cert.pem")]
    [InlineData("Invalid setting --proxy-protocol-trusted: names no peer", "--proxy-protocol", "On")]
    [InlineData("Cannot parse argument 'Sometimes' for option '--mode'", "--mode", "Sometimes")]
    [InlineData("--port: 70000 is outside 0..65535", "--port", "70000")]
    public async Task A_usage_error_names_the_flag_as_written_without_dotnet_names(string line, params string[] args)
    {
        using var sample = SampleProcess.Launch("Echo", args);
        Assert.Equal(2, await sample.WaitForExitAsync());
        Assert.StartsWith(line, sample.Stderr);
        Assert.DoesNotContain("(Parameter", sample.Stderr);
        Assert.DoesNotContain("ActorSockets.", sample.Stderr); // no type names
    }

    [Fact]
    public async Task A_long_bad_value_is_cut_in_the_usage_line()
    {
        using var sample = SampleProcess.Launch("Echo", "--host", new string('h', 100_000));
        Assert.Equal(2, await sample.WaitForExitAsync());
        Assert.Contains(new string('h', 80) + "…'", sample.Stderr);
        Assert.True(sample.Stderr.Length < 1000, $"{sample.Stderr.Length} characters on stderr");
    }

    [Fact]
    public async Task Echo_that_cannot_bind_exits_1()
    {
        using var sample = SampleProcess.Launch("Echo", "--host", NotOurAddress);
        Assert.Equal(1, await sample.WaitForExitAsync());
        Assert.Contains($"Cannot bind {NotOurAddress}", sample.Stderr);
        Assert.Equal("", sample.Stdout);
    }

    [Fact]
    public async Task HostedEcho_that_cannot_bind_exits_1()
    {
        using var sample = SampleProcess.Launch("HostedEcho", info => info.Environment["actorsockets__servers__echo__host"] = NotOurAddress);
        Assert.Equal(1, await sample.WaitForExitAsync());
        Assert.Contains($"Cannot bind {NotOurAddress}", sample.Stderr);
        Assert.Equal("", sample.Stdout);
        Assert.DoesNotContain("ExitCode", sample.Stderr);
    }
}
