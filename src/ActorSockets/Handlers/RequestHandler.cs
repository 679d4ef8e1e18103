using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Akka.Actor;

namespace ActorSockets.Handlers;

/// <summary>
/// socketserver's <c>BaseRequestHandler</c> as an actor: one instance per request, receiving
/// <see cref="Setup"/>, <see cref="Handle"/> and <see cref="Finish"/> in that order. Override
/// <see cref="HandleAsync"/> (and, when needed, <see cref="SetupAsync"/> / <see cref="FinishAsync"/>).
/// Finish runs even when Handle threw; the exception is then rethrown so the supervisor
/// stops this handler and reports it to <see cref="Servers.ServerHooks.HandleError"/>.
/// <para>It is a full actor: it takes messages of its own (<see cref="Receive{T}"/>), at once, even
/// while a step awaits the client; it may have timers, children, a supervisor strategy, watch
/// actors and subscribe to the event stream. Its steps' code and its messages take turns on the
/// actor: a message runs when the step's code awaits.</para>
/// </summary>
public abstract partial class RequestHandler : UntypedActor
{
    private ExceptionDispatchInfo? _handleFailure;
    private RequestInfo? _request;
    private IActorRef? _connection;
    private ConnectionAnswers? _answers;
    private HandlerSynchronizationContext? _context;
    private bool _keepAfterFinish;
    private readonly AsyncSteps _asyncSteps;
    private CancellationTokenSource? _aborted;
    private bool _finished;

    // The request's steps (Setup, Handle, Finish) as one task, started by Setup. It runs on the
    // actor between messages; Finish completes the request once both it and the task are done.
    private Task? _steps;
    private Task? _handle; // Handle's task while it stands for the steps (RunStepsAfterSetup)
    private bool _finishArrived;
    private Queue<Setup>? _nextRequests; // a kept handler's requests that came while one runs

    /// <summary>Looks up, once per handler type, which lifecycle steps it made asynchronous.</summary>
    protected RequestHandler() => _asyncSteps = AsyncSteps.Of(GetType());

