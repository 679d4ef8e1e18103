using System.Net;
using System.Text.RegularExpressions;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Servers;

/// <summary>Binding is exact (no silent port sharing) and a failed start is one line and exit 1.</summary>
public class BindTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task A_second_Echo_on_a_busy_port_fails_with_one_line_naming_the_address_and_exits_1()
    {
        using var first = await SampleProcess.StartAsync("Echo", "--port", "0");
        using var second = SampleProcess.Launch("Echo", "--port", first.Port.ToString());

        Assert.Equal(1, await second.WaitForExitAsync());
        Assert.Contains($"127.0.0.1:{first.Port}", second.Stderr);
        Assert.Contains("in use", second.Stderr);
        StderrAssert.OneCleanLine(second.Stderr);
        Assert.DoesNotContain("info:", second.Stderr); // not even Akka's note that it shut down
        Assert.Equal("", second.Stdout.Trim()); // never LISTENING
        Assert.Equal(0, await first.StopAsync());
    }

    [Fact]
    public async Task HostedEcho_on_a_busy_port_fails_with_one_line_naming_the_address_and_exits_1()
    {
        using var first = await SampleProcess.StartAsync("Echo", "--port", "0");
        var conf = Path.Combine(Path.GetTempPath(), $"actorsockets-{Guid.NewGuid():N}.conf");
        File.WriteAllText(conf, $"actorsockets.servers.echo.port = {first.Port}\nactorsockets.servers.upper.port = 0\n");
        try
        {
            using var hosted = SampleProcess.Launch("HostedEcho", "--config", conf);
            Assert.Equal(1, await hosted.WaitForExitAsync());
            Assert.Contains($"127.0.0.1:{first.Port}", hosted.Stderr);
            Assert.Contains("in use", hosted.Stderr);
            StderrAssert.OneCleanLine(hosted.Stderr);
            Assert.Equal("", hosted.Stdout.Trim());
        }
        finally
        {
            File.Delete(conf);
        }
        Assert.Equal(0, await first.StopAsync());
    }

    [Fact]
    public async Task A_second_server_in_process_on_a_busy_port_is_refused_without_reuse_port()
    {
        var first = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>());
        var error = await Assert.ThrowsAsync<IOException>(
            () => ServeAsync(ServerOptions.Tcp(port: first.Port), Props.Create<LineEchoHandler>()));
        Assert.Contains($"127.0.0.1:{first.Port}", error.Message);
        Assert.Contains("in use", error.Message);
    }

    [Fact]
    public async Task With_reuse_port_on_both_two_servers_may_share_a_port()
    {
        var first = await ServeAsync(ServerOptions.Tcp() with { ReusePort = true }, Props.Create<LineEchoHandler>());
        var second = await ServeAsync(ServerOptions.Tcp(port: first.Port) with { ReusePort = true }, Props.Create<LineEchoHandler>());
        Assert.Equal(first.Port, second.Port);
        using var client = await TestClient.ConnectAsync(first.Port);
        await client.SendAsync("shared\n");
        Assert.Equal("shared\n", await client.ReadLineAsync());
    }

    [Fact]
    public async Task A_Unix_path_in_a_missing_folder_names_the_folder_in_one_line_and_exits_1()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"as-missing-{Guid.NewGuid():N}"[..24]);
        using var sample = SampleProcess.Launch("Echo", "--unix", Path.Combine(folder, "echo.sock"));

        Assert.Equal(1, await sample.WaitForExitAsync());
        Assert.Contains($"'{folder}' does not exist", sample.Stderr);
        Assert.DoesNotContain("Cannot assign requested address", sample.Stderr);
        StderrAssert.OneCleanLine(sample.Stderr);
    }
}
