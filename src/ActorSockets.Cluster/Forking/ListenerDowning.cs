using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace ActorSockets.Forking;

/// <summary>
/// Downing for a forking-mode cluster: one listener, which owns every socket, and workers, which
/// own nothing and can be replaced. The listener is never downed by it, whatever the workers do.
/// <list type="bullet">
/// <item>On the listener: a worker that stays unreachable (seen so by any member) for
/// <c>stable-after</c> is downed. Each worker has its own clock: others dying or joining meanwhile
/// neither delay nor hasten it.</item>
/// <item>On a worker: when every listener has been unreachable for <c>stable-after</c>, the worker
/// downs itself (and its process exits): a worker cut off from its listener has nothing to serve.</item>
/// </list>
/// Workers never down another member. Configured in hocon/cluster.conf, which says why Akka's
/// split-brain resolver is not used.
/// </summary>
internal sealed class ListenerDowningProvider : IDowningProvider
{
    /// <summary>Where the settings live: <c>stable-after</c>.</summary>
    public const string ConfigPath = "akka.cluster.listener-downing";

    private readonly TimeSpan _stableAfter;

    /// <summary>Made by Akka.Cluster from <c>akka.cluster.downing-provider-class</c>.</summary>
    public ListenerDowningProvider(ActorSystem system, Cluster cluster)
        => _stableAfter = system.Settings.Config.GetTimeSpan($"{ConfigPath}.stable-after", TimeSpan.FromSeconds(5));

    /// <summary>No shards or singletons to move: nothing to wait for after a removal.</summary>
    public TimeSpan DownRemovalMargin => TimeSpan.Zero;

    /// <summary>The actor that takes the decisions, started by the cluster daemon.</summary>
    public Props DowningActorProps => Props.Create(() => new ListenerDowning(_stableAfter));
}

/// <summary>The decisions of <see cref="ListenerDowningProvider"/>, on one node.</summary>
internal sealed class ListenerDowning(TimeSpan stableAfter) : UntypedActor, IWithTimers
{
    /// <summary>A member has been unreachable for <c>stable-after</c>: act if it still is.</summary>
    private sealed record StillUnreachable(UniqueAddress Member);

    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    private bool IsListener => _cluster.SelfMember.HasRole(ForkingConfig.ListenerRole);

    protected override void PreStart()
        => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClusterEvent.UnreachableMember unreachable when Judges(unreachable.Member):
                Timers.StartSingleTimer(unreachable.Member.UniqueAddress, new StillUnreachable(unreachable.Member.UniqueAddress), stableAfter);
                break;
            case ClusterEvent.ReachableMember reachable:
                Timers.Cancel(reachable.Member.UniqueAddress);
                break;
            case ClusterEvent.MemberRemoved removed:
                Timers.Cancel(removed.Member.UniqueAddress);
                break;
            case StillUnreachable still:
                Decide(still.Member);
                break;
            case ClusterEvent.IClusterDomainEvent:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The listener judges every other member; a worker only the listener (for itself).</summary>
    private bool Judges(Member member)
        => IsListener ? !member.HasRole(ForkingConfig.ListenerRole) : member.HasRole(ForkingConfig.ListenerRole);

    private void Decide(UniqueAddress member)
    {
        var state = _cluster.State;
        if (!state.Unreachable.Any(m => m.UniqueAddress.Equals(member))) return; // reachable or gone meanwhile
        if (IsListener)
        {
            _log.Warning("Worker node {Worker} still unreachable {Seconds} s after it was found so: removed from the cluster", member.Address, Math.Round(stableAfter.TotalSeconds));
            _cluster.Down(member.Address);
            return;
        }
        bool listenerReachable = state.Members.Any(m => m.HasRole(ForkingConfig.ListenerRole) && m.Status == MemberStatus.Up
                                                         && !state.Unreachable.Contains(m));
        if (listenerReachable) return;
        _log.Warning("Worker node {Worker}: the listener {Listener} still unreachable {Seconds} s after it was found so; leaving", _cluster.SelfAddress, member.Address, Math.Round(stableAfter.TotalSeconds));
        _cluster.Down(_cluster.SelfAddress);
    }
}
