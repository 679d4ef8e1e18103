using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>
/// The listener of a TCP or Unix stream server: binds, accepts, admits, and starts one
/// <see cref="StreamConnectionActor"/> per accepted socket. Its states follow socketserver's
/// loop: unbound → idle (bound, not accepting) → serving (<c>serve_forever</c>) or handling one
/// request (<c>handle_request</c>) → back to idle on shutdown → closed. In sync mode it accepts
/// the next client only after the previous connection ended; in threading mode at once.
/// </summary>
internal sealed class StreamListenerActor : UntypedActor, IWithTimers
{
    private sealed record Accepted(Socket Socket);
    private sealed record AcceptFailed(Exception Error) : IDeadLetterSuppression; // a cancelled accept may outlive the listener
    private sealed record ServiceTick;
    private sealed record OneRequestTimedOut;
    private sealed record CloseDeadline;

    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly ServerOptions _options;
    private readonly StreamConnectionActor.Settings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _connections = [];
    private readonly Queue<Socket> _acceptedEarly = new();
    private Socket? _socket;
    private EndPoint? _bound;
    private long _requestCount;
    private CancellationTokenSource? _acceptCancel;
    private bool _acceptInFlight;
    private IActorRef _serveWaiter = ActorRefs.Nobody;
    private IActorRef _oneRequestWaiter = ActorRefs.Nobody;
    private IActorRef? _oneRequestConnection;
    private readonly List<IActorRef> _closeWaiters = [];

