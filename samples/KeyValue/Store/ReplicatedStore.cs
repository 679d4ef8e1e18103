using ActorSockets.Nodes;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;

namespace KeyValue.Store;

/// <summary>
/// The store of a cluster node: the keys replicated on every node with Akka.DistributedData
/// (<see cref="ReplicatedTable"/>), so any node serves any key and a node's loss loses no write
/// it acknowledged. Answers the messages in <c>StoreMessages.cs</c>, with Redis's meaning
/// (<see cref="Keyspace"/>), at these consistencies (docs/03-many-nodes.md has the whole model):
/// <list type="bullet">
/// <item>a write replies only once a majority of the nodes hold it (<c>WriteMajority</c>), else
/// <see cref="WriteFailed"/>; a write that reads the key first (SET NX/XX, INCR, EXPIRE, DEL)
/// reads it from a majority first, so it sees every write acknowledged before it;</item>
/// <item>a read asks a majority (<c>ReadMajority</c>): with majority writes, it sees every write
/// acknowledged before it, whichever node took it;</item>
/// <item>two writes to one key at once through different nodes: the later clock wins, and an
/// INCR may be lost that way (last writer wins; a single-writer INCR would need the key's owner).</item>
/// </list>
/// Commands run concurrently, so a slow majority does not hold up other connections; one
/// connection's commands (one batch) run one after another, in order. Until this node is a
/// member of the cluster, commands wait: a node (re)started alone would count itself as the
/// majority and read nothing.
/// </summary>
sealed class ReplicatedStore : ReceiveActor, IWithUnboundedStash
{
    /// <summary>How long a read or write waits for a majority: 3 s outlasts a loaded machine's
    /// pauses, and stays well under the handler's own timeout.</summary>
    public static readonly TimeSpan MajorityTimeout = TimeSpan.FromSeconds(3);

    private static readonly ErrorReply WriteFailed = new("ERR write not acknowledged by a majority of the nodes");
    private static readonly ErrorReply ReadFailed = new("ERR read not answered by a majority of the nodes");

    private readonly IActorRef _replicator = Context.System.Replicator();
    private readonly UniqueAddress _self = Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress;
    private readonly ReadMajority _read = new(MajorityTimeout);
    private readonly WriteMajority _write = new(MajorityTimeout);

    public IStash Stash { get; set; } = null!;

    public ReplicatedStore()
    {
        Receive<Joined>(_ =>
        {
            Become(Serving);
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Serving()
    {
        Receive<IStoreCommand>(command => RunAsync(command).PipeTo(Sender));
        Receive<StoreBatch>(batch => RunAllAsync(batch.Commands).PipeTo(Sender));
    }

    protected override void PreStart()
    {
        var self = Self;
        Akka.Cluster.Cluster.Get(Context.System).RegisterOnMemberUp(() => self.Tell(Joined.Instance));
    }

    private async Task<StoreReplies> RunAllAsync(IStoreCommand[] commands)
    {
        var replies = new IStoreReply[commands.Length];
        for (int i = 0; i < commands.Length; i++) replies[i] = await RunAsync(commands[i]);
        return new StoreReplies(replies);
    }

    private Task<IStoreReply> RunAsync(IStoreCommand command) => command switch
    {
        Set { When: SetCondition.Always } set => WriteAsync(ReplicatedTable.ShardOf(set.Key), set, readFirst: false),
        Set set => WriteAsync(ReplicatedTable.ShardOf(set.Key), set, readFirst: true),
        IncrBy incr => WriteAsync(ReplicatedTable.ShardOf(incr.Key), incr, readFirst: true),
        Expire expire => WriteAsync(ReplicatedTable.ShardOf(expire.Key), expire, readFirst: true),
        Del del => DeleteAsync(del),
        Get get => ReadAsync(command, [get.Key]),
        MGet mget => ReadAsync(command, mget.Keys),
        Exists exists => ReadAsync(command, exists.Keys),
        Ttl ttl => ReadAsync(command, [ttl.Key]),
        _ => ReadAsync(command, null), // DBSIZE: every shard
    };

    /// <summary>Runs a command that only reads, on the shards of <paramref name="keys"/> (null: all) as a majority holds them.</summary>
    private async Task<IStoreReply> ReadAsync(IStoreCommand command, string[]? keys)
    {
        var shards = keys is null ? Enumerable.Range(0, ReplicatedTable.Shards) : keys.Select(ReplicatedTable.ShardOf).Distinct();
        var table = new ReplicatedTable(_self);
        foreach (var (shard, data) in await Task.WhenAll(shards.Select(async shard => (shard, await GetAsync(shard)))))
        {
            if (data is null) return ReadFailed;
            table.Load(shard, data);
        }
        return new Keyspace(Keyspace.UnixNow, table).Run(command);
    }

    /// <summary>DEL of keys in several shards: one write per shard, the counts added.</summary>
    private async Task<IStoreReply> DeleteAsync(Del del)
    {
        var replies = await Task.WhenAll(del.Keys.GroupBy(ReplicatedTable.ShardOf)
            .Select(keys => WriteAsync(keys.Key, new Del([.. keys]), readFirst: true)));
        return replies.OfType<ErrorReply>().FirstOrDefault() as IStoreReply
            ?? new IntegerReply(replies.Sum(reply => ((IntegerReply)reply).Value));
    }

    /// <summary>Runs <paramref name="command"/> on this node's replica of <paramref name="shard"/>
    /// (brought up to a majority's first when <paramref name="readFirst"/>: a majority read merges
    /// what it found into the local replica) and replies once a majority holds the result.</summary>
    private async Task<IStoreReply> WriteAsync(int shard, IStoreCommand command, bool readFirst)
    {
        if (readFirst && await GetAsync(shard) is null) return ReadFailed;
        IStoreReply? reply = null; // set by the replicator, which runs the update before it answers
        var update = Dsl.Update(ReplicatedTable.KeyOf(shard), LWWDictionary<string, string>.Empty, _write, data =>
        {
            var table = new ReplicatedTable(_self);
            table.Load(shard, data);
            reply = new Keyspace(Keyspace.UnixNow, table).Run(command);
            return table.Shard(shard);
        });
        var response = await AskReplicatorAsync<IUpdateResponse>(update);
        return response is UpdateSuccess && reply is not null ? reply : WriteFailed;
    }

    /// <summary>The shard as a majority of the nodes hold it; null when they did not answer in time.</summary>
    private async Task<LWWDictionary<string, string>?> GetAsync(int shard)
    {
        var key = ReplicatedTable.KeyOf(shard);
        return await AskReplicatorAsync<IGetResponse>(Dsl.Get(key, _read)) switch
        {
            GetSuccess found => found.Get(key),
            NotFound => LWWDictionary<string, string>.Empty,
            _ => null,
        };
    }

    /// <summary>The replicator answers within its own timeout; the ask's is only a backstop.</summary>
    private async Task<T?> AskReplicatorAsync<T>(object request) where T : class
    {
        try { return await _replicator.Ask<T>(request, MajorityTimeout * 2); }
        catch (AskTimeoutException) { return null; }
    }

    /// <summary>This node is up in the cluster: the replicator knows the other members.</summary>
    private sealed record Joined
    {
        public static readonly Joined Instance = new();
    }
}
