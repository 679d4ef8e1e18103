using Akka.Actor;

namespace KeyValue.Store;

/// <summary>
/// The store of a single node: every key in this process's memory, in one actor, so commands
/// from all connections apply one at a time, in the order each connection sent them (Redis's
/// own model). Answers the messages in <c>StoreMessages.cs</c>.
/// </summary>
sealed class MemoryStore : ReceiveActor, IWithTimers
{
    /// <summary>How often keys past their expiry are freed (they read as gone at once anyway).</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(100);

    private readonly Keyspace _keys = new(Keyspace.UnixNow);

    public ITimerScheduler Timers { get; set; } = null!;

    public MemoryStore()
    {
        Receive<IStoreCommand>(command => Sender.Tell(_keys.Run(command)));
        Receive<StoreBatch>(batch => Sender.Tell(new StoreReplies(Array.ConvertAll(batch.Commands, _keys.Run))));
        Receive<Sweep>(_ => _keys.RemoveExpired());
    }

    protected override void PreStart() => Timers.StartPeriodicTimer(Sweep.Instance, Sweep.Instance, SweepInterval);

    private sealed record Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
