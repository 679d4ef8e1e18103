using System.Text.Json;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Hosting;

/// <summary>The standard command line's <c>--log-format json</c>, run as a real process.</summary>
public class JsonLogTests
{
    [Fact]
    public async Task Echo_with_log_format_json_writes_one_JSON_object_a_line_with_ActorSockets_categories_and_properties()
    {
        using var sample = await SampleProcess.StartAsync("Echo", "--log-format", "json", "--log-level", "Debug");
        string client;
        using (var connection = await TestClient.ConnectAsync(sample.Port))
        {
            client = connection.Socket.LocalEndPoint!.ToString()!;
            await connection.SendAsync("hi\n");
            Assert.Equal("hi\n", await connection.ReadLineAsync());
        }
        await sample.WaitForStderrAsync($"\"Client\":\"{client}\"");
        Assert.Equal(0, await sample.StopAsync());

        var lines = sample.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var bound = Assert.Single(lines, l => l.GetProperty("EventId").GetInt32() == 1000);
        Assert.Equal("ActorSockets.Server", bound.GetProperty("Category").GetString());
        Assert.Equal("Information", bound.GetProperty("LogLevel").GetString());
        var state = bound.GetProperty("State");
        Assert.Equal($"127.0.0.1:{sample.Port}", state.GetProperty("Address").GetString());
        Assert.Equal("echo", state.GetProperty("Server").GetString());
        Assert.Equal("Threading", state.GetProperty("Mode").GetString());
        Assert.Equal($"Server bound to 127.0.0.1:{sample.Port} (Stream, Threading mode)", bound.GetProperty("Message").GetString());

        var accepted = Assert.Single(lines, l => l.GetProperty("EventId").GetInt32() == 1010);
        Assert.Equal("Debug", accepted.GetProperty("LogLevel").GetString());
        Assert.Equal(client, accepted.GetProperty("State").GetProperty("Client").GetString());
        Assert.StartsWith("handler-", accepted.GetProperty("State").GetProperty("Handler").GetString());
        Assert.Contains(lines, l => l.GetProperty("Category").GetString()!.StartsWith("Akka."));
        Assert.DoesNotContain("ExitCode", sample.Stderr);
    }

    [Fact]
    public async Task A_normal_start_and_stop_in_threading_mode_logs_only_our_own_lines_each_with_its_event_id()
    {
        using var sample = await SampleProcess.StartAsync("Echo", "--log-format", "json", "--mode", "threading");
        using (var connection = await TestClient.ConnectAsync(sample.Port))
        {
            await connection.SendAsync("hi\n");
            Assert.Equal("hi\n", await connection.ReadLineAsync());
        }
        Assert.Equal(0, await sample.StopAsync());
        var lines = sample.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        Assert.All(lines, line => Assert.StartsWith("{", line)); // nothing outside the log
        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(entries, e => e.GetProperty("EventId").GetInt32() == 1004); // closed: the stop was logged
        Assert.All(entries, e =>
        {
            Assert.StartsWith("ActorSockets.", e.GetProperty("Category").GetString());
            Assert.NotEqual(0, e.GetProperty("EventId").GetInt32());
        });
    }

    [Fact]
    public async Task An_unknown_log_format_is_a_usage_error()
    {
        using var sample = SampleProcess.Launch("Echo", "--log-format", "xml");
        Assert.Equal(2, await sample.WaitForExitAsync());
        Assert.Contains("--log-format", sample.Stderr);
    }
}
