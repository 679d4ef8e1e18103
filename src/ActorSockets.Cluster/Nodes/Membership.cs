using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace ActorSockets.Nodes;

/// <summary>
/// Logs the cluster's membership as an operator needs it, one line per change: a node up, a node
/// unreachable (the split-brain resolver decides about it after stable-after), a node removed.
/// Akka's own cluster log (<c>akka.cluster.log-info</c>) is off: it says the same in many lines.
/// </summary>
internal sealed class Membership : ReceiveActor
{
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<Address> _up = [];

    public Membership()
    {
        Receive<ClusterEvent.MemberUp>(up =>
        {
            if (!_up.Add(up.Member.Address)) return;
            _log.Info("Node {Node} joined the cluster; {Nodes} nodes up", up.Member.Address, _up.Count);
        });
        Receive<ClusterEvent.UnreachableMember>(unreachable => _log.Warning(
            "Node {Node} is unreachable; the split-brain resolver decides in {Seconds} s if it stays so",
            unreachable.Member.Address, Math.Round(StableAfter.TotalSeconds)));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            _up.Remove(removed.Member.Address);
            var how = removed.PreviousStatus == MemberStatus.Down ? "downed" : "left";
            _log.Info("Node {Node} left the cluster ({How}); {Nodes} nodes up", removed.Member.Address, how, _up.Count);
        });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    private TimeSpan StableAfter => Context.System.Settings.Config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after", TimeSpan.FromSeconds(20));

    protected override void PreStart()
        => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.UnreachableMember));

    protected override void PostStop() => _cluster.Unsubscribe(Self);
}
