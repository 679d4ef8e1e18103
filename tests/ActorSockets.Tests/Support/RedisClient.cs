using StackExchange.Redis;

namespace ActorSockets.Tests.Support;

/// <summary>StackExchange.Redis connected to a KeyValue server, with timeouts for a loaded machine.</summary>
public static class RedisClient
{
    public static Task<ConnectionMultiplexer> ConnectAsync(int port)
        => ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", port } },
            ConnectTimeout = 30_000, SyncTimeout = 30_000, AsyncTimeout = 30_000,
        }).Within(TimeSpan.FromSeconds(30 * TestTime.Factor), "StackExchange.Redis to connect");
}
