using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Samples;

/// <summary>The chat room sample with real participants (Python clients over TCP).</summary>
public class ChatRoomTests(ITestOutputHelper output)
{
    /// <summary>Nicknames, /who, broadcast with Chinese text, a participant that stops reading
    /// (dropped once its outbox overflows, with a notice, while the reader keeps getting every
    /// line in order), one that vanishes without /quit, and /quit.</summary>
    [Theory]
    [InlineData("threading")]
    [InlineData("forking")]
    public async Task Three_participants_chat_and_one_that_stops_reading_is_dropped_without_slowing_the_others(string mode)
    {
        using var server = await SampleProcess.StartAsync("ChatRoom", ["--port", "0", .. SampleModes.Args(mode)]);
        var summary = await RunClientsAsync(server, "room");
        output.WriteLine(summary);
        await server.WaitForStderrAsync("dropping carol: not reading");
        await server.WaitForStderrAsync("/user/chat-room: chat participant carol is not reading"); // the Abort
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>Sync mode serves one connection at a time, so the room has one participant at a
    /// time: the second is welcomed alone, after the first quits.</summary>
    [Fact]
    public async Task Sync_mode_has_one_participant_at_a_time()
    {
        using var server = await SampleProcess.StartAsync("ChatRoom", "--port", "0", "--mode", "sync");
        await RunClientsAsync(server, "sync");
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>Participants never leave on their own; without the room closing them, a graceful
    /// stop would wait the server's whole drain timeout (30 s).</summary>
    [Fact]
    public async Task Sigterm_says_goodbye_to_participants_and_stops_at_once()
    {
        using var server = await SampleProcess.StartAsync("ChatRoom", "--port", "0");
        using var first = await TestClient.ConnectAsync(server.Port);
        Assert.StartsWith("* welcome, guest1;", await first.ReadLineAsync());
        using var second = await TestClient.ConnectAsync(server.Port);
        Assert.StartsWith("* welcome, guest2;", await second.ReadLineAsync());
        Assert.Equal("* guest2 joined\n", await first.ReadLineAsync());

        Assert.Equal(0, await server.StopAsync(within: TimeSpan.FromSeconds(10)));
        Assert.Equal("* the server is shutting down; bye\n", await first.ReadToEndAsync());
        Assert.Equal("* the server is shutting down; bye\n", await second.ReadToEndAsync());
    }

    [Theory]
    [InlineData("100")]
    [InlineData("10000000")]
    public async Task An_outbox_limit_out_of_range_is_a_usage_error(string limit)
    {
        using var server = SampleProcess.Launch("ChatRoom", "--outbox-limit", limit);
        Assert.Equal(2, await server.WaitForExitAsync());
        Assert.Contains("--outbox-limit must be between", server.Stderr);
    }

    private static async Task<string> RunClientsAsync(SampleProcess server, string scenario)
    {
        var (exit, stdout, stderr) = await Python.RunAsync("chat_clients.py", scenario, server.Port.ToString());
        Assert.True(exit == 0, $"clients failed:\n{stdout}\n{stderr}\nserver log:\n{server.Stderr}");
        return stdout;
    }
}
