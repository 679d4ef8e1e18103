using ActorSockets.CommandLine;
using ActorSockets.Configuration;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Configuration;

/// <summary>A --config file that does not parse fully, or names a key the reference does not know,
/// stops every program with exit code 2 and one line naming the problem: Akka's parser accepts
/// all of these files and the server used to start on defaults.</summary>
public class StrictConfigTests : IDisposable
{
    private readonly List<string> _files = [];

    public static TheoryData<string, string, string> BrokenFiles => new()
    {
        { "garbage", "}}} !!! garbage {{{ @@@", "line 1" },
        { "junk before the settings", "some junk here\nactorsockets.server-defaults.port = 0\n", "line 1: 'some junk here' is not a setting" },
        { "an unclosed brace", "actorsockets {\n  server-defaults {\n    port = 0\n  }\n", "line 5: the '{' opened on line 1 is never closed" },
        { "a stray closing brace", "actorsockets.server-defaults.port = 0\n}\nactorsockets.server-defaults.mode = sync\n", "line 2: unexpected '}'" },
        { "an unclosed string", "actorsockets.server-defaults.host = \"127.0.0.1\n", "line 1: a quoted string is not closed" },
        { "text after an object", "actorsockets { servers { } } trailing words\n", "line 1: unexpected 't' after a value" },
        { "a misspelled section", "actorsockets.server-default.idle-timeout = 5s\n", "actorsockets.server-default:" },
        { "an unknown setting in a server's section", "actorsockets.servers.echo.idle-timout = 5s\n", "actorsockets.servers.echo.idle-timout" },
        { "a section for a server the program does not have", "actorsockets.servers.ecko.port = 0\n", "actorsockets.servers.ecko: no server of this program is named 'ecko' (its server is 'echo'" },
        { "a pending-handshake budget under 1", "actorsockets.server-defaults.max-pending-handshakes = 0\n", "max-pending-handshakes: must be at least 1" },
        { "a raise-file-limit that is not on/off", "actorsockets.raise-file-limit = maybe\n", "actorsockets.raise-file-limit: 'maybe' is not on/off" },
    };

    public static TheoryData<string, string> MisspelledNames => new()
    {
        { "actorsockets.server-default.idle-timeout = 5s\n", "Invalid setting actorsockets.server-default: unknown section (known: " },
        { "actorsockets.serverz.echo.port = 0\n", "Invalid setting actorsockets.serverz: unknown section" },
        { "actorsocket.servers.echo.port = 0\n", "" }, // outside actorsockets: Akka's and other libraries' settings live there too
        { "actorsockets.servers.ecko.port = 0\n", "Invalid setting actorsockets.servers.ecko: no server of this program is named 'ecko' (its server is 'echo'; names are case-sensitive)" },
        { "actorsockets.servers.Echo.port = 0\n", "Invalid setting actorsockets.servers.Echo: no server of this program is named 'Echo'" },
        { "actorsockets.servers.echo.port = 0\nactorsockets.servers.upper.port = 0\n", "Invalid setting actorsockets.servers.upper: no server of this program is named 'upper'" },
    };

