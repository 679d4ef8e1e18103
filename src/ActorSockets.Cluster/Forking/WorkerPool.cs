using ActorSockets.Metrics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace ActorSockets.Forking;

/// <summary>
/// The listener's view of the workers, built on cluster membership: every member with the
/// <c>worker</c> role that is up and reachable serves requests. Each request goes to the worker
/// with the fewest requests in flight (load, not turns), so a busy or slow node gets less.
/// A worker that becomes unreachable, leaves, or whose process exits gets no new request,
/// and the requests it had are failed at once so their connections close instead of hanging.
/// Requests that find no worker wait (bounded by the listener's max_children) until one joins,
/// except while the listener's own worker processes are all dead and their restarts backing off
/// (a crash loop): then they are refused at once (<see cref="NoWorkerLives"/>), never held.
/// </summary>
internal sealed class WorkerPool : UntypedActor, IWithTimers
{
    private sealed class Worker(Address address, IActorRef host, WorkerInfo info)
    {
        public Address Address { get; } = address;
        public IActorRef Host { get; } = host;
        public WorkerInfo Info { get; } = info;
        public int InFlight { get; set; }
        public bool Reachable { get; set; } = true;
        /// <summary>The link of a worker process this listener started: sockets can be handed to it.</summary>
        public WorkerLink? Link { get; set; }
        public string Describe => $"{Address} (pid {Info.ProcessId})";
    }

    /// <param name="Request">A <see cref="RouteRequest"/> or a <see cref="PlaceConnection"/>.</param>
    /// <param name="ReplyTo">Who learns if no worker comes in time.</param>
    /// <param name="Since">When it started waiting.</param>
    private sealed record Waiting(object Request, IActorRef ReplyTo, DateTime Since);
    private sealed record ExpireWaiting;

    private readonly TimeSpan _waitTimeout;
    private readonly ServerMetrics _metrics;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Address, Worker> _workers = [];
    private readonly Dictionary<IActorRef, Worker> _requests = [];
    private readonly Queue<Waiting> _waiting = new();
    private readonly Dictionary<int, WorkerLink> _links = []; // by pid, until its worker has joined
    private readonly KeyValuePair<string, object?>[] _relayTags;
    private readonly List<(WaitForWorkers Wait, IActorRef ReplyTo)> _readyWaiters = [];

    private readonly LocalPlacement _placement;
    private bool _allDown; // every worker process of ours is dead, restarts backing off

