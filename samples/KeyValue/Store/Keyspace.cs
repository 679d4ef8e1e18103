using KeyValue.Resp;

namespace KeyValue.Store;

/// <summary>
/// The keys and their values and expiry times, with each store command's meaning as in Redis.
/// A plain class used from its store actor's thread only, so a store that keeps keys elsewhere
/// (replicated in a cluster) can reuse the same semantics. Times are Unix milliseconds from
/// <c>now</c>, so expiries mean the same on every node. A key past its expiry is gone for every
/// command the moment it expires (checked on access), and <see cref="RemoveExpired"/> frees it.
/// The keys live in an <see cref="IKeyTable"/>: this process's memory by default, or a view of
/// replicated data (<see cref="ReplicatedTable"/>).
/// </summary>
sealed class Keyspace(Func<long> now, IKeyTable keys)
{
    /// <summary>The wall clock in Unix milliseconds, the same on every node.</summary>
    public static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>A keyspace over keys in this process's memory only.</summary>
    public Keyspace(Func<long> now) : this(now, new MemoryTable()) { }

    private readonly IKeyTable _keys = keys;
    private readonly PriorityQueue<string, long> _expiries = new(); // may hold stale times: checked on removal

    /// <summary>The reply to <paramref name="command"/>, after applying it.</summary>
    public IStoreReply Run(IStoreCommand command) => command switch
    {
        Get get => new BulkReply(Find(get.Key)?.Value),
        Set set => RunSet(set),
        MGet mget => new BulksReply(Array.ConvertAll(mget.Keys, key => Find(key)?.Value)),
        Del del => new IntegerReply(del.Keys.Count(key => Find(key) is not null && _keys.Remove(key))),
        Exists exists => new IntegerReply(exists.Keys.Count(key => Find(key) is not null)),
        IncrBy incr => RunIncrBy(incr),
        Expire expire => RunExpire(expire),
        Ttl ttl => RunTtl(ttl),
        DbSize => new IntegerReply(_keys.LiveCount(now())),
        _ => new ErrorReply($"ERR the store does not know {command.GetType().Name}"),
    };

    /// <summary>Frees the keys whose time has passed; returns how many.</summary>
    public int RemoveExpired()
    {
        int removed = 0;
        long time = now();
        while (_expiries.TryPeek(out var key, out var at) && at <= time)
        {
            _expiries.Dequeue();
            if (_keys.TryGetValue(key, out var entry) && entry.ExpiresAt == at && _keys.Remove(key)) removed++;
        }
        return removed;
    }

    private KeyEntry? Find(string key)
    {
        if (!_keys.TryGetValue(key, out var entry)) return null;
        if (entry.ExpiresAt == 0 || entry.ExpiresAt > now()) return entry;
        _keys.Remove(key);
        return null;
    }

    private IStoreReply RunSet(Set set)
    {
        if (set.When != SetCondition.Always && (Find(set.Key) is not null) != (set.When == SetCondition.IfExists))
            return BulkReply.Nil;
        Put(set.Key, set.Value, set.TtlMilliseconds == 0 ? 0 : now() + set.TtlMilliseconds);
        return OkReply.Instance;
    }

    private IStoreReply RunIncrBy(IncrBy incr)
    {
        var entry = Find(incr.Key);
        long value = 0;
        if (entry is { } found && !RespNumbers.TryParse(found.Value, out value))
            return new ErrorReply("ERR value is not an integer or out of range");
        if ((incr.By < 0 && value < long.MinValue - incr.By) || (incr.By > 0 && value > long.MaxValue - incr.By))
            return new ErrorReply("ERR increment or decrement would overflow");
        value += incr.By;
        _keys.Put(incr.Key, new KeyEntry(System.Text.Encoding.ASCII.GetBytes(value.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            entry?.ExpiresAt ?? 0)); // INCR keeps the key's TTL
        return new IntegerReply(value);
    }

    private IStoreReply RunExpire(Expire expire)
    {
        if (Find(expire.Key) is not { } entry) return IntegerReply.Zero;
        long at = now() + expire.TtlMilliseconds;
        var when = expire.When;
        bool hasTtl = entry.ExpiresAt != 0;
        bool allowed = !(when.HasFlag(ExpireCondition.IfNoTtl) && hasTtl)
            && !(when.HasFlag(ExpireCondition.IfTtl) && !hasTtl)
            && !(when.HasFlag(ExpireCondition.IfLonger) && (!hasTtl || at <= entry.ExpiresAt)) // no TTL counts as infinite
            && !(when.HasFlag(ExpireCondition.IfShorter) && hasTtl && at >= entry.ExpiresAt);
        if (!allowed) return IntegerReply.Zero;
        if (expire.TtlMilliseconds <= 0) _keys.Remove(expire.Key);
        else Put(expire.Key, entry.Value, at);
        return IntegerReply.One;
    }

    private IStoreReply RunTtl(Ttl ttl) => Find(ttl.Key) switch
    {
        null => new IntegerReply(-2),
        { ExpiresAt: 0 } => new IntegerReply(-1),
        { } entry when ttl.InMilliseconds => new IntegerReply(entry.ExpiresAt - now()),
        { } entry => new IntegerReply((entry.ExpiresAt - now() + 500) / 1000),
    };

    private void Put(string key, byte[] value, long expiresAt)
    {
        _keys.Put(key, new KeyEntry(value, expiresAt));
        if (expiresAt != 0) _expiries.Enqueue(key, expiresAt);
    }
}

/// <summary>A key's value and expiry time (Unix milliseconds; 0: never).</summary>
readonly record struct KeyEntry(byte[] Value, long ExpiresAt);

/// <summary>Where a <see cref="Keyspace"/> keeps its keys (used from one thread at a time).</summary>
interface IKeyTable
{
    bool TryGetValue(string key, out KeyEntry entry);
    void Put(string key, KeyEntry entry);
    bool Remove(string key);

    /// <summary>How many keys there are that have not expired at <paramref name="now"/>
    /// (or soon after: a table that frees expired keys itself may count them until then).</summary>
    int LiveCount(long now);
}

/// <summary>Keys in this process's memory; expired ones are counted until freed (the store sweeps often).</summary>
sealed class MemoryTable() : Dictionary<string, KeyEntry>(StringComparer.Ordinal), IKeyTable
{
    public void Put(string key, KeyEntry entry) => this[key] = entry;
    public int LiveCount(long now) => Count;
}
