using System.Globalization;
using System.Text;
using Akka.Cluster;
using Akka.DistributedData;

namespace KeyValue.Store;

/// <summary>
/// A <see cref="Keyspace"/>'s view of the keys replicated across the cluster: the keys are split
/// by a hash of their name over <see cref="Shards"/> Akka.DistributedData values, each an
/// <c>LWWDictionary</c>, so one write replicates one small dictionary and not every key. A
/// replicated value is a plain string, <c>expiry:value</c> (Unix ms, 0 for none; the value's
/// bytes one per char, Latin-1): strings cross nodes with Akka's compact string serializer, where
/// a record would go through JSON with its type name on every key, and the deltas that one
/// propagation round carries for all the changed shards then passed remoting's frame limit
/// under redis-benchmark's load. The
/// store loads the shards a command touches (<see cref="Load"/>) and, after a write, replicates
/// the changed shard (<see cref="Shard"/>). Used from one thread at a time.
/// </summary>
sealed class ReplicatedTable(UniqueAddress self) : IKeyTable
{
    /// <summary>How many DistributedData values hold the keys. Each is gossiped whole when nodes
    /// catch up, and a remote message is at most 256000 bytes (hocon/cluster.conf): a shard must
    /// stay well under that, so more keys (or longer values) call for more shards.</summary>
    public const int Shards = 100;

    private static readonly LWWDictionaryKey<string, string>[] Keys =
        [.. Enumerable.Range(0, Shards).Select(shard => new LWWDictionaryKey<string, string>($"kv-{shard}"))];

    private readonly Dictionary<int, LWWDictionary<string, string>> _shards = [];

    /// <summary>The shard that holds <paramref name="key"/>: FNV-1a, the same on every node
    /// (string.GetHashCode differs from process to process).</summary>
    public static int ShardOf(string key)
    {
        uint hash = 2166136261;
        foreach (char c in key) hash = (hash ^ c) * 16777619;
        return (int)(hash % Shards);
    }

    /// <summary>The DistributedData key of <paramref name="shard"/>.</summary>
    public static LWWDictionaryKey<string, string> KeyOf(int shard) => Keys[shard];

    /// <summary>Makes <paramref name="data"/> the current value of <paramref name="shard"/>.</summary>
    public void Load(int shard, LWWDictionary<string, string> data) => _shards[shard] = data;

    /// <summary>The value of <paramref name="shard"/>, with this view's writes.</summary>
    public LWWDictionary<string, string> Shard(int shard)
        => _shards.GetValueOrDefault(shard, LWWDictionary<string, string>.Empty);

    public bool TryGetValue(string key, out KeyEntry entry)
    {
        if (Shard(ShardOf(key)).TryGetValue(key, out var found))
        {
            int colon = found.IndexOf(':');
            entry = new KeyEntry(Encoding.Latin1.GetBytes(found, colon + 1, found.Length - colon - 1),
                long.Parse(found.AsSpan(0, colon), CultureInfo.InvariantCulture));
            return true;
        }
        entry = default;
        return false;
    }

    public void Put(string key, KeyEntry entry)
    {
        int shard = ShardOf(key);
        _shards[shard] = Shard(shard).SetItem(self, key, Encode(entry));
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
        => _shards.Values.Sum(shard => shard.Entries.Values.Count(value => ExpiresAt(value) is var at && (at == 0 || at > now)));

    private static long ExpiresAt(string value) => long.Parse(value.AsSpan(0, value.IndexOf(':')), CultureInfo.InvariantCulture);

    private static string Encode(KeyEntry entry)
        => string.Create(CultureInfo.InvariantCulture, $"{entry.ExpiresAt}:{Encoding.Latin1.GetString(entry.Value)}");
}
