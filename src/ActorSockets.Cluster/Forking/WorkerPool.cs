using ActorSockets.Metrics;
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
/// Requests that find no worker wait (bounded by the listener's max_children) until one joins.
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
    }

    private sealed record Waiting(RouteRequest Request, DateTime Since);
    private sealed record ExpireWaiting;

    private readonly TimeSpan _waitTimeout;
    private readonly ServerMetrics _metrics;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Address, Worker> _workers = [];
    private readonly Dictionary<IActorRef, Worker> _requests = [];
    private readonly Queue<Waiting> _waiting = new();
    private readonly List<(int Count, IActorRef ReplyTo)> _readyWaiters = [];

    public WorkerPool(TimeSpan waitTimeout, ServerMetrics metrics)
    {
        _waitTimeout = waitTimeout;
        _metrics = metrics;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
        => _cluster.Subscribe(Self, ClusterEvent.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        foreach (var (proxy, _) in _requests) proxy.Tell(new WorkerLost("the listener is stopping"));
        // The gauge counts this pool's workers: they are no longer its workers once it stops
        // (and a restarted pool starts empty and counts them again as they report).
        foreach (var _ in _workers) _metrics.WorkerExited();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberUp up when up.Member.HasRole(ForkingConfig.WorkerRole):
                Context.ActorSelection(new RootActorPath(up.Member.Address) / "user" / ForkingConfig.WorkerHostName)
                    .Tell(GetWorkerInfo.Instance);
                break;
            case WorkerInfo info when !Sender.Path.Address.Equals(_cluster.SelfAddress):
                AddWorker(new Worker(Sender.Path.Address, Sender, info));
                break;
            case ClusterEvent.UnreachableMember unreachable when _workers.TryGetValue(unreachable.Member.Address, out var w):
                w.Reachable = false;
                FailRequestsOn(w, $"worker {w.Address} (pid {w.Info.ProcessId}) became unreachable");
                break;
            case ClusterEvent.ReachableMember reachable when _workers.TryGetValue(reachable.Member.Address, out var w):
                w.Reachable = true;
                DrainWaiting();
                break;
            case ClusterEvent.IMemberEvent member when member is ClusterEvent.MemberRemoved or ClusterEvent.MemberLeft
                                                         or ClusterEvent.MemberExited or ClusterEvent.MemberDowned:
                RemoveWorker(member.Member.Address, $"worker node {member.Member.Address} left the cluster");
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
                if (!TryRoute(request))
                {
                    _waiting.Enqueue(new Waiting(request, DateTime.UtcNow));
                    if (!Timers.IsTimerActive(nameof(ExpireWaiting)))
                        Timers.StartSingleTimer(nameof(ExpireWaiting), new ExpireWaiting(), _waitTimeout);
                }
                break;
            case Terminated t when _requests.Remove(t.ActorRef, out var worker):
                worker.InFlight--;
                DrainWaiting();
                break;
            case ExpireWaiting:
                ExpireOldWaiting();
                break;
            case WaitForWorkers wait:
                _readyWaiters.Add((wait.Count, Sender));
                AnswerReadyWaiters();
                break;
            case ClusterEvent.IClusterDomainEvent:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void AddWorker(Worker worker)
    {
        if (!_workers.TryAdd(worker.Address, worker)) return;
        _metrics.WorkerStarted();
        _log.Info("Worker {Worker} (pid {Pid} on {Machine}) joined; {Workers} workers", worker.Address, worker.Info.ProcessId, worker.Info.MachineName, _workers.Count);
        DrainWaiting();
        AnswerReadyWaiters();
    }

    private void RemoveWorker(Address address, string reason)
    {
        if (!_workers.Remove(address, out var worker)) return;
        _metrics.WorkerExited();
        _log.Warning("{Reason}; {Workers} workers left", reason, _workers.Count);
        FailRequestsOn(worker, reason);
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

    private bool TryRoute(RouteRequest request)
    {
        Worker? best = null;
        foreach (var worker in _workers.Values)
            if (worker.Reachable && (best is null || worker.InFlight < best.InFlight)) best = worker;
        if (best is null) return false;
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
        while (_waiting.TryPeek(out var next) && TryRoute(next.Request)) _waiting.Dequeue();
    }

    private void ExpireOldWaiting()
    {
        var now = DateTime.UtcNow;
        while (_waiting.TryPeek(out var next) && now - next.Since >= _waitTimeout)
        {
            _waiting.Dequeue();
            next.Request.Proxy.Tell(new NoWorkerAvailable(_waitTimeout));
        }
        if (_waiting.TryPeek(out var oldest))
            Timers.StartSingleTimer(nameof(ExpireWaiting), new ExpireWaiting(), _waitTimeout - (now - oldest.Since));
    }

    private void AnswerReadyWaiters()
    {
        var serving = _workers.Values.Where(w => w.Reachable).Select(w => w.Info).ToList();
        _readyWaiters.RemoveAll(waiter =>
        {
            if (serving.Count < waiter.Count) return false;
            waiter.ReplyTo.Tell(new WorkersReady(serving));
            return true;
        });
    }
}
