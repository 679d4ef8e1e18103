using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using ActorSockets.Servers;
using Akka.Actor;

namespace ActorSockets.Handlers;

/// <summary>
/// socketserver's <c>BaseRequestHandler</c> as an actor: one instance per request, receiving
/// <see cref="Setup"/>, <see cref="Handle"/> and <see cref="Finish"/> in that order. Override
/// <see cref="HandleAsync"/> (and, when needed, <see cref="SetupAsync"/> / <see cref="FinishAsync"/>).
/// Finish runs even when Handle threw; the exception is then rethrown so the supervisor
/// stops this handler and reports it to <see cref="ServerHooks.HandleError"/>.
/// </summary>
public abstract class RequestHandler : UntypedActor
{
    private ExceptionDispatchInfo? _handleFailure;
    private RequestInfo? _request;
    private IActorRef? _connection;
    private ReplyChannel? _replies;
    private bool _keepAfterFinish;
    private readonly AsyncSteps _asyncSteps;
    private CancellationTokenSource? _aborted;
    private bool _finished;

    /// <summary>Looks up, once per handler type, which lifecycle steps it made asynchronous.</summary>
    protected RequestHandler() => _asyncSteps = AsyncSteps.Of(GetType());

    /// <summary>Runs the lifecycle message's step. Each step is async, and the actor takes no other
    /// message until it has finished (<c>RunTask</c>), so Setup, Handle and Finish never overlap.
    /// An untyped actor: a handler is created per request, and a ReceiveActor would build its
    /// message-handler table again for every one. Sealed: the lifecycle is the base class's to
    /// keep; a subclass overrides the steps.</summary>
    protected sealed override void OnReceive(object message)
    {
        switch (message)
        {
            case Setup { KeepHandler: true } setup:
                ServeKept(setup);
                break;
            case Setup setup when !_asyncSteps.Setup:
                SetupNow(setup);
                break;
            case Setup setup:
                RunTask(() => RunSetupAsync(setup));
                break;
            case Handle:
                RunTask(RunHandleAsync);
                break;
            case Finish when !_asyncSteps.Finish:
                FinishNow();
                break;
            case Finish:
                RunTask(RunFinishAsync);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>A kept handler's request comes as its Setup alone, one message per datagram instead
    /// of three: Setup, Handle and Finish run here, in order. When Handle completes at once (a
    /// handler that only writes, as most datagram handlers do) the steps run inline, without
    /// RunTask's task, continuation and mailbox suspension; otherwise the rest runs as a task.</summary>
    private void ServeKept(Setup setup)
    {
        if (_asyncSteps.Setup || _asyncSteps.Finish)
        {
            RunTask(async () =>
            {
                await RunSetupAsync(setup);
                await RunHandleAsync();
                await RunFinishAsync();
            });
            return;
        }
        SetupNow(setup);
        // Started on the actor's task scheduler, which runs it inline here: any await in it
        // resumes in this actor, as under RunTask.
        var handled = Task.Factory.StartNew(RunHandleAsync, CancellationToken.None, TaskCreationOptions.None,
            ((ActorCell)Context).TaskScheduler).Unwrap();
        if (handled.IsCompleted) FinishNow();
        else RunTask(async () =>
        {
            await handled;
            FinishNow();
        });
    }

    private async Task RunSetupAsync(Setup setup)
    {
        SetupNow(setup);
        await SetupAsync();
    }

    private void SetupNow(Setup setup)
    {
        _request = setup.Request;
        _connection = setup.Connection;
        _keepAfterFinish = setup.KeepHandler;
        // A kept handler's listener must know which of the requests queued to it was under way
        // if it fails: this one, from now until it tells HandlerDone.
        if (_keepAfterFinish && _connection is Connections.DatagramReply reply) reply.MarkStarted();
        OnSetup(setup);
    }

    private async Task RunHandleAsync()
    {
        try
        {
            await HandleAsync();
        }
        catch (OperationCanceledException e) when (_aborted is { IsCancellationRequested: true } && e.CancellationToken == _aborted.Token)
        {
            // The handler gave up because the request was aborted (mostly: the client left), which
            // is the client's doing: reported as a lost connection, at debug level.
            _handleFailure = ExceptionDispatchInfo.Capture(new ConnectionLostException($"the request was aborted: {e.Message}"));
        }
        catch (Exception e)
        {
            _handleFailure = ExceptionDispatchInfo.Capture(e);
        }
    }

    private async Task RunFinishAsync()
    {
        await FinishAsync();
        FinishNow();
    }

    private void FinishNow()
    {
        _handleFailure?.Throw();
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
    /// matching exception for an <see cref="Connections.IoFailed"/>. Answers come back through one
    /// reply channel per handler, made on first use in the handler's context: no Ask per request.</summary>
    private protected async ValueTask<object> AskConnectionAsync(object request)
        => IoErrors.ThrowIfFailed(await AskConnectionUncheckedAsync(request));

    /// <summary><see cref="AskConnectionAsync"/> without the failure check, for callers that do it
    /// themselves: one async step less in the chain an idle connection's handler keeps alive.</summary>
    private protected ValueTask<object> AskConnectionUncheckedAsync(object request)
    {
        _replies ??= new ReplyChannel(((ExtendedActorSystem)Context.System).Provider);
        return _replies.Ask(Connection, request);
    }

    /// <summary>Releases the reply channel, then calls <see cref="OnStopped"/>. Sealed so that no
    /// subclass can skip the release.</summary>
    protected sealed override void PostStop()
    {
        _replies?.Dispose();
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
                Connection.Tell(new Connections.WatchClient(_aborted), Self);
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
/// alone completes at once, so the handler runs it inline instead of through <c>RunTask</c>
/// (which costs a task, an unwrap, a continuation and three system messages per step): most
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
