using System.Text;
using Akka.Cluster;
using Akka.DistributedData;

namespace KeyValue.Store;

/// <summary>A key's value (its bytes one per char, Latin-1) and expiry time as replicated across
/// the cluster: plain data, so it crosses nodes with Akka's default serializer.</summary>
sealed record ReplicatedEntry(string Value, long ExpiresAt);

/// <summary>
/// A <see cref="Keyspace"/>'s view of the keys replicated across the cluster: the keys are split
/// by a hash of their name over <see cref="Shards"/> Akka.DistributedData values, each an
/// <c>LWWDictionary</c>, so one write replicates one small dictionary and not every key. The
/// store loads the shards a command touches (<see cref="Load"/>) and, after a write, replicates
/// the changed shard (<see cref="Shard"/>). Used from one thread at a time.
/// </summary>
sealed class ReplicatedTable(UniqueAddress self) : IKeyTable
{
    /// <summary>How many DistributedData values hold the keys. Each is gossiped whole when nodes
    /// catch up, and a remote message is at most 128000 bytes: about a thousand keys of short
    /// values per shard fit, so a hundred shards hold about a hundred thousand keys.</summary>
    public const int Shards = 100;

    private static readonly LWWDictionaryKey<string, ReplicatedEntry>[] Keys =
        [.. Enumerable.Range(0, Shards).Select(shard => new LWWDictionaryKey<string, ReplicatedEntry>($"kv-{shard}"))];

    private readonly Dictionary<int, LWWDictionary<string, ReplicatedEntry>> _shards = [];

    /// <summary>The shard that holds <paramref name="key"/>: FNV-1a, the same on every node
    /// (string.GetHashCode differs from process to process).</summary>
    public static int ShardOf(string key)
    {
        uint hash = 2166136261;
        foreach (char c in key) hash = (hash ^ c) * 16777619;
        return (int)(hash % Shards);
    }

    /// <summary>The DistributedData key of <paramref name="shard"/>.</summary>
    public static LWWDictionaryKey<string, ReplicatedEntry> KeyOf(int shard) => Keys[shard];

    /// <summary>Makes <paramref name="data"/> the current value of <paramref name="shard"/>.</summary>
    public void Load(int shard, LWWDictionary<string, ReplicatedEntry> data) => _shards[shard] = data;

    /// <summary>The value of <paramref name="shard"/>, with this view's writes.</summary>
    public LWWDictionary<string, ReplicatedEntry> Shard(int shard)
        => _shards.GetValueOrDefault(shard, LWWDictionary<string, ReplicatedEntry>.Empty);

    public bool TryGetValue(string key, out KeyEntry entry)
    {
        if (Shard(ShardOf(key)).TryGetValue(key, out var found))
        {
            entry = new KeyEntry(Encoding.Latin1.GetBytes(found.Value), found.ExpiresAt);
            return true;
        }
        entry = default;
        return false;
    }

    public void Put(string key, KeyEntry entry)
    {
        int shard = ShardOf(key);
        _shards[shard] = Shard(shard).SetItem(self, key, new ReplicatedEntry(Encoding.Latin1.GetString(entry.Value), entry.ExpiresAt));
    }

    public bool Remove(string key)
    {
        int shard = ShardOf(key);
        if (!Shard(shard).ContainsKey(key)) return false;
        _shards[shard] = Shard(shard).Remove(self, key);
        return true;
    }

    /// <summary>Expired keys are not counted (nothing frees them before a write touches them).</summary>
    public int LiveCount(long now)
        => _shards.Values.Sum(shard => shard.Entries.Values.Count(e => e.ExpiresAt == 0 || e.ExpiresAt > now));
}
