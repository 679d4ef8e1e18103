using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Forking;

/// <summary><c>supervision.on-failure = restart</c> on a socket handed to a worker process: the
/// worker restarts the handler on the same connection, and the listener counts the restart.</summary>
[Collection(Support.ForkingCollections.Workers)]
public class ForkingRestartTests
{
    [Fact]
    public async Task A_handed_off_connection_survives_a_failure_and_its_next_line_is_served_by_a_fresh_handler()
    {
        using var server = await ForkingServers.StartAsync(ForkingServers.Handoff,
            "supervision { on-failure = restart, max-restarts = 1, within = 1m }", "--workers", "1");
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("where\n");
        Assert.EndsWith(ForkingServers.Where(ForkingServers.Handoff), await client.ReadLineAsync(ForkingServers.Deadline));
        await client.SendAsync("boom\nafter\n"); // "after" was received with "boom": the restarted handler reads it
        Assert.EndsWith(" after\n", await client.ReadLineAsync(ForkingServers.Deadline));
        await client.SendAsync("boom\n");
        Assert.True(await client.IsClosedByServerAsync(ForkingServers.Deadline), "the second failure is past max-restarts = 1");
        await server.WaitForStderrAsync("restarted on its connection (1 of 1 within 00:01:00)", ForkingServers.Deadline);
        Assert.Equal(0, await server.StopAsync());
    }
}
