using System.Text;
using KeyValue.Store;
using Xunit;

namespace ActorSockets.Tests.KeyValue;

/// <summary>The KeyValue store's semantics, alone, on a clock the test moves.</summary>
public class KeyspaceTests
{
    private long _now = 1_000_000;
    private readonly Keyspace _keys;

    public KeyspaceTests() => _keys = new Keyspace(() => _now);

    private IStoreReply Run(IStoreCommand command) => _keys.Run(command);

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void A_key_with_a_ttl_reads_as_gone_from_the_moment_it_expires_and_the_sweep_frees_it()
    {
        Run(new Set("k", Bytes("v"), 1500, SetCondition.Always));
        Run(new Set("forever", Bytes("v"), 0, SetCondition.Always));
        Assert.Equal(new IntegerReply(2), Run(new Ttl("k")));
        Assert.Equal(new IntegerReply(1500), Run(new Ttl("k", InMilliseconds: true)));
        Assert.Equal(new IntegerReply(-1), Run(new Ttl("forever")));
        _now += 1499;
        Assert.Equal("v", Encoding.ASCII.GetString(((BulkReply)Run(new Get("k"))).Value!));
        Assert.Equal(0, _keys.RemoveExpired());
        _now += 1;
        Assert.Equal(BulkReply.Nil, Run(new Get("k")));
        Assert.Equal(new IntegerReply(-2), Run(new Ttl("k")));
        Assert.Equal(new IntegerReply(1), Run(DbSize.Instance));
    }

    [Fact]
    public void The_sweep_frees_expired_keys_not_read_since_and_keeps_keys_set_again_without_ttl()
    {
        Run(new Set("a", Bytes("1"), 100, SetCondition.Always));
        Run(new Set("b", Bytes("1"), 100, SetCondition.Always));
        Run(new Set("b", Bytes("2"), 0, SetCondition.Always));
        _now += 100;
        Assert.Equal(1, _keys.RemoveExpired());
        Assert.Equal(new IntegerReply(1), Run(DbSize.Instance));
    }

    [Fact]
    public void Set_nx_and_xx_write_only_when_the_key_is_missing_or_exists()
    {
        Assert.Equal(BulkReply.Nil, Run(new Set("k", Bytes("1"), 0, SetCondition.IfExists)));
        Assert.Equal(OkReply.Instance, Run(new Set("k", Bytes("1"), 0, SetCondition.IfMissing)));
        Assert.Equal(BulkReply.Nil, Run(new Set("k", Bytes("2"), 0, SetCondition.IfMissing)));
        Assert.Equal(OkReply.Instance, Run(new Set("k", Bytes("3"), 0, SetCondition.IfExists)));
        Assert.Equal("3", Encoding.ASCII.GetString(((BulkReply)Run(new Get("k"))).Value!));
    }

    [Fact]
    public void Incr_counts_from_zero_keeps_the_ttl_and_refuses_non_integers_and_overflow()
    {
        Assert.Equal(new IntegerReply(5), Run(new IncrBy("n", 5)));
        Run(new Expire("n", 10_000, ExpireCondition.Always));
        Assert.Equal(new IntegerReply(-1), Run(new IncrBy("n", -6)));
        Assert.Equal(new IntegerReply(10), Run(new Ttl("n")));
        Run(new Set("s", Bytes("abc"), 0, SetCondition.Always));
        Assert.Equal(new ErrorReply("ERR value is not an integer or out of range"), Run(new IncrBy("s", 1)));
        Run(new Set("max", Bytes(long.MaxValue.ToString()), 0, SetCondition.Always));
        Assert.Equal(new ErrorReply("ERR increment or decrement would overflow"), Run(new IncrBy("max", 1)));
    }

    [Fact]
    public void Expire_conditions_and_a_ttl_of_zero_or_less_deleting_the_key()
    {
        Run(new Set("k", Bytes("v"), 0, SetCondition.Always));
        Assert.Equal(IntegerReply.Zero, Run(new Expire("k", 5000, ExpireCondition.IfTtl)));
        Assert.Equal(IntegerReply.Zero, Run(new Expire("k", 5000, ExpireCondition.IfLonger))); // no TTL is infinite
        Assert.Equal(IntegerReply.One, Run(new Expire("k", 5000, ExpireCondition.IfNoTtl)));
        Assert.Equal(IntegerReply.Zero, Run(new Expire("k", 9000, ExpireCondition.IfShorter)));
        Assert.Equal(IntegerReply.One, Run(new Expire("k", 9000, ExpireCondition.IfLonger | ExpireCondition.IfTtl)));
        Assert.Equal(new IntegerReply(9), Run(new Ttl("k")));
        Assert.Equal(IntegerReply.Zero, Run(new Expire("missing", 5000, ExpireCondition.Always)));
        Assert.Equal(IntegerReply.One, Run(new Expire("k", 0, ExpireCondition.Always)));
        Assert.Equal(IntegerReply.Zero, Run(new Exists(["k"])));
    }

    [Fact]
    public void Del_exists_and_mget_count_and_answer_per_key()
    {
        Run(new Set("a", Bytes("1"), 0, SetCondition.Always));
        Run(new Set("b", Bytes("2"), 0, SetCondition.Always));
        Assert.Equal(new IntegerReply(3), Run(new Exists(["a", "a", "b", "c"])));
        var values = ((BulksReply)Run(new MGet(["a", "c", "b"]))).Values;
        Assert.Equal(["1", null, "2"], values.Select(v => v is null ? null : Encoding.ASCII.GetString(v)));
        Assert.Equal(new IntegerReply(2), Run(new Del(["a", "a", "b", "c"])));
        Assert.Equal(IntegerReply.Zero, Run(DbSize.Instance));
    }
}