    public WorkerPool(TimeSpan waitTimeout, ServerMetrics metrics, LocalPlacement? placement = null)
    {
        _placement = placement ?? new LocalPlacement();
        _waitTimeout = waitTimeout;
        _metrics = metrics;
        _relayTags = [new(Metrics.ActorSocketsMetrics.ServerNameTag, metrics.ServerName), new(ForkingMetrics.PathTag, "relay")];
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
        => _cluster.Subscribe(Self, ClusterEvent.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        foreach (var (proxy, _) in _requests) proxy.Tell(new WorkerLost("the listener is stopping"));
        foreach (var waiting in _waiting) waiting.ReplyTo.Tell(new WorkerLost("the listener is stopping"));
        // The gauge counts this pool's workers: they are no longer its workers once it stops
        // (and a restarted pool starts empty and counts them again as they report).
        foreach (var _ in _workers) _metrics.WorkerExited();
    }

    protected override void OnReceive(object message)
    {
        Handle(message);
        Publish(); // membership, reachability, links and relay loads may have changed
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberUp up when up.Member.HasRole(ForkingConfig.WorkerRole):
                Context.ActorSelection(new RootActorPath(up.Member.Address) / "user" / ForkingConfig.WorkerHostName)
                    .Tell(GetWorkerInfo.Instance);
                break;
            case WorkerInfo info when info.WireVersion != WireSerializer.Version:
                var why = $"worker {Sender.Path.Address} (pid {info.ProcessId} on {info.MachineName}) speaks wire version {info.WireVersion}, this listener {WireSerializer.Version}: refused; run the same ActorSockets version on both";
                _log.Error("{0}", why);
                Sender.Tell(new WorkerRefused(WireSerializer.Version, why));
                break;
            case WorkerInfo info when !Sender.Path.Address.Equals(_cluster.SelfAddress):
                AddWorker(new Worker(Sender.Path.Address, Sender, info));
                break;
            case LinkUp up:
                var owner = _workers.Values.FirstOrDefault(w => IsProcessOf(w, up.Link.ProcessId));
                if (owner is not null) Attach(owner, up.Link);
                else
                {
                    // Serves at once: a handed-off socket needs the link, not cluster membership,
                    // which takes a worker seconds longer (a restarted worker served 1-3 s sooner).
                    _links[up.Link.ProcessId] = up.Link;
                    _log.Info("Worker process {Pid} takes sockets over its link", up.Link.ProcessId);
                    DrainWaiting();
                }
                break;
            case LinkDown down:
                _links.Remove(down.Link.ProcessId);
                foreach (var w in _workers.Values.Where(w => ReferenceEquals(w.Link, down.Link))) w.Link = null;
                break;
            case PlaceConnection place:
                if (!TryPlace(place)) WaitOrRefuse(place, place.StandIn);
                break;
            case WorkersBackingOff backingOff:
                _allDown = backingOff.AllDown;
                if (_allDown && LeastLoaded() is null) RefuseWaiting();
                break;
            case ClusterEvent.UnreachableMember unreachable when _workers.TryGetValue(unreachable.Member.Address, out var w):
                w.Reachable = false;
                FailRequestsOn(w, $"worker {w.Address} (pid {w.Info.ProcessId}) became unreachable");
                break;
            case ClusterEvent.ReachableMember reachable when _workers.TryGetValue(reachable.Member.Address, out var w):
                w.Reachable = true;
                DrainWaiting();
                break;
            case ClusterEvent.MemberDowned downed when _workers.TryGetValue(downed.Member.Address, out var w):
                // Our own worker process, downed while it still runs, is hung (stopped, deadlocked,
                // cut off): it would hold its slot forever. Killed, it is started again.
                if (w.Link is not null) KillHung(w);
                RemoveWorker(w.Address, $"worker node {w.Address} (pid {w.Info.ProcessId}) was removed from the cluster");
                break;
            case ClusterEvent.IMemberEvent member when member is ClusterEvent.MemberRemoved or ClusterEvent.MemberLeft or ClusterEvent.MemberExited:
                // Leaving is how a worker stops when told to (by us on a stop, or by its operator): not a warning.
                RemoveWorker(member.Member.Address, $"worker node {member.Member.Address} left the cluster", warn: false);
                break;
            case WorkerProcessExited exited:
                var gone = _workers.Values.FirstOrDefault(x => x.Info.ProcessId == exited.ProcessId && x.Info.MachineName == Environment.MachineName);
                if (gone is not null)
                {
                    RemoveWorker(gone.Address, $"worker process {exited.ProcessId} exited with code {exited.ExitCode}");
                    _cluster.Down(gone.Address); // no need to wait for the failure detector: it is dead
                }
                break;
            case RouteRequest request:
                if (!TryRoute(request)) WaitOrRefuse(request, request.Proxy);
                break;
            case Terminated t when _requests.Remove(t.ActorRef, out var worker):
                worker.InFlight--;
                DrainWaiting();
                break;
            case ExpireWaiting:
                ExpireOldWaiting();
                break;
            case WaitForWorkers wait:
                _readyWaiters.Add((wait, Sender));
                AnswerReadyWaiters();
                break;
            case ClusterEvent.IClusterDomainEvent:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void WaitOrRefuse(object request, IActorRef replyTo)
    {
        if (_allDown) replyTo.Tell(NoWorkerLives.Instance);
        else Wait(request, replyTo);
    }

    private void RefuseWaiting()
    {
        while (_waiting.TryDequeue(out var waiting)) waiting.ReplyTo.Tell(NoWorkerLives.Instance);
    }

    private void Wait(object request, IActorRef replyTo)
    {
        _waiting.Enqueue(new Waiting(request, replyTo, DateTime.UtcNow));
        if (!Timers.IsTimerActive(nameof(ExpireWaiting)))
            Timers.StartSingleTimer(nameof(ExpireWaiting), new ExpireWaiting(), _waitTimeout);
    }

    private static bool IsProcessOf(Worker worker, int pid)
        => worker.Info.ProcessId == pid && worker.Info.MachineName == Environment.MachineName;

    private void Attach(Worker worker, WorkerLink link)
    {
        worker.Link = link;
        _log.Info("Worker process {Pid} takes sockets over its link ({Worker})", link.ProcessId, worker.Address);
        DrainWaiting();
        AnswerReadyWaiters();
    }

    private void AddWorker(Worker worker)
    {
        if (!_workers.TryAdd(worker.Address, worker)) return;
        if (_links.Remove(worker.Info.ProcessId, out var link) && worker.Info.MachineName == Environment.MachineName) worker.Link = link;
        _metrics.WorkerStarted();
        _log.Info("Worker {Worker} (pid {Pid} on {Machine}) joined; {Workers} workers", worker.Address, worker.Info.ProcessId, worker.Info.MachineName, _workers.Count);
        DrainWaiting();
        AnswerReadyWaiters();
    }

    private void RemoveWorker(Address address, string reason, bool warn = true)
    {
        if (!_workers.Remove(address, out var worker)) return;
        _metrics.WorkerExited();
        if (warn) _log.Warning("{Reason}; {Workers} workers left", reason, _workers.Count);
        else _log.Info("{Reason}; {Workers} workers left", reason, _workers.Count);
        FailRequestsOn(worker, reason);
    }

    private void KillHung(Worker worker)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(worker.Info.ProcessId);
            process.Kill();
            _log.Warning("Worker process {Pid} was unreachable and is killed, to be started again", worker.Info.ProcessId);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // exited meanwhile
        }
    }