    /// <summary>The same checks as the process tests above, through the command line's own parse, in-process.</summary>
    [Theory]
    [MemberData(nameof(MisspelledNames))]
    public void A_misspelled_section_or_server_name_is_named(string text, string message)
    {
        var parsed = ServerCommandLine.CreateCommand("test").Parse(["--config", TempConf(text), "--name", "echo"]);
        Assert.Empty(parsed.Errors);
        if (message.Length == 0)
        {
            ServerCommandLine.BuildOptions(parsed);
            return;
        }
        var error = Assert.ThrowsAny<Akka.Configuration.ConfigurationException>(() => ServerCommandLine.BuildOptions(parsed));
        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public async Task Echo_refuses_a_broken_config_file_with_exit_2_and_one_line(string what, string text, string named)
    {
        using var sample = SampleProcess.Launch("Echo", "--config", TempConf(text));
        Assert.True(await sample.WaitForExitAsync() == 2, $"{what}: exit code; stderr:\n{sample.Stderr}");
        Assert.Contains(named, sample.Stderr);
        StderrAssert.OneCleanLine(sample.Stderr);
        Assert.Equal("", sample.Stdout.Trim());
    }

    [Theory]
    [InlineData("actorsockets.server-default.idle-timeout = 5s\n", "actorsockets.server-default:")]
    [InlineData("actorsockets {\n  servers.echo { port = 0 }\n", "the '{' opened on line 1 is never closed")]
    [InlineData("actorsockets.servers.echo.mode = bogus\n", "actorsockets.servers.echo.mode")]
    public async Task HostedEcho_refuses_a_bad_setting_with_exit_2_and_one_line(string text, string named)
    {
        using var sample = SampleProcess.Launch("HostedEcho", "--config", TempConf(text));
        Assert.True(await sample.WaitForExitAsync() == 2, $"exit code; stderr:\n{sample.Stderr}");
        Assert.Contains(named, sample.Stderr);
        StderrAssert.OneCleanLine(sample.Stderr);
        Assert.Equal("", sample.Stdout.Trim());
    }

    [Fact]
    public void Valid_HOCON_of_every_common_shape_still_loads()
    {
        var config = ActorSocketsConfig.LoadFile(TempConf(""""
            # a comment
            // another comment
            akka { loglevel = "INFO", actor.debug.unhandled = on }
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            actorsockets {
              server-defaults { drain-timeout = 10s, deny = ["10.0.0.0/8"] } // trailing comment
              servers.echo {
                port = 9000
                allow = [
                  "127.0.0.0/8",
                  "::1/128"
                ]
                forking { workers = auto }
              }
              servers."upper" = { mode = sync, read-timeout = 30s }
            }
            actorsockets.servers.upper.max-line-length = 4KiB
            actorsockets.io-dispatcher.throughput = 10 # the library's dispatchers, documented as overridable
            actorsockets.request-dispatcher.throughput = 10
            text = """multi
            line"""
            joined = ${akka.loglevel} "and more"
            """"));
        Assert.Equal(9000, config.GetInt("actorsockets.servers.echo.port"));
        Assert.Equal(4096, ServerConfig.Read(config, "upper").MaxLineLength);
        ActorSocketsConfig.LoadFile(Path.Combine(SampleProcess.RepoRoot(), "hocon", "examples", "two-servers.conf"));
    }

    [Fact]
    public async Task A_missing_required_include_is_exit_2_naming_the_line()
    {
        var file = TempConf("actorsockets.servers.echo.port = 0\ninclude required(\"missing-for-sure.conf\")\n");
        var error = Assert.Throws<ServerConfigurationException>(() => ActorSocketsConfig.LoadFile(file));
        Assert.Contains("line 2: include required(\"missing-for-sure.conf\"): no such file", error.Message);

        using var sample = SampleProcess.Launch("Echo", "--config", file);
        Assert.True(await sample.WaitForExitAsync() == 2, $"exit code; stderr:\n{sample.Stderr}");
        Assert.Contains("missing-for-sure.conf", sample.Stderr);
        StderrAssert.OneCleanLine(sample.Stderr);
    }

    [Fact]
    public void An_optional_include_is_read_when_present_and_ignored_when_missing()
    {
        var included = TempConf("actorsockets.servers.upper.max-line-length = 2KiB\n");
        var inner = TempConf("read-timeout = 7s\n");
        var config = ActorSocketsConfig.LoadFile(TempConf($$"""
            include "missing-for-sure.conf"
            include file("missing-too.conf")
            include "{{Path.GetFileName(included)}}"
            actorsockets.servers.upper {
              include required("{{inner}}")
              mode = sync
            }
            """));
        var upper = ServerConfig.Read(config, "upper");
        Assert.Equal(2048, upper.MaxLineLength); // found relative to the including file
        Assert.Equal(TimeSpan.FromSeconds(7), upper.ReadTimeout); // merged where it is included
        Assert.Throws<ServerConfigurationException>(() => ActorSocketsConfig.LoadFile(TempConf("include url(\"http://127.0.0.1/x.conf\")\n")));
    }

    [Fact]
    public void A_long_bad_value_is_cut_in_the_message()
    {
        var value = new string('x', 1_000_000);
        var error = Assert.Throws<ServerConfigurationException>(() => ActorSocketsConfig.LoadFile(TempConf($"actorsockets.servers.echo.mode = \"{value}\"\n")) is var c
            ? ServerConfig.Read(c, "echo") : null);
        Assert.Contains("actorsockets.servers.echo.mode", error.Message);
        Assert.Contains(new string('x', ServerConfigurationException.ShownValueLength) + "…'", error.Message);
        Assert.True(error.Message.Length < 400, $"{error.Message.Length} characters");
    }

    private string TempConf(string hocon)
    {
        var path = Path.Combine(Path.GetTempPath(), $"actorsockets-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, hocon);
        _files.Add(path);
        return path;
    }

    public void Dispose()
    {
        foreach (var file in _files) File.Delete(file);
    }
}
