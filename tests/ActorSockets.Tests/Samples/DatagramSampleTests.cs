using System.Globalization;
using System.Net.Sockets;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Samples;

public class DatagramSampleTests : IDisposable
{
    private readonly string _path = UnixPaths.New();

    [Theory]
    [InlineData("sync")]
    [InlineData("threading")]
    public async Task Echo_udp_echoes_datagrams_to_a_python_client(string mode)
    {
        using var server = await SampleProcess.StartAsync("Echo", "--udp", "--port", "0", "--mode", mode);
        Assert.Equal($"LISTENING {server.Port}", server.Stdout.Trim());

        var (exit, stdout, stderr) = await Python.RunAsync("echo_client.py", "udp", server.Port.ToString());
        Assert.True(exit == 0, $"{stdout}\n{stderr}");
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task Echo_unix_prints_the_path_echoes_and_removes_the_socket_file_on_sigterm()
    {
        using var server = await SampleProcess.StartAsync("Echo", "--unix", _path);
        Assert.Equal($"LISTENING {_path}", server.Stdout.Trim());

        var (exit, stdout, stderr) = await Python.RunAsync("echo_client.py", "unix", _path);
        Assert.True(exit == 0, $"{stdout}\n{stderr}");
        Assert.Equal(0, await server.StopAsync());
        Assert.False(File.Exists(_path), "socket file removed on a graceful stop");
    }

    [Fact]
    public async Task Echo_unix_udp_answers_a_python_client_at_its_bound_path()
    {
        using var server = await SampleProcess.StartAsync("Echo", "--unix", _path, "--udp");
        Assert.Equal($"LISTENING {_path}", server.Stdout.Trim());

        var (exit, stdout, stderr) = await Python.RunAsync("echo_client.py", "unixdgram", _path);
        Assert.True(exit == 0, $"{stdout}\n{stderr}");
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task Echo_unix_starts_over_the_socket_file_a_killed_run_left_behind()
    {
        using (var crashed = await SampleProcess.StartAsync("Echo", "--unix", _path))
        {
            crashed.Signal("KILL");
            await crashed.WaitForExitAsync();
        }
        Assert.True(File.Exists(_path), "a killed server leaves its socket file");

        using var server = await SampleProcess.StartAsync("Echo", "--unix", _path);
        var (exit, stdout, stderr) = await Python.RunAsync("echo_client.py", "unix", _path);
        Assert.True(exit == 0, $"{stdout}\n{stderr}");

        using var second = SampleProcess.Launch("Echo", "--unix", _path); // the path is live now: refused
        Assert.Equal(1, await second.WaitForExitAsync());
        Assert.Contains("in use", second.Stderr);
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task TimeServer_answers_any_datagram_with_the_UTC_time_in_ISO_8601()
    {
        using var server = await SampleProcess.StartAsync("TimeServer", "--port", "0");
        var (exit, stdout, stderr) = await Python.RunAsync("time_client.py", server.Port.ToString());
        Assert.True(exit == 0, $"{stdout}\n{stderr}");
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task TimeServer_over_tcp_sends_one_line_then_closes()
    {
        using var server = await SampleProcess.StartAsync("TimeServer", "--tcp", "--port", "0");
        using var client = await TestClient.ConnectAsync(server.Port);
        var answer = await client.ReadToEndAsync();

        Assert.EndsWith("\n", answer);
        var when = DateTime.Parse(answer.TrimEnd('\n'), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        Assert.Equal(DateTimeKind.Utc, when.Kind);
        Assert.InRange(DateTime.UtcNow - when, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        Assert.Equal(0, await server.StopAsync());
    }

    public void Dispose() => File.Delete(_path);
}
