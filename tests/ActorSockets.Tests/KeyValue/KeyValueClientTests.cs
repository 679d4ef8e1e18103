using System.Text;
using ActorSockets.Tests.Support;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.KeyValue;

/// <summary>The KeyValue sample as a real process, driven by clients written elsewhere: the
/// StackExchange.Redis client, and raw RESP bytes checked against what redis-server 7 answers.</summary>
public class KeyValueClientTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static Task<ConnectionMultiplexer> ConnectAsync(int port) => RedisClient.ConnectAsync(port);

    [Fact]
    public async Task StackExchange_Redis_sets_gets_expires_increments_and_reads_many_keys()
    {
        using var server = await SampleProcess.StartAsync("KeyValue", "--port", "0");
        await using (var redis = await ConnectAsync(server.Port))
        {
            var db = redis.GetDatabase();
            Assert.True(await db.StringSetAsync("greeting", "héllo, 世界"));
            Assert.Equal("héllo, 世界", (string?)await db.StringGetAsync("greeting"));
            Assert.True((await db.StringGetAsync("missing")).IsNull);

            Assert.True(await db.StringSetAsync("session", "x", TimeSpan.FromSeconds(100)));
            var ttl = await db.KeyTimeToLiveAsync("session");
            Assert.InRange(ttl!.Value.TotalSeconds, 90, 100);
            Assert.True(await db.KeyExpireAsync("greeting", TimeSpan.FromSeconds(50)));
            Assert.True(await db.StringSetAsync("gone", "x", TimeSpan.FromMilliseconds(1)));
            await Eventually.Until(() => !db.KeyExists("gone"), Deadline, "a key with a 1 ms TTL to expire");

            Assert.Equal(1, await db.StringIncrementAsync("counter"));
            Assert.Equal(11, await db.StringIncrementAsync("counter", 10));
            Assert.Equal(6, await db.StringDecrementAsync("counter", 5));
            // SET NX as a command: without INFO (not served) to learn the version, the client would send SETNX.
            Assert.True((await db.ExecuteAsync("SET", "counter", "0", "NX")).IsNull);

            var values = await db.StringGetAsync(["counter", "nothing", "session"]);
            Assert.Equal(["6", null, "x"], values.Select(v => (string?)v));
            Assert.Equal(2, await db.KeyDeleteAsync(["counter", "session", "nothing"]));
            Assert.Equal(1L, (long)await db.ExecuteAsync("DBSIZE"));
        }
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>A thousand commands sent as one batch come back answered in order.</summary>
    [Fact]
    public async Task A_pipelined_batch_of_a_thousand_commands_is_answered_in_order()
    {
        using var server = await SampleProcess.StartAsync("KeyValue", "--port", "0");
        await using (var redis = await ConnectAsync(server.Port))
        {
            var db = redis.GetDatabase();
            var batch = db.CreateBatch();
            var sets = Enumerable.Range(0, 500).Select(i => batch.StringSetAsync($"key:{i}", $"value {i}")).ToList();
            var increments = Enumerable.Range(0, 500).Select(_ => batch.StringIncrementAsync("hits")).ToList();
            batch.Execute();
            Assert.All(await Task.WhenAll(sets).Within(Deadline, "500 SETs"), Assert.True);
            Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), await Task.WhenAll(increments).Within(Deadline, "500 INCRs"));
            var values = await db.StringGetAsync([.. Enumerable.Range(0, 500).Select(i => (RedisKey)$"key:{i}")]);
            Assert.Equal(Enumerable.Range(0, 500).Select(i => $"value {i}"), values.Select(v => (string?)v));
        }
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task StackExchange_Redis_sees_redis_servers_errors()
    {
        using var server = await SampleProcess.StartAsync("KeyValue", "--port", "0");
        await using (var redis = await ConnectAsync(server.Port))
        {
            var db = redis.GetDatabase();
            await db.StringSetAsync("text", "abc");
            var notInteger = await Assert.ThrowsAsync<RedisServerException>(() => db.StringIncrementAsync("text"));
            Assert.Equal("ERR value is not an integer or out of range", notInteger.Message);
            var unknown = await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("FLUSHALL", "x"));
            Assert.Equal("ERR unknown command 'FLUSHALL', with args beginning with: 'x' ", unknown.Message);
            var arity = await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("GET"));
            Assert.Equal("ERR wrong number of arguments for 'get' command", arity.Message);
        }
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>Requests in one write, inline and multibulk mixed, with the replies redis-server
    /// 7.0 gives to the same bytes (recorded from it), byte for byte; QUIT closes after its +OK
    /// and nothing after it runs.</summary>
    [Fact]
    public async Task Raw_requests_get_redis_servers_replies_byte_for_byte()
    {
        using var server = await SampleProcess.StartAsync("KeyValue", "--port", "0");
        using (var client = await TestClient.ConnectAsync(server.Port))
        {
            await client.SendAsync(
                "PING\r\nSET k v\r\nGET k\r\n\r\nget\r\nset \"a b\" \"c\\x41\"\r\nGET \"a b\"\r\n*1\r\n$4\r\nPING\r\n" +
                "foo x y\r\nFOO\r\nset a b ex 0\r\nset a b ex abc\r\nset n v nx xx\r\nincr k\r\nset big 9223372036854775807\r\nincr big\r\n" +
                "expire k 1 2\r\nexpire k 10 nx xx\r\nexpire k 10 gt lt\r\nttl k\r\nexpire k 100\r\nttl k\r\nping a b\r\necho\r\nmget\r\ndbsize x\r\n" +
                "*3\r\n$4\r\nMGET\r\n$1\r\nk\r\n$4\r\nnone\r\nexists k k none\r\ndel k none\r\ndbsize\r\nQUIT\r\nPING\r\n");
            var expected =
                "+PONG\r\n+OK\r\n$1\r\nv\r\n-ERR wrong number of arguments for 'get' command\r\n+OK\r\n$2\r\ncA\r\n+PONG\r\n" +
                "-ERR unknown command 'foo', with args beginning with: 'x' 'y' \r\n-ERR unknown command 'FOO', with args beginning with: \r\n" +
                "-ERR invalid expire time in 'set' command\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n" +
                "-ERR value is not an integer or out of range\r\n+OK\r\n-ERR increment or decrement would overflow\r\n" +
                "-ERR Unsupported option 2\r\n-ERR NX and XX, GT or LT options at the same time are not compatible\r\n" +
                "-ERR GT and LT options at the same time are not compatible\r\n:-1\r\n:1\r\n:100\r\n" +
                "-ERR wrong number of arguments for 'ping' command\r\n-ERR wrong number of arguments for 'echo' command\r\n" +
                "-ERR wrong number of arguments for 'mget' command\r\n-ERR wrong number of arguments for 'dbsize' command\r\n" +
                "*2\r\n$1\r\nv\r\n$-1\r\n:2\r\n:1\r\n:2\r\n+OK\r\n";
            Assert.Equal(expected, Encoding.Latin1.GetString(await client.ReadToEndBytesAsync(Deadline)));
        }
        using (var client = await TestClient.ConnectAsync(server.Port))
        {
            await client.SendAsync("GET k\r\n*1\r\n$x\r\nPING\r\n");
            Assert.Equal("$-1\r\n-ERR Protocol error: invalid bulk length\r\n", await client.ReadToEndAsync(Deadline));
        }
        output.WriteLine(server.Stderr);
        Assert.Equal(0, await server.StopAsync());
    }
}
