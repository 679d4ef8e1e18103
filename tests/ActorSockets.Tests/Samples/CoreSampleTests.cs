using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Samples;

public class CoreSampleTests
{
    [Fact]
    public async Task Seed_001_client_gets_three_different_handler_names_from_ThreadedEcho()
    {
        using var server = await SampleProcess.StartAsync("ThreadedEcho", "--port", "0");
        var (exit, stdout, stderr) = await Python.RunAsync("seed001_client.py", server.Port.ToString());
        Assert.True(exit == 0, stderr);

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var names = lines.Select(l => Regex.Match(l, @"^Received: (\S+): Hello World (\d)$")).ToList();
        Assert.All(names, m => Assert.True(m.Success, stdout));
        Assert.Equal(3, names.Select(m => m.Groups[1].Value).Distinct().Count());
        Assert.Equal(["1", "2", "3"], names.Select(m => m.Groups[2].Value));
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [InlineData("threading")]
    [InlineData("sync")]
    public async Task Echo_sample_echoes_a_persistent_connection_and_exits_zero_on_sigterm(string mode)
    {
        using var server = await SampleProcess.StartAsync("Echo", "--port", "0", "--mode", mode);
        Assert.Equal($"LISTENING {server.Port}", server.Stdout.Trim()); // exactly one line on stdout
        using (var client = await TestClient.ConnectAsync(server.Port))
        {
            for (int i = 0; i < 3; i++)
            {
                await client.SendAsync("hello world\n");
                Assert.Equal("hello world\n", await client.ReadLineAsync());
            }
            client.HalfClose();
            Assert.True(await client.IsClosedByServerAsync());
        }
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task Echo_one_shot_answers_one_line_then_closes()
    {
        using var server = await SampleProcess.StartAsync("Echo", "--one-shot");
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("only this\nnot this\n");
        Assert.Equal("only this\n", await client.ReadToEndAsync());
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [InlineData("--port", "notanumber")]
    [InlineData("--mode", "sideways")]
    [InlineData("--no-such-option")]
    public async Task Bad_arguments_print_usage_and_exit_2(params string[] args)
    {
        using var server = SampleProcess.Launch("Echo", args);
        Assert.Equal(2, await server.WaitForExitAsync());
        Assert.NotEqual("", server.Stderr.Trim());
        Assert.DoesNotContain("LISTENING", server.Stdout);
    }
}
