using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Samples;

/// <summary>HostedEcho's settings from appsettings.json, environment variables and --port; its exit codes.</summary>
public class HostedEchoSettingsTests
{
    [Fact]
    public async Task HostedEcho_takes_ports_from_environment_variables_appsettings_json_and_port_and_labels_its_servers()
    {
        var directory = Directory.CreateTempSubdirectory("hosted-echo-").FullName;
        var (echoPort, upperPort) = (TestHost.FreePort(), TestHost.FreePort());
        File.WriteAllText(Path.Combine(directory, "appsettings.json"),
            $$"""{ "actorsockets": { "servers": { "upper": { "port": {{upperPort}} }, "echo": { "port": 1 } } } }""");
        try
        {
            using var sample = await SampleProcess.StartAsync("HostedEcho", info =>
            {
                info.WorkingDirectory = directory;
                info.Environment["actorsockets__servers__echo__port"] = "2"; // over appsettings.json ...
            }, "--port", echoPort.ToString());                               // ... and --port over both
            await Eventually.Until(() => Regex.Matches(sample.Stdout, "^LISTENING", RegexOptions.Multiline).Count == 2,
                TimeSpan.FromSeconds(20), "two LISTENING lines");
            Assert.Equal($"LISTENING {echoPort} echo\nLISTENING {upperPort} upper", sample.Stdout.Trim().ReplaceLineEndings("\n"));
            using (var upper = await TestClient.ConnectAsync(upperPort))
            {
                await upper.SendAsync("shout\n");
                Assert.Equal("SHOUT\n", await upper.ReadLineAsync());
            }
            Assert.Equal(0, await sample.StopAsync());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task HostedEcho_uses_the_environment_variable_when_no_port_is_given()
    {
        var port = TestHost.FreePort();
        using var sample = await SampleProcess.StartAsync("HostedEcho", info => info.Environment["actorsockets__servers__echo__port"] = port.ToString());
        Assert.Equal(port, sample.Port);
        Assert.Equal(0, await sample.StopAsync());
    }

    [Theory]
    [InlineData("actorsockets__servers__echo__mode", "sideways", "actorsockets.servers.echo.mode")]
    [InlineData("actorsockets__servers__upper__max_line_lenth", "4", "actorsockets.servers.upper.max-line-lenth")]
    [InlineData("actorsockets__server_defaults__backlog", "-1", "actorsockets.servers.echo.backlog")]
    public async Task HostedEcho_with_a_bad_setting_exits_2_with_one_line(string variable, string value, string setting)
    {
        using var sample = SampleProcess.Launch("HostedEcho", info => info.Environment[variable] = value);
        Assert.Equal(2, await sample.WaitForExitAsync());
        var line = Assert.Single(sample.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(setting, line);
        Assert.Equal("", sample.Stdout);
    }

    [Fact]
    public async Task HostedEcho_with_a_bad_argument_exits_2()
    {
        using var sample = SampleProcess.Launch("HostedEcho", "--port", "70000");
        Assert.Equal(2, await sample.WaitForExitAsync());
        Assert.Contains("70000", sample.Stderr);
        Assert.Equal("", sample.Stdout);
    }
}
