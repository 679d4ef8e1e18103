using System.Runtime.InteropServices;
using System.Net;
using ActorSockets.Handlers;
using ActorSockets.Connections;
using Akka.Actor;

namespace ActorSockets.Servers;

/// <summary>
/// A server: socketserver's <c>TCPServer</c> and friends as an awaitable object around a
/// listener actor. <see cref="StartAsync"/> binds (the constructor alone does not:
/// <c>bind_and_activate=False</c>); <see cref="ServeForeverAsync"/> serves until
/// <see cref="ShutdownAsync"/>; <see cref="DisposeAsync"/> shuts down and closes.
/// </summary>
/// <example><code>
/// await using var server = await SocketServer.StartAsync(ServerOptions.Tcp(port: 0), Props.Create&lt;Echo&gt;());
/// Console.WriteLine($"LISTENING {server.Port}");
/// await server.ServeForeverAsync(cancellationToken);
/// </code></example>
public sealed class SocketServer : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(30);
    private static int _serverCount;

    private readonly ActorSystem _system;
    private readonly bool _ownsSystem;
    private readonly Task _listenerStopped;
    private readonly IForkingRuntime? _forking;
    private int _disposed;

    /// <summary>What a listener actor's name starts with, before its server's name: a prefix of
    /// the library's own, so that a user's top-level actor named like the program (<c>echo</c>)
    /// does not collide with the listener.</summary>
    internal const string ListenerPrefix = "actorsockets-listener-";

    /// <summary>The server's name, from a listener actor's name.</summary>
    internal static string ServerNameOf(string listenerName)
        => listenerName.StartsWith(ListenerPrefix, StringComparison.Ordinal) ? listenerName[ListenerPrefix.Length..] : listenerName;

    /// <summary>The server's name: the tag of its metrics and the <c>Server</c> of its log lines.</summary>
    public string Name { get; }

    /// <summary>Creates a server without binding it (socketserver's <c>bind_and_activate=False</c>):
    /// call <see cref="BindAsync"/> next.</summary>
    /// <param name="options">Address, mode and limits; validated here.</param>
    /// <param name="handlerProps">How to create one handler actor per request.</param>
    /// <param name="hooks">Server hooks (verify_request, handle_error, ...); <c>null</c> for the defaults.</param>
    /// <param name="system">The actor system to run in; <c>null</c> creates one the server owns and terminates on dispose.</param>
    /// <param name="name">The server's name (its metrics and logs carry it); unique per actor
    /// system. The listener actor is <c>/user/actorsockets-listener-&lt;name&gt;</c>. When the process
    /// was socket-activated it also picks the passed socket (<see cref="SocketActivation"/>).</param>
    public SocketServer(ServerOptions options, Props handlerProps, ServerHooks? hooks = null,
        ActorSystem? system = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handlerProps);
        name ??= $"server-{Interlocked.Increment(ref _serverCount)}";
        options = SocketActivation.Apply(options, name);
        options.Validate();
        Options = options;
        _ownsSystem = system is null;
        Name = name;
        var forking = options.Mode == ServerMode.Forking ? ForkingMode.Load() : null;
        _system = system ?? DefaultActorSystem.Create(config: forking?.ListenerConfig(options));
        HandlerPlacement launcher = new ChildHandlerPlacement(handlerProps, dispatcher: HandlerDispatcher);
        if (forking is not null)
        {
            _forking = forking.Start(_system, options, name);
            launcher = _forking.Launcher;
        }
        IoDispatcher.Register(_system);
        Listener = _system.ActorOf(ListenerProps(options, hooks ?? ServerHooks.Default, launcher), ListenerPrefix + name);
        _listenerStopped = Listener.WatchAsync();
    }

    /// <summary>Creates and binds a server in one step (socketserver's constructor).</summary>
    public static async Task<SocketServer> StartAsync(ServerOptions options, Props handlerProps,
        ServerHooks? hooks = null, ActorSystem? system = null, string? name = null)
    {
        var server = new SocketServer(options, handlerProps, hooks, system, name);
        try
        {
            await server.BindAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The options the server was created with.</summary>
    public ServerOptions Options { get; }

    /// <summary>The listener actor; it speaks the messages in <c>ListenerMessages.cs</c>.</summary>
    public IActorRef Listener { get; }

    /// <summary>The actor system the server runs in.</summary>
    public ActorSystem System => _system;

    /// <summary>Every live stream handler of this server that runs in this process (sync and
    /// threading modes): a selection of the handlers under the listener's connections, resolved
    /// anew at each send, so it needs no registry and a handler that ends meanwhile is simply not
    /// reached. Tell it a message, or narrow it with a path of your own. Handlers in forking mode's
    /// workers are in other processes: reach those through an actor they register with.</summary>
    public ActorSelection Handlers => _system.ActorSelection(HandlersPath(Listener));

    /// <summary>Tells <paramref name="message"/> to every live handler in <see cref="Handlers"/>
    /// (a handler takes it with <c>Receive&lt;T&gt;</c>, at once, even while it waits for its client).</summary>
    public void Broadcast(object message, IActorRef? sender = null) => Handlers.Tell(message, sender ?? ActorRefs.NoSender);

    /// <summary>Where a listener's stream handlers are: each connection actor's one handler child.</summary>
    internal static string HandlersPath(IActorRef listener) => $"{listener.Path.ToStringWithoutAddress()}/conn-*/handler-*";

    /// <summary>The bound address, port 0 resolved (socketserver's <c>server_address</c>); null before binding.</summary>
    public EndPoint? ServerAddress { get; private set; }

    /// <summary>The bound TCP/UDP port, or 0 for Unix sockets and before binding.</summary>
    public int Port => (ServerAddress as IPEndPoint)?.Port ?? 0;

    /// <summary>Binds and listens (<c>server_bind</c> + <c>server_activate</c>).</summary>
    public async Task<EndPoint> BindAsync()
    {
        var bound = await AskListener<Bound>(Bind.Instance, ControlTimeout);
        ServerAddress = bound.Endpoint;
        if (_forking is not null && Options.Forking.Workers > 0) await WaitForOwnWorkersAsync();
        return bound.Endpoint;
    }

    /// <summary>In forking mode: this listener's cluster address, the seed node that worker nodes
    /// started by hand join (<c>--worker --seed-nodes ADDRESS</c>); null otherwise.</summary>
    public string? ClusterAddress => _forking?.ClusterAddress;

    /// <summary>In forking mode: the worker pool (answers <c>WaitForWorkers</c>); null otherwise.</summary>
    internal IActorRef? WorkerPool => _forking?.Pool;

    /// <summary>Workers warm before serving: the listener's own worker processes, started once the
    /// address is bound, have joined.</summary>
    private async Task WaitForOwnWorkersAsync()
    {
        var timeout = Options.Forking.WorkerStartTimeout;
        try
        {
            await _forking!.StartWorkersAsync(Options.Forking.Workers, timeout);
        }
        catch (AskTimeoutException)
        {
            throw new InvalidOperationException(
                $"Forking mode: {Options.Forking.Workers} worker processes did not join within {timeout}; their output above says why.");
        }
    }

    /// <summary>Serves clients until <see cref="ShutdownAsync"/> is called or
    /// <paramref name="cancellationToken"/> fires (<c>serve_forever</c>). Given no token that can
    /// fire, it stops on the process's first SIGTERM or Ctrl-C (SIGINT) instead, as the standard
    /// command line does: the signal does not end the process, so the program goes on to close
    /// the server, which drains (<c>await using</c> does it), and exits 0; a second signal ends the
    /// process at once. A program that handles signals itself (a Generic Host) passes its token.</summary>
    public async Task ServeForeverAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.CanBeCanceled)
        {
            await ServeUntilAsync(cancellationToken);
            return;
        }
        using var stop = new CancellationTokenSource();
        void Graceful(PosixSignalContext signal)
        {
            if (stop.IsCancellationRequested) return; // the second signal: its default, the end of the process
            signal.Cancel = true;
            stop.Cancel();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Graceful);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Graceful);
        await ServeUntilAsync(stop.Token);
    }

    private async Task ServeUntilAsync(CancellationToken cancellationToken)
    {
        var stopped = AskListener<ServeStopped>(ServeForever.Instance, Timeout.InfiniteTimeSpan);
        await using (cancellationToken.Register(() => Listener.Tell(Shutdown.Instance)))
            await stopped;
    }

    /// <summary>Starts serving in the background and returns at once (a daemon
    /// <c>serve_forever</c> thread in socketserver terms). The returned task ends when serving stops.</summary>
    public Task Start() => ServeUntilAsync(CancellationToken.None);

    /// <summary>Serves exactly one request (<c>handle_request</c>), waiting at most the shorter of
    /// <paramref name="timeout"/> and <see cref="ServerOptions.Timeout"/>; on timeout calls
    /// <see cref="ServerHooks.HandleTimeout"/>. In sync mode returns once the request finished.</summary>
    public async Task<RequestOutcome> HandleRequestAsync(TimeSpan? timeout = null)
    {
        var answer = await AskListener<OneRequestHandled>(new HandleOneRequest(timeout), Timeout.InfiniteTimeSpan);
        return answer.Outcome;
    }

    /// <summary>Stops serving and returns once the serve loop has stopped (<c>shutdown()</c>).
    /// Requests in flight go on. Safe to call from a handler.</summary>
    public Task ShutdownAsync() => AskListener<ShutdownCompleted>(Shutdown.Instance, ControlTimeout);

    /// <summary>The server's counters and limits now: connections served, refused, timed out, ...</summary>
    public Task<ServerStats> GetStatsAsync() => AskListener<ServerStats>(GetServerStats.Instance, ControlTimeout);

    /// <summary>Changes <see cref="ServerOptions.MaxConnections"/> at runtime (<c>null</c>: no limit of
    /// its own). Lowering it closes nothing; raising it serves waiting clients at once.</summary>
    public Task<ServerStats> SetMaxConnectionsAsync(int? maxConnections)
    {
        if (maxConnections is < 1)
            throw ServerOptions.Bad(nameof(ServerOptions.MaxConnections), $"must be at least 1, not {maxConnections}");
        return AskListener<ServerStats>(new SetMaxConnections(maxConnections), ControlTimeout);
    }

    /// <summary>Stops accepting without touching the connections being served (ranch's
    /// <c>suspend_listener</c>); new clients wait in the listen backlog until <see cref="ResumeAcceptingAsync"/>.</summary>
    public Task<ServerStats> SuspendAcceptingAsync() => AskListener<ServerStats>(SuspendAccepting.Instance, ControlTimeout);

    /// <summary>The listening socket's handle, for a successor process to take over (null once closed).</summary>
    internal async Task<System.Runtime.InteropServices.SafeHandle?> GetListeningHandleAsync()
        => (await AskListener<ListeningHandle>(GetListeningHandle.Instance, ControlTimeout)).Handle;

    /// <summary>Accepts again after <see cref="SuspendAcceptingAsync"/>; the clients that waited are served.</summary>
    public Task<ServerStats> ResumeAcceptingAsync() => AskListener<ServerStats>(ResumeAccepting.Instance, ControlTimeout);

    /// <summary>Releases the address (<c>server_close()</c>); with <see cref="ServerOptions.BlockOnClose"/>
    /// first waits up to <see cref="ServerOptions.DrainTimeout"/> for requests in flight.</summary>
    public async Task CloseAsync()
    {
        if (!_listenerStopped.IsCompleted) // else closed already
            await AskListener<Closed>(Close.Instance, Options.DrainTimeout + ControlTimeout);
        if (_forking is not null) await _forking.StopAsync(_system); // after the drain: requests in flight finished
    }

    /// <summary>While <see cref="CloseAsync"/> drains: stops every request still in flight now instead
    /// of at the drain deadline, closing their connections (what a second SIGTERM or Ctrl-C does).
    /// Returns how many were cut; 0 when the server is not draining.</summary>
    public async Task<int> CutRequestsAsync()
    {
        try
        {
            return (await AskListener<RequestsCut>(CutRequests.Instance, ControlTimeout)).Count;
        }
        catch (ObjectDisposedException)
        {
            return 0; // closed already: nothing left to cut
        }
    }

    /// <summary>Shuts down, closes, and terminates the actor system if the server created it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (!_listenerStopped.IsCompleted) await CloseAsync(); // closing stops serving first
        }
        catch (ObjectDisposedException)
        {
            // The listener stopped while we asked: nothing left to close.
        }
        finally
        {
            if (_ownsSystem) await _system.Terminate();
        }
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Asks the listener, failing fast with <see cref="ObjectDisposedException"/> once it has
    /// stopped instead of waiting for a timeout. The listener answers every waiter before it stops,
    /// so an answer that raced with the stop still wins.</summary>
    private async Task<T> AskListener<T>(object message, TimeSpan timeout)
    {
        if (_listenerStopped.IsCompleted) throw Gone();
        var ask = Listener.Ask<T>(message, timeout);
        await Task.WhenAny(ask, _listenerStopped);
        return ask.IsCompleted ? await ask : throw Gone();
    }

    private static ObjectDisposedException Gone() => new(nameof(SocketServer), "The server is closed.");

    /// <summary>A stream listener runs on the <see cref="IoDispatcher"/>, with the connections: every
    /// accept passes through it (measured: one-request connections faster than on the default
    /// dispatcher). A datagram listener runs beside its handlers (<see cref="ListenerDispatcher"/>).</summary>
    internal static Props ListenerProps(ServerOptions options, ServerHooks hooks, HandlerPlacement launcher)
        => (options.Kind == SocketKind.Datagram
            ? Props.Create(() => new DatagramListenerActor(options, hooks, launcher))
            : Props.Create(() => new StreamListenerActor(options, hooks, launcher))).WithDispatcher(ListenerDispatcher(options));

    /// <summary>
    /// The listener's dispatcher. A datagram listener of a server whose handlers run in this
    /// process (sync and threading mode) runs on <see cref="IoDispatcher.RequestId"/> with those handlers: the
    /// receive completes on a pool thread, and the listener's run, the kept handler's run it
    /// queues (which sends the reply) and the listener's run that ends the request follow on that
    /// thread instead of waking an I/O-dispatcher thread, a handler thread and the I/O thread
    /// again. Measured (compare.sh, UDP, 16 clients, 5 rounds of 3 s, JIT): 0.59× → 0.73× plain
    /// .NET. Every other listener runs on <see cref="IoDispatcher.Id"/>.
    /// </summary>
    private static string ListenerDispatcher(ServerOptions options)
        => options.Kind == SocketKind.Datagram && options.Mode != ServerMode.Forking ? IoDispatcher.RequestId : IoDispatcher.Id;

    /// <summary>The dispatcher of the handlers a server starts in this process
    /// (<see cref="IoDispatcher.RequestId"/>: a handler's run follows its connection's on the
    /// thread that ran it), unless the handler's props chose one.</summary>
    private const string HandlerDispatcher = IoDispatcher.RequestId;
}
