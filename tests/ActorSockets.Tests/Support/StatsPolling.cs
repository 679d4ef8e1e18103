using ActorSockets.Servers;

namespace ActorSockets.Tests.Support;

public static class StatsPolling
{
    /// <summary>The server's stats once <paramref name="condition"/> holds; fails after <paramref name="within"/>
    /// (default 10 s) showing the last stats seen. Connection actors end a moment after their client saw the close.</summary>
    public static async Task<ServerStats> StatsWhenAsync(this SocketServer server, Func<ServerStats, bool> condition,
        string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var stats = await server.GetStatsAsync();
            if (condition(stats)) return stats;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for: {what}; last {stats}");
            await Task.Delay(10);
        }
    }
}
