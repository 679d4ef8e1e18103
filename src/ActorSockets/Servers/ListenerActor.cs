using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>
/// socketserver's <c>BaseServer</c> loop as actor states, shared by every kind of server:
/// unbound → idle (bound, not taking requests) → serving (<c>serve_forever</c>) or handling one
/// request (<c>handle_request</c>) → back to idle on shutdown → closing (drain) → stopped.
/// A subclass supplies how the next request arrives (<c>get_request</c>: an accepted
/// connection, a received datagram) and the actor that serves it (<c>process_request</c>).
/// In sync mode the next request is taken only after the previous one's actor stopped, in
/// forking mode while fewer than max_children are in flight, in threading mode at once.
/// Only one receive is in flight at a time. How requests arrive and are admitted is in
/// <c>ListenerActor.Arrivals.cs</c>; this file is the states.
/// </summary>
/// <typeparam name="TRequest">What one arrival is: an accepted socket, a datagram.</typeparam>
internal abstract partial class ListenerActor<TRequest> : UntypedActor, IWithTimers where TRequest : notnull
{
    /// <param name="Request">What arrived.</param>
    /// <param name="FromSocket">False when replayed from the early queue, so no receive just ended.</param>
    private sealed record Arrived(TRequest Request, bool FromSocket);
    // A receive cancelled by close often ends after the listener stopped: not worth a dead-letter warning.
    private sealed record ArrivalFailed(Exception Error) : IDeadLetterSuppression;
    private sealed record RetryReceive;
    private sealed record ServiceTick;
    private sealed record OneRequestTimedOut;
    private sealed record CloseDeadline;
    private sealed record CircuitResetTimeout;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly HashSet<IActorRef> _requests = [];
    private readonly AcceptGate _gate;
    private readonly ListenerCircuit _circuit;
    private readonly DescriptorBudget _descriptors = new();
    private readonly Queue<TRequest> _arrivedEarly = new();
    private readonly List<IActorRef> _closeWaiters = [];
    private ServerState _state = ServerState.Unbound; // follows Become, for ServerStats.State
    private Socket? _socket;
    private long _requestCount;
    private CancellationTokenSource? _receiveCancel; // set while the state wants requests
    private bool _receiveInFlight;
    private IActorRef _serveWaiter = ActorRefs.Nobody;
    private IActorRef _oneRequestWaiter = ActorRefs.Nobody;
    private IActorRef? _oneRequestActor;
    private string _boundDescription = ""; // every RequestInfo carries it: formatted once