    public StreamListenerActor(ServerOptions options, ServerHooks hooks, HandlerLauncher launcher)
    {
        _options = options;
        _settings = new StreamConnectionActor.Settings(options, hooks, launcher)
            { Metrics = ServerMetrics.For(Self.Path.Name, options) };
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private ServerHooks Hooks => _settings.Hooks;

    protected override void OnReceive(object message) => Unbound(message);

    private void Unbound(object message)
    {
        switch (message)
        {
            case Bind:
                try
                {
                    _socket = ListeningSocket.Open(_options);
                    _bound = _socket.LocalEndPoint;
                    _log.Info("Server bound to {0} ({1} mode)", Admission.Describe(_bound), _options.Mode);
                    Sender.Tell(new Bound(_bound!));
                    Become(Idle);
                }
                catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
                {
                    var error = new IOException($"Cannot bind {Admission.Describe(_options.Endpoint)}: {e.Message}", e);
                    _log.Error(error, "Bind failed");
                    Sender.Tell(new Status.Failure(error));
                }
                break;
            case Close:
                Sender.Tell(Closed.Instance);
                Context.Stop(Self);
                break;
            default:
                RefuseOrIgnore(message, "the server is not bound yet");
                break;
        }
    }

    private void Idle(object message)
    {
        switch (message)
        {
            case ServeForever:
                _serveWaiter = Sender;
                Timers.StartPeriodicTimer(nameof(ServiceTick), new ServiceTick(), _options.ServiceInterval);
                Become(Serving);
                AcceptNext();
                break;
            case HandleOneRequest one:
                _oneRequestWaiter = Sender;
                var timeout = Shorter(one.Timeout, _options.Timeout);
                if (timeout is { } t) Timers.StartSingleTimer(nameof(OneRequestTimedOut), new OneRequestTimedOut(), t);
                Become(HandlingOne);
                AcceptNext();
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
            case Accepted accepted:
                _acceptInFlight = false;
                Serve(accepted.Socket);
                AcceptNext();
                break;
            case Terminated t when _connections.Remove(t.ActorRef):
                AcceptNext();
                break;
            case ServiceTick:
                RunServiceActions();
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
            case Accepted accepted:
                _acceptInFlight = false;
                Timers.Cancel(nameof(OneRequestTimedOut));
                StopAccepting();
                _oneRequestConnection = Serve(accepted.Socket);
                if (_oneRequestConnection is null) FinishOneRequest(RequestOutcome.Refused);
                else if (_options.Mode == ServerMode.Threading) FinishOneRequest(RequestOutcome.Served);
                break;
            case Terminated t when _connections.Remove(t.ActorRef):
                if (t.ActorRef.Equals(_oneRequestConnection)) FinishOneRequest(RequestOutcome.Served);
                break;
            case OneRequestTimedOut:
                StopAccepting();
                RunHook(Hooks.HandleTimeout, nameof(ServerHooks.HandleTimeout));
                FinishOneRequest(RequestOutcome.TimedOut);
                break;
            case Shutdown:
                Sender.Tell(ShutdownCompleted.Instance);
                break;
            case Close:
                StopAccepting();
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
            case Terminated t when _connections.Remove(t.ActorRef):
                if (_connections.Count == 0) FinishClose();
                break;
            case CloseDeadline:
                _log.Warning("Drain deadline of {0} passed; closing {1} connections still in flight",
                    _options.DrainTimeout, _connections.Count);
                foreach (var connection in _connections) Context.Stop(connection);
                break;
            case Close:
                _closeWaiters.Add(Sender);
                break;
            case Accepted accepted:
                accepted.Socket.Dispose();
                break;
            default:
                RefuseOrIgnore(message, "the server is closing");
                break;
        }
    }

    /// <summary>Messages every bound state treats alike.</summary>
    private void Common(object message)
    {
        switch (message)
        {
            case Accepted accepted: // arrived after accepting stopped: keep it for the next serve
                _acceptInFlight = false;
                _acceptedEarly.Enqueue(accepted.Socket);
                break;
            case AcceptFailed failed:
                _acceptInFlight = false;
                OnAcceptFailed(failed.Error);
                break;
            case Terminated t:
                _connections.Remove(t.ActorRef);
                break;
            case RetryAccept:
                if (_acceptCancel is not null) AcceptNext();
                break;
            case ServiceTick or OneRequestTimedOut:
                break;
            default:
                RefuseOrIgnore(message, "the server is busy with another request");
                break;
        }
    }

    /// <summary>Connections served at once: one in sync mode (plain TCPServer), max_children in
    /// forking mode, unbounded in threading mode.</summary>
    private int ConcurrencyLimit => _options.Mode switch
    {
        ServerMode.Sync => 1,
        ServerMode.Forking => _options.Forking.MaxChildren,
        _ => int.MaxValue,
    };

    private void AcceptNext()
    {
        if (_connections.Count >= ConcurrencyLimit) return; // clients wait in the backlog until one ends
        if (_acceptedEarly.TryDequeue(out var early))
        {
            Self.Tell(new Accepted(early));
            return;
        }
        if (_acceptInFlight || _socket is null) return;
        _acceptInFlight = true;
        _acceptCancel ??= new CancellationTokenSource();
        _socket.AcceptAsync(_acceptCancel.Token).AsTask().ContinueWith(
            static (t, self) => ((IActorRef)self!).Tell(t.IsCompletedSuccessfully
                ? new Accepted(t.Result)
                : new AcceptFailed(t.Exception?.GetBaseException() ?? new OperationCanceledException())),
            Self, TaskContinuationOptions.ExecuteSynchronously);
    }

    private void OnAcceptFailed(Exception error)
    {
        if (error is OperationCanceledException || _socket is null) return;
        // ECONNABORTED, EMFILE and friends must not end the server: log, wait a little, go on.
        _log.Warning("Accept failed on {0}: {1}", Admission.Describe(_bound), error.Message);
        if (error is ObjectDisposedException) return;
        Timers.StartSingleTimer(nameof(RetryAccept), new RetryAccept(), AcceptRetryDelay);
    }

    private sealed record RetryAccept;

    private void StopAccepting()
    {
        _acceptCancel?.Cancel();
        _acceptCancel?.Dispose();
        _acceptCancel = null;
    }

    private void StopServing()
    {
        StopAccepting();
        Timers.Cancel(nameof(ServiceTick));
        _serveWaiter.Tell(ServeStopped.Instance);
        _serveWaiter = ActorRefs.Nobody;
        _log.Info("Server on {0} stopped serving", Admission.Describe(_bound));
        Become(Idle);
    }

    private void FinishOneRequest(RequestOutcome outcome)
    {
        Timers.Cancel(nameof(OneRequestTimedOut));
        _oneRequestWaiter.Tell(new OneRequestHandled(outcome));
        _oneRequestWaiter = ActorRefs.Nobody;
        _oneRequestConnection = null;
        Become(Idle);
    }

    /// <summary>Admits the client and starts its connection actor, or closes it. Returns the
    /// connection actor, or null when refused.</summary>
    private IActorRef? Serve(Socket client)
    {
        var remote = client.RemoteEndPoint;
        if (Admission.Refusal(_options, Hooks, remote) is { } why)
        {
            _log.Debug("Refused {0}: {1}", Admission.Describe(remote), why);
            _settings.Metrics.ConnectionRefused();
            try { client.Shutdown(SocketShutdown.Both); }
            catch (SocketException) { /* the client already left */ }
            client.Dispose();
            return null;
        }
        if (_options.NoDelay && client.ProtocolType == ProtocolType.Tcp) client.NoDelay = true;
        long id = ++_requestCount;
        var info = new RequestInfo(Admission.Describe(remote), Admission.Describe(_bound), $"handler-{id}", Self);
        var connection = Context.ActorOf(
            Props.Create(() => new StreamConnectionActor(client, info, _settings)), $"conn-{id}");
        Context.Watch(connection);
        _connections.Add(connection);
        _log.Debug("Accepted {0} as {1}", info.ClientAddress, info.HandlerName);
        return connection;
    }

    private void BeginClose()
    {
        _closeWaiters.Add(Sender);
        StopAccepting();
        if (_socket is not null) ListeningSocket.Release(_socket, _bound);
        _socket = null;
        while (_acceptedEarly.TryDequeue(out var early)) early.Dispose();
        _log.Info("Server on {0} closing, {1} connections in flight", Admission.Describe(_bound), _connections.Count);
        Become(Closing);
        if (!_options.BlockOnClose)
            foreach (var connection in _connections) Context.Stop(connection);
        if (_connections.Count == 0) FinishClose();
        else Timers.StartSingleTimer(nameof(CloseDeadline), new CloseDeadline(), _options.DrainTimeout);
    }

    private void FinishClose()
    {
        _log.Info("Server on {0} closed", Admission.Describe(_bound));
        foreach (var waiter in _closeWaiters) waiter.Tell(Closed.Instance);
        _closeWaiters.Clear();
        Context.Stop(Self);
    }

    private void RunServiceActions() => RunHook(Hooks.ServiceActions, nameof(ServerHooks.ServiceActions));

    private void RunHook(Action hook, string name)
    {
        try
        {
            hook();
        }
        catch (Exception e)
        {
            _log.Error(e, "{0} hook failed", name);
        }
    }

    private void RefuseOrIgnore(object message, string why)
    {
        if (message is Bind or ServeForever or HandleOneRequest)
            Sender.Tell(new Status.Failure(new InvalidOperationException($"Cannot {message.GetType().Name}: {why}.")));
        else Unhandled(message);
    }

    private static TimeSpan? Shorter(TimeSpan? a, TimeSpan? b)
        => a is null ? b : b is null ? a : a < b ? a : b;

    protected override void PostStop()
    {
        StopAccepting();
        if (_socket is not null) ListeningSocket.Release(_socket, _bound);
        while (_acceptedEarly.TryDequeue(out var early)) early.Dispose();
        _serveWaiter.Tell(ServeStopped.Instance);
        _oneRequestWaiter.Tell(new OneRequestHandled(RequestOutcome.TimedOut));
        foreach (var waiter in _closeWaiters) waiter.Tell(Closed.Instance);
    }
}