    /// <summary>Runs each message with the handler's synchronization context, so that whatever its
    /// code awaits resumes on the actor. The lifecycle's messages start and complete the request;
    /// the connection's answers resume the step that waits for them; the rest is the handler's own
    /// (<see cref="Receive{T}"/>). No message waits for a step: the mailbox is never suspended.
    /// Untyped: a handler is created per request, and one that registers no messages of its own
    /// builds no table. Sealed: the lifecycle is the base class's to keep.</summary>
    protected sealed override void OnReceive(object message)
    {
        var outer = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_context ??= new HandlerSynchronizationContext(Self));
        try
        {
            Dispatch(message);
            if (_steps is { IsCompleted: true }) OnStepsDone();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(outer);
        }
    }

    private void Dispatch(object message)
    {
        switch (message)
        {
            case Continuation step:
                step.Callback(step.State);
                break;
            case Setup setup when _steps is not null:
                (_nextRequests ??= new()).Enqueue(setup);
                break;
            case Setup setup:
                Start(setup);
                break;
            case Handle:
                break; // Setup started every step: Handle follows from it
            case Finish:
                _finishArrived = true;
                break;
            default:
                if (_answers?.TryComplete(message) != true) ReceiveOwn(message);
                break;
        }
    }

    private void Start(Setup setup)
    {
        _finishArrived = setup.KeepHandler; // a kept handler's Setup stands for all three messages
        _steps = setup.RestartedAfter is { } failure ? RunRestartedStepsAsync(setup, failure)
            : _asyncSteps.Setup ? RunStepsAsync(setup) : RunStepsAfterSetup(setup);
    }

    /// <summary>A handler that left setup alone: it runs inline, so a failure in it throws here.
    /// Handle's own task stands for the steps until it ends (<see cref="OnStepsDone"/> then goes
    /// on to Finish): an async step around it would be kept alive by every idle connection (a
    /// box, its continuation and delegate: 216 B per connection in a heap dump of 10,000).</summary>
    private Task RunStepsAfterSetup(Setup setup)
    {
        SetupNow(setup);
        Task handle;
        try
        {
            handle = HandleAsync();
        }
        catch (Exception e)
        {
            handle = Task.FromException(e);
        }
        // Handle's code may end off the actor (a task of its own, ConfigureAwait(false)): then a
        // message brings the actor back to see it ended. On the actor, the run that ends it does.
        if (!handle.IsCompleted) handle.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onHandleEnded ??= OnHandleEnded);
        return _handle = handle;
    }

    private Action? _onHandleEnded; // one per handler: a kept handler's requests share it

    private void OnHandleEnded()
    {
        if (SynchronizationContext.Current != _context) _context!.Post(static _ => { }, null);
    }

    private async Task RunStepsAsync(Setup setup)
    {
        SetupNow(setup);
        await SetupAsync(); // a failure here fails the request before Handle; Finish is not called
        await RunHandleAndFinishAsync();
    }

    /// <summary>A handler restarted on its connection: <see cref="OnRestartAsync"/> first, then the usual steps.</summary>
    private async Task RunRestartedStepsAsync(Setup setup, Exception failure)
    {
        SetupNow(setup);
        await OnRestartAsync(failure);
        await SetupAsync();
        await RunHandleAndFinishAsync();
    }

    private async Task RunHandleAndFinishAsync()
    {
        try
        {
            await HandleAsync();
        }
        catch (Exception e)
        {
            OnHandleFailed(e);
        }
        if (_asyncSteps.Finish) await FinishAsync();
    }

    /// <summary>Handle threw <paramref name="e"/>: kept for Finish to report.</summary>
    private void OnHandleFailed(Exception e)
        => _handleFailure = ExceptionDispatchInfo.Capture(e is OperationCanceledException cancelled
                && _aborted is { IsCancellationRequested: true } && cancelled.CancellationToken == _aborted.Token
            // The handler gave up because the request was aborted (mostly: the client left), which
            // is the client's doing: reported as a lost connection, at debug level.
            ? new ConnectionLostException($"the request was aborted: {e.Message}")
            : e);

    /// <summary>Handle's own task ended (<see cref="RunStepsAfterSetup"/>): its failure is kept as
    /// <see cref="RunHandleAndFinishAsync"/> keeps it, and FinishAsync becomes the steps' task.</summary>
    private void OnHandleDone(Task handle)
    {
        _handle = null;
        if (!handle.IsCompletedSuccessfully)
        {
            try
            {
                handle.GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                OnHandleFailed(e);
            }
        }
        if (!_asyncSteps.Finish)
        {
            _steps = Task.CompletedTask;
            return;
        }
        try
        {
            _steps = FinishAsync();
        }
        catch (Exception e)
        {
            _steps = Task.FromException(e); // thrown to the supervisor once Finish has arrived, as from a step
        }
    }

    /// <summary>The steps' task has ended: once Finish has arrived too, the request is complete.
    /// Runs in the message's run, outside the task, so a failure throws to the supervisor.</summary>
    private void OnStepsDone()
    {
        if (_handle is { } handle)
        {
            OnHandleDone(handle);
            if (!_steps!.IsCompleted) return;
        }
        if (!_finishArrived) return;
        var steps = _steps!;
        _steps = null;
        if (steps.IsFaulted) ExceptionDispatchInfo.Throw(steps.Exception!.InnerException!);
        FinishNow();
        if (_keepAfterFinish && _nextRequests?.TryDequeue(out var next) == true)
        {
            Start(next);
            if (_steps is { IsCompleted: true }) OnStepsDone();
        }
    }

    private void SetupNow(Setup setup)
    {
        _request = setup.Request;
        _connection = setup.Connection;
        _keepAfterFinish = setup.KeepHandler;
        // A kept handler's listener must know which of the requests queued to it was under way
        // if it fails: this one, from now until it tells HandlerDone.
        if (_keepAfterFinish && _connection is IQueuedRequest queued) queued.TakenUp();
        OnSetup(setup);
    }

    private void FinishNow()
    {
        var failure = _handleFailure;
        _handleFailure = null;
        failure?.Throw();
        _finished = true;
        Connection.Tell(HandlerDone.Instance, Self);
        if (!_keepAfterFinish)
        {
            Context.Stop(Self);
            return;
        }
        // Kept for the next request (ReusableHandlerAttribute): nothing of this one stays.
        _request = null;
        _connection = null;
        _aborted = null;
        _finished = false;
        OnRequestOver();
    }

    /// <summary>A kept handler's request is over, or the handler stopped: forget (give back) what
    /// belonged to the request.</summary>
    private protected virtual void OnRequestOver() { }

    /// <summary>Asks the connection (or datagram request) and returns its answer, throwing the
    /// matching exception for an <see cref="IoFailed"/>. The answer comes to this
    /// handler's mailbox (<see cref="ConnectionAnswers"/>): no Ask per request.</summary>
    private protected async ValueTask<object> AskConnectionAsync(object request)
        => IoErrors.ThrowIfFailed(await AskConnectionUncheckedAsync(request));

    /// <summary><see cref="AskConnectionAsync"/> without the failure check, for callers that do it
    /// themselves: one async step less in the chain an idle connection's handler keeps alive.</summary>
    private protected ValueTask<object> AskConnectionUncheckedAsync(object request)
        => (_answers ??= new ConnectionAnswers()).Ask(Connection, request, Self);

    /// <summary>Calls <see cref="OnStopped"/>; sealed so that every handler stops alike.</summary>
    protected sealed override void PostStop()
    {
        if (!_finished) _aborted?.CancelAsync(); // stopped before finishing: callbacks run off this thread
        OnRequestOver();
        try
        {
            OnStopped();
        }
        finally
        {
            base.PostStop();
        }
    }

    /// <summary>Called once the handler has stopped, however it stopped (finished, failed, or
    /// stopped by its connection: a timeout, a limit, the server closing). Release what the
    /// request held here, such as a half-written file.</summary>
    protected virtual void OnStopped() { }

    /// <summary>Who this request is for (socketserver's <c>client_address</c> and <c>server</c>).</summary>
    protected RequestInfo Request => _request ?? throw new InvalidOperationException("Setup has not arrived yet.");

    /// <summary>The client's address, as <c>host:port</c> or a Unix path.</summary>
    protected string ClientAddress => Request.ClientAddress;

    /// <summary>The client's endpoint, an <see cref="System.Net.IPEndPoint"/> or a
    /// <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/>: the PROXY protocol header's source
    /// when there is one. The same in a forking worker as in the listener.</summary>
    protected System.Net.EndPoint? RemoteEndPoint => Request.RemoteEndPoint;

    /// <summary>The endpoint the client connected to (the PROXY protocol header's destination when
    /// it gave one).</summary>
    protected System.Net.EndPoint? LocalEndPoint => Request.LocalEndPoint;

    /// <summary>
    /// Fires when the request is aborted, for the handler to cancel its own work (a database call,
    /// an HTTP request) and its reads (each takes a token). It fires when:
    /// <list type="bullet">
    /// <item>the client closes its side (end of stream) or resets the connection, even while the
    /// handler is not reading: from the first use of this property, the connection keeps receiving
    /// (up to 64 KiB, which later reads take) to see it. A client that half-closes after sending
    /// its request counts as gone, as in Kestrel;</item>
    /// <item>the server cuts the request: <c>CutRequestsAsync</c>, the drain's grace period
    /// (<c>drain-timeout</c>) running out, a limit giving up on it (<c>write-buffer-limit</c>);</item>
    /// <item><c>request-deadline</c> passes.</item>
    /// </list>
    /// A drain alone does not fire it (the handler finishes the request it holds), nor does the
    /// request ending normally. When it fires because the request was stopped, the handler itself
    /// is already stopped: the token ends work it started elsewhere. Datagram requests and
    /// requests relayed to a worker node (not a worker process) see only the stop causes.
    /// Available from Setup on, in every step.
    /// </summary>
    protected CancellationToken RequestAborted
    {
        get
        {
            if (_aborted is null)
            {
                _aborted = new CancellationTokenSource();
                Connection.Tell(new WatchClient(_aborted), Self);
            }
            return _aborted.Token;
        }
    }

    /// <summary>The connection actor that owns the socket.</summary>
    protected IActorRef Connection => _connection ?? throw new InvalidOperationException("Setup has not arrived yet.");

    /// <summary>Called when Setup arrives, before <see cref="SetupAsync"/>; lets subclasses read it.</summary>
    private protected virtual void OnSetup(Setup setup) { }

    /// <summary>socketserver's <c>setup()</c>: runs first. An exception here fails the request
    /// before Handle; Finish is not called.</summary>
    protected virtual Task SetupAsync() => Task.CompletedTask;

    /// <summary>Called first, before <see cref="SetupAsync"/>, in a handler that replaces one that
    /// failed on the same connection (<c>supervision.on-failure = restart</c>), with that failure:
    /// a protocol can tell its client here (a Redis-style server writes <c>-ERR</c>). The bytes the
    /// failed handler had received but not read are this handler's to read; the ones it read are
    /// gone. Does nothing by default.</summary>
    protected virtual Task OnRestartAsync(Exception failure) => Task.CompletedTask;

    /// <summary>socketserver's <c>handle()</c>: serve the request.</summary>
    protected abstract Task HandleAsync();

    /// <summary>socketserver's <c>finish()</c>: runs after Handle, even when it threw.</summary>
    protected virtual Task FinishAsync() => Task.CompletedTask;

    /// <summary>Asks the server to stop serving (socketserver's <c>server.shutdown()</c>) and
    /// waits until it has. Safe from inside a handler: the listener never waits for handlers.</summary>
    protected Task ShutdownServerAsync(TimeSpan? timeout = null)
        => Request.Server.Ask<ShutdownCompleted>(Shutdown.Instance, timeout ?? TimeSpan.FromSeconds(30));
}

/// <summary>
/// Which lifecycle steps a handler type overrides with async code of its own. A step it leaves
/// alone completes at once, so the handler runs it inline instead of as an async step (which
/// costs a state machine and a task per step): most
/// handlers override only <c>HandleAsync</c>, and one-request-per-connection servers pay the
/// lifecycle for every connection.
/// </summary>
internal sealed record AsyncSteps(bool Setup, bool Finish)
{
    private static readonly ConcurrentDictionary<Type, AsyncSteps> ByType = new();

    public static AsyncSteps Of(Type handler) => ByType.GetOrAdd(handler, static type => new(
        Overrides(type, "SetupAsync"),
        Overrides(type, "FinishAsync")));

    private static bool Overrides(Type type, string method)
        => type.GetMethod(method, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes)
            ?.DeclaringType != typeof(RequestHandler);
}