    protected ListenerActor(ServerOptions options, ServerHooks hooks, HandlerPlacement launcher)
    {
        Settings = new ServerContext(options, hooks, launcher)
        {
            Metrics = ServerMeasures.For(SocketServer.ServerNameOf(Self.Path.Name), options),
            Tls = options.Tls is null ? null : new Tls.ServerCertificate(options.Tls),
        };
        _gate = new AcceptGate(options);
        _circuit = new ListenerCircuit(options.Supervision.CircuitBreaker);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected ServerContext Settings { get; }
    protected ServerOptions Options => Settings.Options;
    protected ServerHooks Hooks => Settings.Hooks;
    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    /// <summary>The bound address (port 0 resolved); null before binding.</summary>
    protected EndPoint? BoundAddress { get; private set; }

    /// <summary>Waits for the next request on <paramref name="socket"/> (<c>get_request</c>).
    /// Runs off the actor's thread: it must touch nothing but the socket and its own buffers.</summary>
    protected abstract Task<TRequest> ReceiveNextAsync(Socket socket, CancellationToken cancel);

    /// <summary>Takes a request that is already waiting, without waiting (a datagram queued in the
    /// kernel): under load, requests are taken in a batch instead of one asynchronous receive each.</summary>
    protected virtual bool TryReceiveNow(Socket socket, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TRequest? request)
    {
        request = default;
        return false;
    }

    /// <summary>The client a request came from, for admission and for handlers.</summary>
    protected abstract EndPoint? ClientOf(TRequest request);

    /// <summary>The endpoint the request's client reached (<see cref="RequestInfo.LocalEndPoint"/>).</summary>
    protected abstract EndPoint? LocalOf(TRequest request);

    /// <summary>Starts the actor that serves one admitted request (<c>process_request</c>).</summary>
    protected abstract IActorRef StartRequest(TRequest request, Socket socket, RequestInfo info, long id);

    /// <summary>Lets go of a request that will not be served (refused, or arrived while closing).</summary>
    protected abstract void Discard(TRequest request);

    /// <summary>Whether a request may be served at all, before admission; a subclass that says
    /// no has logged why. Datagrams use it to drop oversize packets.</summary>
    protected virtual bool IsServable(TRequest request) => true;

    /// <summary>Whether the socket stays open until the drain ends. Streams free the address at
    /// once (their connections have sockets of their own); datagram replies go out through it.</summary>
    protected virtual bool KeepsSocketWhileDraining => false;

    /// <summary>Closing has begun and waits for <paramref name="requests"/>: tell them to finish
    /// what they hold and take no new request (streams: <see cref="Drain"/>). A datagram request
    /// holds its whole request already: nothing to tell.</summary>
    protected virtual void DrainRequests(IReadOnlyCollection<IActorRef> requests) { }

    /// <summary>Whether the listener watches each request's actor. A subclass that does not must
    /// deliver its end as a <see cref="ChildStopped"/> (streams: their connections are children,
    /// whose stop the supervisor strategy reports without death-watch).</summary>
    protected virtual bool WatchesRequests => true;

    /// <summary>Messages a subclass adds to the protocol; return whether it was one.</summary>
    protected virtual bool ReceiveOther(object message) => false;

    protected override void OnReceive(object message) => Unbound(message);

    private void Unbound(object message)
    {
        switch (message)
        {
            case Bind:
                try
                {
                    FileLimit.OnBind(Options.RaiseFileLimit, Log);
                    _socket = ListeningSocket.Open(Options);
                    BoundAddress = _socket.LocalEndPoint;
                    _boundDescription = Admission.Describe(BoundAddress);
                    Settings.Metrics.Bound(BoundAddress);
                    if (_circuit.Enabled) Settings.Metrics.CircuitChanged((int)_circuit.State);
                    Log.Info(Options.ListenDescriptor is null ? "Server bound to {Address} ({Kind}, {Mode} mode)"
                        : "Server took the passed socket on {Address} ({Kind}, {Mode} mode)", Admission.Describe(BoundAddress), Options.Kind, Options.Mode);
                    if (HoldsDescriptors) CheckDescriptors();
                    Sender.Tell(new Bound(BoundAddress!));
                    _state = ServerState.Bound;
                    Become(Idle);
                }
                catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
                {
                    var error = new IOException($"Cannot bind {Admission.Describe(Options.Endpoint)}: {e.Message}", e);
                    // The starter gets the failure and reports it in one line (StartAsync throws it);
                    // logging it here too, with its stack trace, printed it twice. Detail at debug.
                    Log.Debug("Bind failed: {0}", e);
                    Sender.Tell(new Status.Failure(error));
                }
                break;
            case Close:
                Sender.Tell(Closed.Instance);
                Context.Stop(Self);
                break;
            default:
                Other(message, "the server is not bound yet");
                break;
        }
    }

    private void Idle(object message)
    {
        switch (message)
        {
            case ServeForever:
                _serveWaiter = Sender;
                Timers.StartPeriodicTimer(nameof(ServiceTick), new ServiceTick(), Options.ServiceInterval);
                _state = ServerState.Serving;
                Become(Serving);
                ReceiveNext();
                break;
            case HandleOneRequest one:
                _oneRequestWaiter = Sender;
                var timeout = Shorter(one.Timeout, Options.Timeout);
                if (timeout is { } t) Timers.StartSingleTimer(nameof(OneRequestTimedOut), new OneRequestTimedOut(), t);
                _state = ServerState.Serving;
                Become(HandlingOne);
                ReceiveNext();
                break;
            case Shutdown:
                Sender.Tell(ShutdownCompleted.Instance);
                break;
            case Close:
                BeginClose();
                break;
            default:
                Common(message);
                break;
        }
    }

    private void Serving(object message)
    {
        switch (message)
        {
            case Arrived arrived when !_gate.Admits(_requests.Count) && !(arrived.FromSocket && _gate.AdmitsWhenResumed(_requests.Count)):
                Common(message); // the limit was lowered while accepting: it waits for a free slot
                break;
            case Arrived arrived:
                // Suspended while this accept completed: the client is out of the backlog and may
                // already have sent its request, so it is served rather than held (a take-over
                // suspends the predecessor, which must lose no client it accepted).
                if (TookArrival(arrived) && !Defer(arrived.Request)) Serve(arrived.Request);
                ReceiveNext();
                break;
            case Terminated or ChildStopped when RequestEnded(ChildStopped.ActorOf(message)!):
                ReceiveNext();
                break;
            case ServiceTick:
                RunHook(Hooks.ServiceActions, nameof(ServerHooks.ServiceActions));
                break;
            case Shutdown:
                StopServing();
                Sender.Tell(ShutdownCompleted.Instance);
                break;
            case Close:
                StopServing();
                BeginClose();
                break;
            default:
                Common(message);
                break;
        }
    }

    private void HandlingOne(object message)
    {
        switch (message)
        {
            case Arrived when !_gate.Admits(_requests.Count):
                Common(message);
                break;
            case Arrived arrived:
                if (!TookArrival(arrived) || Defer(arrived.Request)) // not one to serve now: wait for the next
                {
                    ReceiveNext();
                    break;
                }
                Timers.Cancel(nameof(OneRequestTimedOut));
                StopReceiving();
                _oneRequestActor = Serve(arrived.Request);
                if (_oneRequestActor is null) FinishOneRequest(RequestOutcome.Refused);
                else if (Options.Mode == ServerMode.Threading) FinishOneRequest(RequestOutcome.Served);
                break;
            case Terminated or ChildStopped when RequestEnded(ChildStopped.ActorOf(message)!):
                if (ChildStopped.ActorOf(message)!.Equals(_oneRequestActor)) FinishOneRequest(RequestOutcome.Served);
                else if (_receiveCancel is not null) ReceiveNext(); // a slot freed while still waiting for the one
                break;
            case OneRequestTimedOut:
                StopReceiving();
                RunHook(Hooks.HandleTimeout, nameof(ServerHooks.HandleTimeout));
                FinishOneRequest(RequestOutcome.TimedOut);
                break;
            case Shutdown:
                Sender.Tell(ShutdownCompleted.Instance);
                break;
            case Close:
                StopReceiving();
                FinishOneRequest(RequestOutcome.TimedOut);
                BeginClose();
                break;
            default:
                Common(message);
                break;
        }
    }

    private void Closing(object message)
    {
        switch (message)
        {
            case Terminated or ChildStopped when RequestEnded(ChildStopped.ActorOf(message)!):
                if (_requests.Count == 0) FinishClose();
                break;
            case CloseDeadline:
                Log.Warning("Drain deadline of {DrainTimeout} passed; stopping {Requests} requests still in flight",
                    Options.DrainTimeout, _requests.Count);
                foreach (var request in _requests) Context.Stop(request);
                break;
            case CutRequests:
                Log.Warning("Stopping {0} requests still in flight at once, as asked", _requests.Count);
                Sender.Tell(new RequestsCut(_requests.Count));
                foreach (var request in _requests) Context.Stop(request);
                break;
            case Close:
                _closeWaiters.Add(Sender);
                break;
            case Arrived arrived:
                if (TookArrival(arrived)) Drop(arrived.Request);
                break;
            default:
                Other(message, "the server is closing");
                break;
        }
    }

    /// <summary>Messages every bound state treats alike.</summary>
    private void Common(object message)
    {
        switch (message)
        {
            case Arrived arrived: // came after receiving stopped: keep it for the next serve
                if (TookArrival(arrived)) _arrivedEarly.Enqueue(arrived.Request);
                break;
            case ArrivalFailed failed:
                _receiveInFlight = false;
                OnReceiveFailed(failed.Error);
                break;
            case Terminated or ChildStopped:
                RequestEnded(ChildStopped.ActorOf(message)!);
                break;
            case RetryReceive:
                if (_receiveCancel is not null) ReceiveNext();
                break;
            case ServiceTick or OneRequestTimedOut:
                break;
            default:
                Other(message, "the server is busy with another request");
                break;
        }
    }

    private void StopServing()
    {
        StopReceiving();
        Timers.Cancel(nameof(ServiceTick));
        _serveWaiter.Tell(ServeStopped.Instance);
        _serveWaiter = ActorRefs.Nobody;
        Log.Info("Server on {Address} stopped serving", Admission.Describe(BoundAddress));
        _state = ServerState.Bound;
        Become(Idle);
    }

    private void FinishOneRequest(RequestOutcome outcome)
    {
        Timers.Cancel(nameof(OneRequestTimedOut));
        _oneRequestWaiter.Tell(new OneRequestHandled(outcome));
        _oneRequestWaiter = ActorRefs.Nobody;
        _oneRequestActor = null;
        _state = ServerState.Bound;
        Become(Idle);
    }

    private void BeginClose()
    {
        _closeWaiters.Add(Sender);
        StopReceiving();
        if (!KeepsSocketWhileDraining) ReleaseSocket();
        DropWaiting();
        Log.Info("Server on {Address} closing, {Requests} requests in flight", Admission.Describe(BoundAddress), _requests.Count);
        _state = ServerState.Draining;
        Become(Closing);
        if (!Options.BlockOnClose)
            foreach (var request in _requests) Context.Stop(request);
        else DrainRequests(_requests);
        if (_requests.Count == 0) FinishClose();
        else Timers.StartSingleTimer(nameof(CloseDeadline), new CloseDeadline(), Options.DrainTimeout);
    }

    private void FinishClose()
    {
        ReleaseSocket();
        Log.Info("Server on {Address} closed", Admission.Describe(BoundAddress));
        foreach (var waiter in _closeWaiters) waiter.Tell(Closed.Instance);
        _closeWaiters.Clear();
        Context.Stop(Self);
    }

    private void ReleaseSocket()
    {
        // An adopted socket's Unix path is its maker's: a successor or systemd still serves on it.
        if (_socket is not null) ListeningSocket.Release(_socket, Options.ListenDescriptor is null ? BoundAddress : null);
        _socket = null;
    }

    private void RunHook(Action hook, string name)
    {
        try
        {
            hook();
        }
        catch (Exception e)
        {
            Log.Error(e, "{Hook} hook failed", name);
        }
    }

    private void Other(object message, string why)
    {
        if (message is CutRequests)
        {
            Sender.Tell(new RequestsCut(0)); // not closing: nothing is draining
            return;
        }
        if (ReceiveLimits(message) || ReceiveCircuit(message) || ReceiveOther(message)) return;
        if (message is Bind or ServeForever or HandleOneRequest)
            Sender.Tell(new Status.Failure(new InvalidOperationException($"Cannot {message.GetType().Name}: {why}.")));
        else Unhandled(message);
    }

    protected override void PostStop()
    {
        // Children stop with the listener; a request served elsewhere is told here.
        foreach (var request in _requests) if (request is StandInRef elsewhere) elsewhere.Stop();
        StopReceiving();
        ReleaseSocket();
        DropWaiting();
        _descriptors.ReleaseAll();
        _serveWaiter.Tell(ServeStopped.Instance);
        _oneRequestWaiter.Tell(new OneRequestHandled(RequestOutcome.TimedOut));
        foreach (var waiter in _closeWaiters) waiter.Tell(Closed.Instance);
    }
}
