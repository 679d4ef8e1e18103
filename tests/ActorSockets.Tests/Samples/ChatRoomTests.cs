using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Samples;

/// <summary>The chat room sample with real participants (Python clients over TCP).</summary>
public class ChatRoomTests(ITestOutputHelper output)
{
    /// <summary>Nicknames, /who, broadcast with Chinese text, a participant that stops reading
    /// (cut off by the server's write limit, with a notice, while the reader keeps getting every
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
        await server.WaitForStderrAsync("unsent bytes; closing"); // the write limit cut her off, not the room
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

    /// <summary>The room tells each participant's handler what to write, and a handler takes it at
    /// once even while it waits for its own client's next line: an idle client hears another's
    /// line within 100 ms (the best of a few tries, so that one lost time slice on a loaded
    /// machine does not decide).</summary>
    [Fact]
    public async Task An_idle_participant_gets_another_participants_line_within_100_ms()
    {
        using var server = await SampleProcess.StartAsync("ChatRoom", "--port", "0");
        using var idle = await TestClient.ConnectAsync(server.Port);
        Assert.StartsWith("* welcome, guest1;", await idle.ReadLineAsync());
        using var talker = await TestClient.ConnectAsync(server.Port);
        Assert.StartsWith("* welcome, guest2;", await talker.ReadLineAsync());
        Assert.Equal("* guest2 joined\n", await idle.ReadLineAsync());

        var bound = TimeSpan.FromMilliseconds(100);
        var tries = await Latency.BestOfAsync(async i =>
        {
            await talker.SendAsync($"hello {i}\n");
            Assert.Equal($"<guest2> hello {i}\n", await idle.ReadLineAsync());
        }, bound);
        output.WriteLine($"line to idle participant: {Latency.Describe(tries)}");
        Assert.True(tries.Min() < bound, $"fastest {tries.Min().TotalMilliseconds} ms");
        Assert.Equal(0, await server.StopAsync(within: TimeSpan.FromSeconds(10)));
    }

    private static async Task<string> RunClientsAsync(SampleProcess server, string scenario)
    {
        var (exit, stdout, stderr) = await Python.RunAsync("chat_clients.py", scenario, server.Port.ToString());
        Assert.True(exit == 0, $"clients failed:\n{stdout}\n{stderr}\nserver log:\n{server.Stderr}");
        return stdout;
    }
}