    private void FailRequestsOn(Worker worker, string reason)
    {
        foreach (var (proxy, w) in _requests.Where(r => r.Value == worker).ToList())
        {
            proxy.Tell(new WorkerLost(reason));
            _requests.Remove(proxy);
            worker.InFlight--;
            Context.Unwatch(proxy);
        }
    }

    /// <summary>Requests on a worker: relayed ones (counted here) and handed-off ones (counted by its link).</summary>
    private static int Load(Worker worker) => worker.InFlight + (worker.Link?.InFlight ?? 0);

    private Worker? LeastLoaded()
    {
        Worker? best = null;
        foreach (var worker in _workers.Values)
            if (worker.Reachable && worker.Link is not { Broken: true } && (best is null || Load(worker) < Load(best))) best = worker;
        return best;
    }

    /// <summary>Tells the stand-ins which links they may use without asking (<see cref="LocalPlacement"/>).</summary>
    private void Publish()
    {
        var links = _workers.Values.Where(w => w.Reachable && w.Link is not null).Select(w => w.Link!).Concat(_links.Values).ToArray();
        int leastRelay = int.MaxValue;
        foreach (var worker in _workers.Values)
            if (worker.Reachable && worker.Link is null) leastRelay = Math.Min(leastRelay, worker.InFlight);
        _placement.Publish(links, leastRelay);
    }

    /// <summary>A stream connection goes whole to the least busy worker if it is one of ours with a
    /// link; else it is relayed, preferably to that worker.</summary>
    private bool TryPlace(PlaceConnection place)
    {
        var best = LeastLoaded();
        var unjoined = _links.Values.Where(l => !l.Broken).MinBy(l => l.InFlight); // linked, not yet a cluster member
        if (unjoined is not null && (best is null || unjoined.InFlight < Load(best)))
        {
            place.StandIn.Tell(new PlaceLocal(unjoined));
            return true;
        }
        if (best is null) return false;
        if (best.Link is null)
        {
            place.StandIn.Tell(new PlaceRelay(best.Host)); // its proxy's RouteRequest counts it
            return true;
        }
        place.StandIn.Tell(new PlaceLocal(best.Link)); // its link counts it, and fails it if the worker dies
        return true;
    }

    private bool TryRoute(RouteRequest request)
    {
        var best = request.Preferred is { } preferred
            ? _workers.Values.FirstOrDefault(w => w.Reachable && w.Host.Equals(preferred)) ?? LeastLoaded()
            : LeastLoaded();
        if (best is null) return false;
        ForkingMetrics.Requests.Add(1, _relayTags);
        if (_log.IsDebugEnabled)
            _log.Debug("routed {0} ({1}) to worker {2} (path=relay)", request.Setup.Request.HandlerName, request.Setup.Request.ClientAddress, best.Describe);
        best.InFlight++;
        _requests[request.Proxy] = best;
        Context.Watch(request.Proxy);
        var input = request.Input;
        best.Host.Tell(new StartHandler(request.Setup, request.Proxy, input.Data, input.Ended, request.MaxLineLength));
        if (request.Setup.Datagram is null) // a stream connection may end first and must tell the worker; a datagram reply need not
            request.Proxy.Tell(new RoutedTo(best.Host));
        return true;
    }

    private void DrainWaiting()
    {
        while (_waiting.TryPeek(out var next) && (next.Request is RouteRequest route ? TryRoute(route) : TryPlace((PlaceConnection)next.Request)))
            _waiting.Dequeue();
    }

    private void ExpireOldWaiting()
    {
        var now = DateTime.UtcNow;
        while (_waiting.TryPeek(out var next) && now - next.Since >= _waitTimeout)
        {
            _waiting.Dequeue();
            next.ReplyTo.Tell(new NoWorkerAvailable(_waitTimeout));
        }
        if (_waiting.TryPeek(out var oldest))
            Timers.StartSingleTimer(nameof(ExpireWaiting), new ExpireWaiting(), _waitTimeout - (now - oldest.Since));
    }

    private void AnswerReadyWaiters()
    {
        _readyWaiters.RemoveAll(waiter =>
        {
            var serving = _workers.Values.Where(w => w.Reachable && (!waiter.Wait.Linked || w.Link is not null)).Select(w => w.Info).ToList();
            if (serving.Count < waiter.Wait.Count) return false;
            waiter.ReplyTo.Tell(new WorkersReady(serving));
            return true;
        });
    }
}
