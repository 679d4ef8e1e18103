using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Forking;

/// <summary>A handler that runs in a forking-mode worker process (the socket handed off to it) is
/// the same full actor as in the listener's process: its own messages while it waits for input,
/// timers, Become/Stash, a child under its own supervisor strategy, death watch and the worker's
/// event stream (<see cref="ActorFeaturesHandler"/>, run by the test server in its workers).</summary>
[Collection(ForkingCollections.Serving)]
public class ForkingActorHandlerTests
{
    private static readonly TimeSpan Line = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_handler_in_a_worker_has_timers_stash_children_watch_and_the_event_stream()
    {
        var config = Path.Combine(Path.GetTempPath(), $"actorsockets-forking-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, "actorsockets.server-defaults.forking.socket-handoff = on\n");
        using var server = await SampleProcess.StartAsync("ActorSockets.TestServer",
            "--mode", "forking", "--workers", "1", "--config", config, "--handler", "actor", "--port", "0");
        using var client = await TestClient.ConnectAsync(server.Port);

        await client.SendAsync("where\n");
        var where = Regex.Match(await client.ReadLineAsync(Line), @"^(\d+) (\w+)\n$");
        Assert.True(where.Success);
        Assert.NotEqual(server.Pid, int.Parse(where.Groups[1].Value));
        Assert.Equal("handoff", where.Groups[2].Value);

        await client.SendAsync("lock\n");
        Assert.Equal("locked\n", await client.ReadLineAsync(Line));
        await client.SendAsync("say one\nunlock\n");
        Assert.Equal("unlocked\n", await client.ReadLineAsync(Line));
        Assert.Equal("one\n", await client.ReadLineAsync(Line));

        await client.SendAsync("crash boom\n");
        Assert.Equal("supervised boom\n", await client.ReadLineAsync(Line));
        await client.SendAsync("child\n");
        Assert.Equal("child pong, 1 restarts\n", await client.ReadLineAsync(Line));

        await client.SendAsync("watch\n");
        Assert.Equal("terminated\n", await client.ReadLineAsync(Line));
        await client.SendAsync("publish hi\n");
        Assert.Equal("announced hi\n", await client.ReadLineAsync(Line));

        // Last, since its pings keep coming: the timer writes while the handler waits for input.
        await client.SendAsync("ping 50\n");
        for (int i = 0; i < 3; i++) Assert.Equal("ping\n", await client.ReadLineAsync(Line));

        client.HalfClose();
        Assert.Equal(0, await server.StopAsync());
        File.Delete(config);
    }
}
